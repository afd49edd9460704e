/**
 * The page cache of a guest_memfd (`inode->i_mapping`, the `address_space`:
 * index -> folio; spec §1.3): lookup and allocation of folios, listing,
 * removal. One part of the inode owner.
 *
 * ```
 *   live ── gmem.filemap.get / .list / .remove, gmem.lru.drain, gmem.archInvalidate ──► live
 * ```
 *
 * The page cache has no lifecycle of its own: it lives as long as the inode
 * (`live`); its entries are context (`cache`, keyed by each folio's base
 * index). `gmem.filemap.get` is `kvm_gmem_get_folio`: a lookup, and with
 * `create` an allocation that spawns the folio's actor:
 *
 * - option `allocator: 'buddy'`: one folio of the run's order
 *   (`filemap_alloc_folio` + `filemap_add_folio`); with `lruBatchOnAdd` it is
 *   parked in an LRU-add batch (`folio_add_lru`, `lru.add`); with
 *   `attributeSource: 'allocation'` (fd-2022) the pages become private
 *   (`attributes.set` to the attributes part), and shared again on removal;
 * - option `allocator: 'hugetlb'`: a hugepage from the subpool (the HugeTLB
 *   part; `-ENOMEM` when it is exhausted); with `splitOnAllocate` a hugepage
 *   with a shared index (read from the attributes, or the RFC 1G-v1
 *   faultability) is split at once and only the 4K folio asked for gets an
 *   actor; a lookup in a split hugepage materialises the 4K folio it touches.
 *
 * `gmem.lru.drain` (`lru_add_drain_all`) is forwarded to the LRU batches on the
 * inode's channel, behind every `lru.add` it sent, so none is missed; the
 * batches answer the caller. `gmem.archInvalidate` asks the HugeTLB part to
 * invalidate the untouched pages of split hugepages, then answers the folios
 * overlapping the range.
 *
 * Kernel: `mm/filemap.c` (`__filemap_get_folio`, `filemap_add_folio`,
 * `filemap_remove_folio`), `mm/swap.c` (`folio_add_lru`,
 * `lru_add_drain_all`), `virt/kvm/guest_memfd.c` (`kvm_gmem_get_folio`; RFC 1G
 * `kvm_gmem_try_split_folio_in_filemap`, `kvm_gmem_shareability_apply`).
 */
import { assertEvent, assign, setup } from 'xstate';
import type { ActorPort } from '../../events/actorPort.js';
import { type Delivered, replyTarget } from '../../events/messages.js';
import {
  type GmemArchInvalidate,
  type GmemFilemapGet,
  type GmemFilemapList,
  type GmemFilemapRemove,
  type GmemLruDrain,
  respond
} from '../../events/protocol/index.js';
import { ACTOR } from '../../model/env.js';
import { hugeFloor } from '../../model/hugetlb.js';
import { RangeMap } from '../../model/rangeMap.js';
import { typeHint } from '../../model/typeHint.js';
import type {
  AttributesInternal,
  AttributesView,
  CacheEntry,
  FilemapInternal,
  FilemapView,
  GmemOptions,
  HugetlbInternal,
  HugetlbView,
  PartInput,
  Sibling
} from './parts.js';

/** Messages the page cache accepts. */
export type FilemapInbox = GmemFilemapGet | GmemFilemapList | GmemFilemapRemove | GmemLruDrain | GmemArchInvalidate;

/** Input of the page cache. */
export type FilemapInput = PartInput & {
  /** The HugeTLB part (null with the buddy allocator). */
  readonly hugetlb: Sibling<HugetlbView, HugetlbInternal> | null;
  /** The attributes (fd-2022 stores private on allocation). */
  readonly attributes: Sibling<AttributesView, AttributesInternal>;
  /** True if an index of `[start, end)` is shared (host-faultable): decides a split on allocation. */
  readonly anyShared: (start: number, end: number) => boolean;
};

