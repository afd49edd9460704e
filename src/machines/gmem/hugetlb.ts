/**
 * The HugeTLB subpool of a guest_memfd and its hugepages (spec §1.1 allocator,
 * §1.3, O3, O15, INV-11, INV-16; RFC 1G): one part of the inode owner, present
 * only with option `allocator: 'hugetlb'`.
 *
 * ```
 *                 hugetlb.allocate (the last free page)
 *   available ─────────────────────────────────────────► exhausted
 *       ▲                                                     │
 *       └────────────── gmem.pool.free (a page back) ─────────┘
 * ```
 *
 * - `available`: the subpool has free reserved pages
 *   (`hugepage_subpool_get_pages` succeeds).
 * - `exhausted`: every reserved page is in use (`used_hpages == max_hpages`):
 *   the page cache answers an allocation `-ENOMEM` without asking.
 *
 * The subpool reserves `size / hugepage` pages of the host-global pool when the
 * file is created (fact `SubpoolReserved`; a creation that cannot reserve fails
 * before this part exists, see `file.ts`). `hugetlb.allocate` (from the page
 * cache) takes a page (fact `HugePageAllocated`); `gmem.pool.free` (from a
 * freed HugeTLB folio, `free_folio`) gives it back (fact `FolioFreedToPool`,
 * answered `ack` to the thread whose put freed it when it asks).
 *
 * Each hugepage of the file has a lifecycle, kept per hugepage in context
 * (`hugepages`, by base index: one machine state cannot hold many objects):
 *
 * ```
 *   (none) ── hugetlb.allocate ──► huge ── gmem.split / hugetlb.splitNew ──► split ── gmem.merge ──► huge
 *                                    └── hugetlb.truncate (the huge folio left the page cache) ──► (none)
 * ```
 *
 * `huge`: one huge folio holds the page in the page cache. `split`: its 4K
 * folios exist from the split on, but an actor is spawned for a subpage only
 * when a lookup first touches it (`hugetlb.materialize` from the page cache),
 * so a split 1G page costs O(touched subpages); the contents, uptodate and
 * arch-prepared state (INV-16) of the untouched subpages live in the record.
 * The merge is one step the inode sees (the caller froze the 4K folios before),
 * so there is no `merging` phase. Requests: `gmem.hugepages`,
 * `gmem.split.subs`, `gmem.split` (fact `FolioSplit`), `gmem.merge` (fact
 * `FolioMerged`, spawns the merged folio), `gmem.zeroRange` (fact
 * `SplitRangeZeroed`); `hugetlb.archInvalidate` from the page cache (facts
 * `FolioArchInvalidated` on the huge folio the untouched subpages came from).
 *
 * Kernel: `mm/hugetlb.c` (`hugepage_new_subpool`, `hugepage_subpool_get_pages`,
 * `hugepage_subpool_put_pages`), `virt/kvm/guest_memfd.c` and
 * `mm/guestmem_hugetlb.c` of RFC 1G (`kvm_gmem_split_folio_in_filemap`,
 * `kvm_gmem_merge_folio_in_filemap`, `guestmem_hugetlb_split_folio`).
 */
import { assertEvent, assign, setup } from 'xstate';
import type { ActorPort } from '../../events/actorPort.js';
import { type Delivered, replyTarget } from '../../events/messages.js';
import {
  type GmemHugepages,
  type GmemMerge,
  type GmemPoolFree,
  type GmemSplit,
  type GmemSplitSubs,
  type GmemZeroRange,
  type HugepageKind,
  respond
} from '../../events/protocol/index.js';
import { hugeCeil, hugeFloor, type Subpool, subpoolGive, subpoolTake } from '../../model/hugetlb.js';
import { RangeMap } from '../../model/rangeMap.js';
import { typeHint } from '../../model/typeHint.js';
import type { FilemapInternal, FilemapView, Hugepage, HugetlbInternal, HugetlbView, PartInput, Sibling, SplitHugepage } from './parts.js';