/** Context of the page cache. */
export type FilemapContext = FilemapView & {
  readonly port: ActorPort;
  readonly options: GmemOptions;
  /** Order of the folios the allocator hands out. */
  readonly order: number;
  /** Pages of a hugepage (1 with the buddy allocator). */
  readonly nr: number;
  /** Page cache, keyed by each folio's base index. */
  readonly cache: ReadonlyMap<number, CacheEntry>;
  readonly hugetlb: Sibling<HugetlbView, HugetlbInternal> | null;
  readonly attributes: Sibling<AttributesView, AttributesInternal>;
  readonly anyShared: (start: number, end: number) => boolean;
};

/** Finds the folio covering `index`, trying each order the cache may hold. */
export function lookup(cache: ReadonlyMap<number, CacheEntry>, index: number): CacheEntry | undefined {
  for (const order of [0, 9, 18]) {
    const base = index - (index % 2 ** order);
    const e = cache.get(base);
    if (e !== undefined && e.order === order) return e;
  }
  return undefined;
}

/** The page-cache entries overlapping indices `[start, end)`, by base. */
function cachedIn(cache: ReadonlyMap<number, CacheEntry>, start: number, end: number): CacheEntry[] {
  return [...cache.values()].filter((e) => e.base < end && e.base + 2 ** e.order > start).sort((a, b) => a.base - b.base);
}

/** The HugeTLB part, or a model error (a hugepage path without a HugeTLB allocator). */
function hugetlbOf(ctx: FilemapContext): Sibling<HugetlbView, HugetlbInternal> {
  if (ctx.hugetlb === null) throw new Error(`${ctx.port.id}: hugepage without a HugeTLB allocator`);
  return ctx.hugetlb;
}

/**
 * Spawns the 4K folio of the split hugepage at `base` that covers `index` (its
 * first touch), with folio id number `nextFolio`; returns its entry and the
 * page cache after it.
 */
function materialize(ctx: FilemapContext, nextFolio: number, base: number, index: number): { entry: CacheEntry; cache: Map<number, CacheEntry> } {
  const hugetlb = hugetlbOf(ctx);
  const rec = hugetlb.read().hugepages.get(base);
  if (rec?.state !== 'split') throw new Error(`${ctx.port.id}: no split hugepage at ${base}`);
  const sub = index - base;
  const folio = `${ctx.port.id}/f${nextFolio}`;
  const value = rec.contents.get(sub);
  // The 4K folio takes over the arch-prepared state of its page.
  const wasPrepared = rec.prepared?.get(sub) === true;
  hugetlb.send({ type: 'hugetlb.materialize', base, sub, folio });
  ctx.port.spawn('folio', folio, {
    gmem: ctx.port.id,
    base: index,
    order: 0,
    init: {
      hugeOrigin: rec.page,
      uptodate: rec.uptodate,
      contents: value === undefined ? new Map() : new Map([[0, value]]),
      ...(wasPrepared ? { prepared: RangeMap.filled(1, true) } : {})
    }
  });
  const entry: CacheEntry = { folio, base: index, order: 0 };
  const cache = new Map(ctx.cache);
  cache.set(index, entry);
  return { entry, cache };
}

/** The page cache. */
export const gmemFilemapMachine = setup({
  types: { context: typeHint<FilemapContext>(), events: typeHint<Delivered<FilemapInbox> | FilemapInternal>(), input: typeHint<FilemapInput>() },
  actions: {
    /** A lookup's answer: the cached folio, or none. */
    answerLookup: ({ context, event }) => {
      assertEvent(event, 'gmem.filemap.get');
      const found = lookup(context.cache, event.index);
      respond(context.port, event, { type: 'gmem.folio', folio: found?.folio ?? null, base: found?.base ?? event.index, order: found?.order ?? 0 });
    },
    /** The lookup touched a split hugepage: its 4K folio is materialised. */
    answerSubpage: assign(({ context, event }) => {
      assertEvent(event, 'gmem.filemap.get');
      const { entry, cache } = materialize(context, context.nextFolio, hugeFloor(event.index, context.nr), event.index);
      respond(context.port, event, { type: 'gmem.folio', folio: entry.folio, base: entry.base, order: entry.order });
      return { cache, nextFolio: context.nextFolio + 1 };
    }),
    /** The HugeTLB subpool is exhausted: `-ENOMEM`. */
    answerNoMemory: ({ context, event }) => {
      assertEvent(event, 'gmem.filemap.get');
      respond(context.port, event, { type: 'gmem.folio', folio: null, base: event.index, order: 0, err: '-ENOMEM' });
    },
    /** `filemap_alloc_folio` + `filemap_add_folio` of one folio of the run's order. */
    allocateFolio: assign(({ context, event }) => {
      assertEvent(event, 'gmem.filemap.get');
      const { port, order, options } = context;
      const id = port.id;
      const base = event.index - (event.index % 2 ** order);
      const folio = `${id}/f${context.nextFolio}`;
      // filemap_add_folio -> folio_add_lru: parked in an LRU-add batch with a reference
      // (modelled where conversions check refcounts).
      const lruBatch = options.lruBatchOnAdd;
      port.spawn('folio', folio, { gmem: id, base, order, ...(lruBatch ? { init: { lruBatch } } : {}) });
      if (lruBatch) port.send(ACTOR.lru, { type: 'lru.add', folio });
      respond(port, event, { type: 'gmem.folio', folio, base, order });
      // fd-2022: a page is private exactly when it is allocated in the backing store.
      if (options.attributeSource === 'allocation')
        context.attributes.send({ type: 'attributes.set', start: base, end: base + 2 ** order, private: true, by: event.from });
      const cache = new Map(context.cache);
      cache.set(base, { folio, base, order });
      return { cache, nextFolio: context.nextFolio + 1 };
    }),
    /** `kvm_gmem_get_folio` with a HugeTLB allocator: a hugepage from the subpool, split at once if any index is shared. */
    allocateHugepage: assign(({ context, event }) => {
      assertEvent(event, 'gmem.filemap.get');
      const hugetlb = hugetlbOf(context);
      const { port, order, nr } = context;
      const id = port.id;
      const hb = hugeFloor(event.index, nr);
      const folio = `${id}/f${context.nextFolio}`;
      hugetlb.send({ type: 'hugetlb.allocate', base: hb, folio });
      const rec = hugetlb.read().hugepages.get(hb);
      if (rec?.state !== 'huge') throw new Error(`${id}: hugepage at ${hb} not allocated`);
      const page = rec.page;
      if (context.options.splitOnAllocate && context.anyShared(hb, hb + nr)) {
        // kvm_gmem_try_split_folio_in_filemap right after allocation: the new folio holds only the
        // page cache's references, so the split happens in the same step (no actor for the huge folio).
        port.record('FolioAllocated', { folio, gmem: id, base: hb, order, hugePage: page });
        port.record('FolioRef', { folio, delta: nr, refcount: nr, why: 'filemap' });
        hugetlb.send({ type: 'hugetlb.splitNew', base: hb });
        const { entry, cache } = materialize(context, context.nextFolio + 1, hb, event.index);
        respond(port, event, { type: 'gmem.folio', folio: entry.folio, base: entry.base, order: entry.order });
        return { cache, nextFolio: context.nextFolio + 2 };
      }
      port.spawn('folio', folio, { gmem: id, base: hb, order, init: { hugePage: page } });
      const cache = new Map(context.cache);
      cache.set(hb, { folio, base: hb, order });
      respond(port, event, { type: 'gmem.folio', folio, base: hb, order });
      return { cache, nextFolio: context.nextFolio + 1 };
    }),
    /** The folios overlapping a range, by index. */
    list: ({ context, event }) => {
      assertEvent(event, 'gmem.filemap.list');
      respond(context.port, event, { type: 'gmem.folios', folios: cachedIn(context.cache, event.start, event.end).map((e) => e.folio) });
    },
    /** `filemap_remove_folio`: the folio leaves the page cache (fd-2022: its pages are shared again). */
    remove: assign(({ context, event }) => {
      assertEvent(event, 'gmem.filemap.remove');
      const cache = new Map(context.cache);
      for (const [base, e] of cache) {
        if (e.folio !== event.folio) continue;
        cache.delete(base);
        if (context.hugetlb !== null && e.order > 0) context.hugetlb.send({ type: 'hugetlb.truncate', base });
        // fd-2022: removed from the backing store = no longer private.
        if (context.options.attributeSource === 'allocation')
          context.attributes.send({ type: 'attributes.set', start: base, end: base + 2 ** e.order, private: false, by: event.from });
      }
      respond(context.port, event, { type: 'ack' });
      return { cache };
    }),
    /** `lru_add_drain_all`: forwarded to the LRU batches, which answer the caller. */
    drainLru: ({ context, event }) => {
      assertEvent(event, 'gmem.lru.drain');
      context.port.send(ACTOR.lru, { type: 'lru.drain', replyTo: replyTarget(event) });
    },
    /** `kvm_arch_gmem_invalidate` of a range: the untouched pages of split hugepages, then the folios for the caller. */
    archInvalidate: ({ context, event }) => {
      assertEvent(event, 'gmem.archInvalidate');
      const { start, end } = event;
      context.hugetlb?.send({ type: 'hugetlb.archInvalidate', start, end, why: event.why });
      const hit = cachedIn(context.cache, start, end);
      respond(context.port, event, {
        type: 'gmem.folios',
        folios: hit.map((e) => e.folio),
        starts: hit.map((e) => Math.max(start, e.base) - e.base),
        ends: hit.map((e) => Math.min(end, e.base + 2 ** e.order) - e.base)
      });
    },
    /** A split removed the huge folio at `base`. */
    drop: assign(({ context, event }) => {
      assertEvent(event, 'filemap.delete');
      const cache = new Map(context.cache);
      cache.delete(event.base);
      return { cache };
    }),
    /** A merge replaced the 4K folios by the huge folio, which took the next folio id. */
    replace: assign(({ context, event }) => {
      assertEvent(event, 'filemap.merged');
      const cache = new Map(context.cache);
      for (const index of event.subs) cache.delete(index);
      cache.set(event.base, { folio: event.folio, base: event.base, order: event.order });
      return { cache, nextFolio: context.nextFolio + 1 };
    })
  },
  guards: {
    /** The page cache has a folio covering the index. */
    cached: ({ context, event }) => {
      assertEvent(event, 'gmem.filemap.get');
      return lookup(context.cache, event.index) !== undefined;
    },
    /** The index is in a split hugepage (its 4K folio exists, without an actor yet). */
    inSplitHugepage: ({ context, event }) => {
      assertEvent(event, 'gmem.filemap.get');
      return context.hugetlb?.read().hugepages.get(hugeFloor(event.index, context.nr))?.state === 'split';
    },
    /** A lookup without FGP_CREAT. */
    lookupOnly: ({ event }) => {
      assertEvent(event, 'gmem.filemap.get');
      return !event.create;
    },
    /** Folios come from the page allocator. */
    fromBuddy: ({ context }) => context.hugetlb === null,
    /** Every page of the HugeTLB subpool is in use. */
    subpoolExhausted: ({ context }) => context.hugetlb?.read().subpool.free === 0
  }
}).createMachine({
  id: 'gmemFilemap',
  context: ({ input }) => ({
    port: input.port,
    options: input.options,
    order: input.params.folioOrder,
    nr: input.options.allocator === 'hugetlb' ? 2 ** input.params.folioOrder : 1,
    cache: new Map(),
    nextFolio: 1,
    hugetlb: input.hugetlb,
    attributes: input.attributes,
    anyShared: input.anyShared
  }),
  initial: 'live',
  states: {
    live: {
      on: {
        'gmem.filemap.get': [
          { guard: 'cached', actions: 'answerLookup' },
          { guard: 'inSplitHugepage', actions: 'answerSubpage' },
          { guard: 'lookupOnly', actions: 'answerLookup' },
          { guard: 'fromBuddy', actions: 'allocateFolio' },
          { guard: 'subpoolExhausted', actions: 'answerNoMemory' },
          { actions: 'allocateHugepage' }
        ],
        'gmem.filemap.list': { actions: 'list' },
        'gmem.filemap.remove': { actions: 'remove' },
        'gmem.lru.drain': { actions: 'drainLru' },
        'gmem.archInvalidate': { actions: 'archInvalidate' },
        'filemap.delete': { actions: 'drop' },
        'filemap.merged': { actions: 'replace' }
      }
    }
  }
});