/** Messages the HugeTLB part accepts. */
export type HugetlbInbox = GmemHugepages | GmemSplitSubs | GmemSplit | GmemMerge | GmemZeroRange | GmemPoolFree;

/** Input of the HugeTLB part. */
export type HugetlbInput = PartInput & {
  /** The subpool as reserved at creation. */
  readonly subpool: Subpool;
  /** Free pages of the global pool left after the reservation. */
  readonly globalFree: number;
  /** The page cache (folio ids; entries replaced by a split or merge). */
  readonly filemap: Sibling<FilemapView, FilemapInternal>;
};

/** Context of the HugeTLB part. */
export type HugetlbContext = HugetlbView & {
  readonly port: ActorPort;
  /** File size in pages. */
  readonly pages: number;
  /** Order of a hugepage. */
  readonly order: number;
  /** Pages of a hugepage (`2^order`). */
  readonly nr: number;
  readonly globalFree: number;
  /** Number of the next HugeTLB page id (`<inode>/hp<n>`). */
  readonly nextPage: number;
  readonly filemap: Sibling<FilemapView, FilemapInternal>;
};

/** `v`, or a model error naming `what`. */
function must<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`hugetlb: no ${what}`);
  return v;
}

/** The split hugepage at `base`, or a model error. */
function splitAt(ctx: HugetlbContext, base: number): SplitHugepage {
  const rec = ctx.hugepages.get(base);
  if (rec?.state !== 'split') throw new Error(`${ctx.port.id}: no split hugepage at ${base}`);
  return rec;
}

/** `hugepages` with the hugepage at `base` now split (last in order: split records iterate in the order they were split). */
function withSplit(hugepages: ReadonlyMap<number, Hugepage>, base: number, rec: SplitHugepage): Map<number, Hugepage> {
  const next = new Map(hugepages);
  next.delete(base);
  next.set(base, rec);
  return next;
}

/** `prepared` with `[start, end)` cleared; null once nothing is prepared. */
function clearPrepared(prepared: RangeMap<boolean> | null, start: number, end: number): RangeMap<boolean> | null {
  if (prepared === null) return null;
  const left = prepared.store(start, end, false);
  return left.find(0, left.size, true) >= 0 ? left : null;
}

/** The arch-prepared runs `starts`/`ends` (subpage offsets) as a map over `[0, size)`; null if none. */
function preparedOf(size: number, starts: readonly number[] | undefined, ends: readonly number[] | undefined): RangeMap<boolean> | null {
  if (starts === undefined || ends === undefined || starts.length === 0) return null;
  let map = RangeMap.filled(size, false);
  starts.forEach((s, i) => {
    map = map.store(s, must(ends[i], `end of prepared run ${i}`), true);
  });
  return map;
}

/** The subpool counters of a fact. */
function poolData(ctx: HugetlbContext, pool: Subpool): { gmem: string; inUse: number; free: number; reserved: number } {
  return { gmem: ctx.port.id, inUse: pool.inUse, free: pool.free, reserved: pool.reserved };
}

/** The HugeTLB part. */
export const gmemHugetlbMachine = setup({
  types: { context: typeHint<HugetlbContext>(), events: typeHint<Delivered<HugetlbInbox> | HugetlbInternal>(), input: typeHint<HugetlbInput>() },
  actions: {
    /** The subpool reservation (fact `SubpoolReserved`). */
    announce: ({ context }) => {
      context.port.record('SubpoolReserved', {
        gmem: context.port.id,
        order: context.order,
        reserved: context.subpool.reserved,
        globalFree: context.globalFree
      });
    },
    /** `hugepage_subpool_get_pages` for a new huge folio (fact `HugePageAllocated`). */
    allocate: assign(({ context, event }) => {
      assertEvent(event, 'hugetlb.allocate');
      const subpool = must(subpoolTake(context.subpool) ?? undefined, 'free page in the subpool');
      const page = `${context.port.id}/hp${context.nextPage}`;
      context.port.record('HugePageAllocated', { ...poolData(context, subpool), page, folio: event.folio });
      const hugepages = new Map(context.hugepages);
      hugepages.set(event.base, { state: 'huge', page, folio: event.folio });
      return { subpool, nextPage: context.nextPage + 1, hugepages };
    }),
    /** `free_folio` of a HugeTLB folio: the page back to the subpool (fact `FolioFreedToPool`). */
    free: assign(({ context, event }) => {
      assertEvent(event, 'gmem.pool.free');
      const subpool = subpoolGive(context.subpool);
      context.port.record('FolioFreedToPool', { ...poolData(context, subpool), page: event.page, folio: event.folio });
      if (event.notify) context.port.send(replyTarget(event), { type: 'ack' });
      return { subpool };
    }),
    /** The hugepages overlapping a range and what backs each. */
    answerHugepages: ({ context, event }) => {
      assertEvent(event, 'gmem.hugepages');
      const { nr } = context;
      const bases: number[] = [];
      const kinds: HugepageKind[] = [];
      const folios: string[] = [];
      const last = Math.min(hugeCeil(event.end, nr), context.pages);
      for (let b = hugeFloor(event.start, nr); b < last; b += nr) {
        const rec = context.hugepages.get(b);
        bases.push(b);
        kinds.push(rec?.state ?? 'none');
        folios.push(rec?.state === 'huge' ? rec.folio : '');
      }
      respond(context.port, event, { type: 'gmem.hugepages', bases, kinds, folios });
    },
    /** The materialised 4K folios of a split hugepage, by index. */
    answerSubs: ({ context, event }) => {
      assertEvent(event, 'gmem.split.subs');
      const { base } = event;
      const rec = context.hugepages.get(base);
      const subs = rec?.state === 'split' ? [...rec.materialized.entries()].sort((a, b) => a[0] - b[0]) : [];
      respond(context.port, event, { type: 'gmem.split.subs', folios: subs.map((s) => s[1]), indices: subs.map((s) => base + s[0]) });
    },
    /** `kvm_gmem_split_folio_in_filemap` of a frozen huge folio (fact `FolioSplit`); its 4K folios inherit its state. */
    split: assign(({ context, event }) => {
      assertEvent(event, 'gmem.split');
      const { port, order } = context;
      const { folio, base } = event;
      const rec = context.hugepages.get(base);
      if (rec?.state !== 'huge' || rec.folio !== folio) throw new Error(`${port.id}: split of ${folio}, not the huge folio at ${base}`);
      const contents = new Map<number, number>();
      event.subpages.forEach((k, i) => {
        const v = event.values[i] ?? 0;
        if (v !== 0) contents.set(k, v);
      });
      const page = event.hugePage;
      port.record('FolioSplit', { folio, gmem: port.id, base, order, hugePage: page, reason: event.reason });
      context.filemap.send({ type: 'filemap.delete', base });
      // Each 4K page keeps its arch-prepared state (RMP is per pfn).
      const prepared = preparedOf(2 ** order, event.preparedStarts, event.preparedEnds);
      const hugepages = withSplit(context.hugepages, base, {
        state: 'split',
        page,
        origin: folio,
        order,
        uptodate: event.uptodate,
        contents,
        materialized: new Map(),
        prepared
      });
      respond(port, event, { type: 'ack' });
      return { hugepages };
    }),
    /** `kvm_gmem_try_split_folio_in_filemap` right after allocation: the new huge folio is split at once (fact `FolioSplit`). */
    splitNew: assign(({ context, event }) => {
      assertEvent(event, 'hugetlb.splitNew');
      const { port, order } = context;
      const { base } = event;
      const rec = context.hugepages.get(base);
      if (rec?.state !== 'huge') throw new Error(`${port.id}: no new huge folio at ${base}`);
      port.record('FolioSplit', { folio: rec.folio, gmem: port.id, base, order, hugePage: rec.page, reason: 'alloc' });
      const split: SplitHugepage = {
        state: 'split',
        page: rec.page,
        origin: rec.folio,
        order,
        uptodate: false,
        contents: new Map(),
        materialized: new Map(),
        prepared: null
      };
      return { hugepages: withSplit(context.hugepages, base, split) };
    }),
    /** A 4K folio of a split hugepage got its actor: it takes over the page's contents and arch-prepared state. */
    materialize: assign(({ context, event }) => {
      assertEvent(event, 'hugetlb.materialize');
      const { base, sub } = event;
      const rec = splitAt(context, base);
      const contents = new Map(rec.contents);
      contents.delete(sub);
      const materialized = new Map(rec.materialized);
      materialized.set(sub, event.folio);
      const prepared = rec.prepared?.get(sub) === true ? clearPrepared(rec.prepared, sub, sub + 1) : rec.prepared;
      const hugepages = new Map(context.hugepages);
      hugepages.set(base, { ...rec, contents, materialized, prepared });
      return { hugepages };
    }),
    /** `kvm_gmem_merge_folio_in_filemap`: the frozen 4K folios become one huge folio again (fact `FolioMerged`). */
    merge: assign(({ context, event }) => {
      assertEvent(event, 'gmem.merge');
      const { port } = context;
      const { base } = event;
      const rec = splitAt(context, base);
      const subs = event.folios;
      const ups = event.uptodates;
      // The merged folio is uptodate if any part was: parts never zeroed were never exposed and are
      // zeroed now (their stale contents dropped), so contents written through 4K folios survive.
      const untouched = rec.materialized.size < 2 ** rec.order;
      const uptodate = (untouched && rec.uptodate) || ups.some((u) => u);
      const contents = new Map(untouched && !rec.uptodate ? [] : rec.contents);
      const indexOf = new Map([...rec.materialized.entries()].map(([k, f]) => [f, k]));
      const subOf = (f: string): number => must(indexOf.get(f), `4K folio ${f} at ${base}`);
      subs.forEach((f, i) => {
        const v = event.values[i] ?? 0;
        if (v !== 0 && ups[i] === true) contents.set(subOf(f), v);
      });
      // The merged folio is arch-prepared exactly where its pages were (materialised 4K folios and the rest).
      const preps = event.prepareds ?? [];
      let prepared = rec.prepared;
      subs.forEach((f, i) => {
        if (preps[i] !== true) return;
        const k = subOf(f);
        prepared = (prepared ?? RangeMap.filled(2 ** rec.order, false)).store(k, k + 1, true);
      });
      const folio = `${port.id}/f${context.filemap.read().nextFolio}`;
      port.record('FolioMerged', { folio, gmem: port.id, base, order: rec.order, hugePage: rec.page, from: [...subs], reason: event.reason });
      port.spawn('folio', folio, { gmem: port.id, base, order: rec.order, init: { hugePage: rec.page, uptodate, contents, prepared } });
      context.filemap.send({ type: 'filemap.merged', folio, base, order: rec.order, subs: subs.map((f) => base + subOf(f)) });
      const hugepages = new Map(context.hugepages);
      hugepages.set(base, { state: 'huge', page: rec.page, folio });
      respond(port, event, { type: 'gmem.merged', ok: true, folio });
      return { hugepages };
    }),
    /** The merge is refused: the folios are not the hugepage's 4K folios. */
    refuseMerge: ({ context, event }) => {
      assertEvent(event, 'gmem.merge');
      respond(context.port, event, { type: 'gmem.merged', ok: false, folio: null });
    },
    /** PUNCH_HOLE of part of split hugepages: their untouched pages in the range are zeroed (fact `SplitRangeZeroed`). */
    zeroRange: assign(({ context, event }) => {
      assertEvent(event, 'gmem.zeroRange');
      const { start, end } = event;
      let hugepages: Map<number, Hugepage> | null = null;
      for (const [b, rec] of context.hugepages) {
        if (rec.state !== 'split' || b >= end || b + 2 ** rec.order <= start) continue;
        const contents = new Map(rec.contents);
        for (const k of rec.contents.keys()) if (b + k >= start && b + k < end) contents.delete(k);
        hugepages ??= new Map(context.hugepages);
        hugepages.set(b, { ...rec, contents });
      }
      context.port.record('SplitRangeZeroed', { gmem: context.port.id, start, end });
      respond(context.port, event, { type: 'ack' });
      return hugepages === null ? {} : { hugepages };
    }),
    /** The huge folio at `base` left the page cache: the file no longer has this hugepage. */
    truncate: assign(({ context, event }) => {
      assertEvent(event, 'hugetlb.truncate');
      const hugepages = new Map(context.hugepages);
      hugepages.delete(event.base);
      return { hugepages };
    }),
    /** `kvm_arch_gmem_invalidate` of the untouched 4K pages of split hugepages in a range (facts `FolioArchInvalidated`). */
    archInvalidate: assign(({ context, event }) => {
      assertEvent(event, 'hugetlb.archInvalidate');
      const { start, end, why } = event;
      let hugepages: Map<number, Hugepage> | null = null;
      for (const [b, rec] of context.hugepages) {
        if (rec.state !== 'split') continue;
        const s = Math.max(start, b) - b;
        const e = Math.min(end, b + 2 ** rec.order) - b;
        if (s >= e || rec.prepared === null || rec.prepared.find(s, e, true) < 0) continue;
        context.port.record('FolioArchInvalidated', { folio: rec.origin, why, start: s, end: e });
        hugepages ??= new Map(context.hugepages);
        hugepages.set(b, { ...rec, prepared: clearPrepared(rec.prepared, s, e) });
      }
      return hugepages === null ? {} : { hugepages };
    })
  },
  guards: {
    /** This allocation takes the subpool's last free page. */
    takesLastPage: ({ context }) => context.subpool.free === 1,
    /** `folios` are exactly the materialised 4K folios of the split hugepage at `base`. */
    mergeable: ({ context, event }) => {
      assertEvent(event, 'gmem.merge');
      const rec = context.hugepages.get(event.base);
      if (rec?.state !== 'split') return false;
      const have = [...rec.materialized.values()].sort();
      return have.length === event.folios.length && [...event.folios].sort().every((f, i) => f === have[i]);
    }
  }
}).createMachine({
  id: 'gmemHugetlb',
  context: ({ input }) => ({
    port: input.port,
    pages: input.params.pages,
    order: input.params.folioOrder,
    nr: 2 ** input.params.folioOrder,
    subpool: input.subpool,
    globalFree: input.globalFree,
    nextPage: 1,
    hugepages: new Map(),
    filemap: input.filemap
  }),
  entry: 'announce',
  on: {
    'gmem.hugepages': { actions: 'answerHugepages' },
    'gmem.split.subs': { actions: 'answerSubs' },
    'gmem.split': { actions: 'split' },
    'gmem.merge': [{ guard: 'mergeable', actions: 'merge' }, { actions: 'refuseMerge' }],
    'gmem.zeroRange': { actions: 'zeroRange' },
    'hugetlb.splitNew': { actions: 'splitNew' },
    'hugetlb.materialize': { actions: 'materialize' },
    'hugetlb.truncate': { actions: 'truncate' },
    'hugetlb.archInvalidate': { actions: 'archInvalidate' }
  },
  initial: 'available',
  states: {
    available: {
      on: {
        'hugetlb.allocate': [{ guard: 'takesLastPage', target: 'exhausted', actions: 'allocate' }, { actions: 'allocate' }],
        'gmem.pool.free': { actions: 'free' }
      }
    },
    exhausted: {
      on: {
        // The page cache answers -ENOMEM without asking; an allocation here is a model error (allocate throws).
        'hugetlb.allocate': { actions: 'allocate' },
        'gmem.pool.free': { target: 'available', actions: 'free' }
      }
    }
  }
});
