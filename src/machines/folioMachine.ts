/**
 * A folio of the guest_memfd page cache (`struct folio`, spec §1.3): order,
 * refcount with the reference model of §1.3.1, per-subpage mapcount and GUP
 * pins, the folio lock (`PG_locked`, FIFO waiters), uptodate (= zeroed),
 * contents and the arch-prepared subpages.
 *
 * ```
 *   cached.unlocked ── folio.get{lock} ──► cached.locked ── folio.unlock, no waiter ──► cached.unlocked
 *   cached.locked ── folio.unlock, waiters ──► cached.locked (the first waiter holds it)
 *   cached.unlocked ── folio.freeze (only the cache's refs) ──► frozen ── folio.unfreeze ──► cached.unlocked
 *   cached.locked ── folio.truncate (by the holder) ──► truncated.locked ── folio.unlock ──► truncated.unlocked
 *   cached.* / truncated.* ── the last reference dropped (folio.put, folio.unpin, folio.unmap,
 *                             folio.truncate, a failing lock waiter's stale-lookup put) ──► freed
 * ```
 *
 * States (kernel conditions):
 * - `cached`: in the page cache (`folio->mapping` set); the cache holds
 *   `nr_pages` references (`filemap_add_folio`). `unlocked` / `locked`:
 *   `PG_locked` clear / set (`folio_lock`, `folio_unlock`; the holder and the
 *   FIFO waiters are in context).
 * - `frozen`: `folio_ref_freeze(folio, nr_pages)` succeeded
 *   (`filemap_remove_folio_for_restructuring`, O15): `folio_try_get` fails. A
 *   rolled-back split or merge unfreezes it (`folio_ref_unfreeze`); after a split
 *   or merge (the inode records `FolioSplit` / `FolioMerged`) its pages belong to
 *   the new folios and it stays frozen for good.
 * - `truncated`: removed from the page cache by truncation
 *   (`truncate_inode_folio` -> `filemap_remove_folio`: PUNCH_HOLE, eviction),
 *   still referenced; lookups that reach it are stale and fail. Truncation
 *   happens under the folio lock: `locked` until the truncater unlocks, then
 *   `unlocked`; lock waiters queued before the truncation fail when it unlocks.
 * - `freed`: the refcount reached 0 (`folio_put` -> `free_folio`). Not final: a
 *   stale lookup or GUP still reaches it and must fail (`folio_try_get` on a
 *   zero refcount). A HugeTLB folio's `free_folio` returns its huge page to the
 *   subpool (`gmem.pool.free` to the inode), at once or through a kernel worker
 *   ({@link FolioOptions}).
 *
 * "Allocated / prepared / mapped" are not states of their own: allocation is
 * the entry into `cached` (fact `FolioAllocated`); `prepared` (arch-prepared
 * subpages, e.g. SNP RMP private), `mapped` (per-subpage mapcount), pins and
 * `uptodate` are per-subpage counters or flags orthogonal to the lifecycle above
 * (a folio is mapped or prepared in `cached` and `truncated` alike), so as states
 * they would multiply every state by each of them (parallel regions are ruled
 * out); they stay in context. Every reference change is a `FolioRef` fact.
 *
 * Reference model: the page cache holds `nr_pages` refs until truncation; a
 * lookup (`folio.get`) adds 1; a host PTE holds the fault's ref; FOLL_GET adds 1;
 * FOLL_PIN adds GUP_PIN_COUNTING_BIAS (small folio) or 1 plus pincount (large).
 * KVM stage-2 mappings hold no reference. An LRU-add batch holds one transient
 * reference from allocation until drained (`FolioInit.lruBatch`).
 *
 * Huge folios (mode rfc-1g-v2, O15): a folio of order 9 or 18 allocated from the
 * HugeTLB subpool carries its physical huge page (`hugePage`, HugeTLB status);
 * a 4K folio made by a split remembers the huge page it came from
 * (`hugeOrigin`). Per-subpage state (mapcount, pins, contents) is sparse: maps
 * keyed by subpage hold only touched subpages, so a 1G folio costs O(1).
 *
 * Protocol: `src/events/protocol/folio.ts`. Kernel: `mm/filemap.c`,
 * `mm/truncate.c`, `include/linux/mm.h`, `include/linux/page_ref.h`, `mm/gup.c`,
 * `mm/hugetlb.c`, `virt/kvm/guest_memfd.c`.
 */
import { assertEvent, assign, setup } from 'xstate';
import type { ActorPort } from '../events/actorPort.js';
import { type Delivered, replyTarget } from '../events/messages.js';
import { type FolioGot, type FolioIdentity, type FolioInbox, type FolioRequests, respond } from '../events/protocol/index.js';
import type { FolioInit } from '../model/actors.js';
import { GUP_PIN_COUNTING_BIAS } from '../model/env.js';
import { RangeMap } from '../model/rangeMap.js';
import { typeHint } from '../model/typeHint.js';

/** Scheduling steps the kernel worker of `freeHugetlbFolio: 'deferred-worker'` takes before it returns a freed huge page to the subpool. */
export const FREE_WORKER_HOPS = 4;

/** Contents of a page that was never zeroed (what a reused page would leak). */
export const STALE = 0xdead;

/**
 * Kernel behaviours a folio owner can be built with (the mode table's
 * `owners.folio`, patched by a variant: `src/modes/`, `src/variants/`).
 */
export type FolioOptions = {
  /**
   * Where a HugeTLB folio's `free_folio` returns the huge page to the subpool:
   * - `'sync'`: in the context of the thread that dropped the last reference,
   *   before its `folio_put` returns (the inode answers that thread once the page
   *   is back; S-1G-v2 after the B17 fix);
   * - `'deferred-worker'`: queued to a kernel worker that runs
   *   {@link FREE_WORKER_HOPS} scheduling steps later (variant B17: PUNCH_HOLE
   *   returns before the subpool has the page back).
   */
  readonly freeHugetlbFolio: 'sync' | 'deferred-worker';
};

/** One GUP reference held on a subpage. */
export type PinRecord = {
  readonly subpage: number;
  readonly kind: 'get' | 'pin';
  readonly longterm: boolean;
  readonly refs: number;
};

/** A thread waiting for the folio lock (`folio_lock` -> `folio_wait_bit`): who, and where the `folio.got` goes. */
type LockWaiter = { readonly holder: string; readonly replyTo: string };

/** Context of a folio. */
export interface FolioContext {
  readonly port: ActorPort;
  readonly options: FolioOptions;
  readonly gmem: string;
  readonly base: number;
  readonly order: number;
  /** `folio_ref_count`. */
  readonly refcount: number;
  /** Subpage -> host PTEs mapping it (`folio_mapcount` per page); only mapped subpages. */
  readonly mapcount: ReadonlyMap<number, number>;
  /** GUP references by pin name. */
  readonly pins: ReadonlyMap<string, PinRecord>;
  /** The thread holding `PG_locked` (null in `*.unlocked`; may stay set in `freed` if freed under the lock). */
  readonly lockHolder: string | null;
  /** Threads waiting for the lock, FIFO. */
  readonly lockWaiters: readonly LockWaiter[];
  /** `PG_uptodate` (the model's zeroing). */
  readonly uptodate: boolean;
  /** Sparse contents, subpage -> value (absent = 0). */
  readonly contents: ReadonlyMap<number, number>;
  /** The huge page this folio is (HugeTLB status), or null. */
  readonly hugePage: string | null;
  /** The huge page a split 4K folio came from, or null. */
  readonly hugeOrigin: string | null;
  /**
   * Arch-prepared subpages (`kvm_arch_gmem_prepare`, e.g. SNP RMP private), per subpage over `[0, nr_pages)`;
   * null = none. A split or merge carries it to the new folios (INV-16).
   */
  readonly prepared: RangeMap<boolean> | null;
}

/** Input of a folio (`port.spawn('folio', id, ...)` plus the run's options). */
export interface FolioInput {
  readonly port: ActorPort;
  readonly options: FolioOptions;
  readonly gmem: string;
  readonly base: number;
  readonly order: number;
  readonly init?: FolioInit | undefined;
}

type Patch = { -readonly [K in keyof FolioContext]?: FolioContext[K] };

type FolioEvent = Delivered<FolioInbox>;

/** A request the folio answers with its plain `ack`. */
type AckedRequest = Delivered<
  FolioRequests['folio.prepare' | 'folio.archInvalidate' | 'folio.zero' | 'folio.zeroRange' | 'folio.unlock' | 'folio.unfreeze' | 'folio.truncate']['req']
>;

function nrPages(ctx: FolioContext): number {
  return 2 ** ctx.order;
}

/** The identity every folio reply carries. */
function identity(ctx: FolioContext): FolioIdentity {
  return { folio: ctx.port.id, base: ctx.base, order: ctx.order };
}

/** A `folio.got` reply. */
function got(ctx: FolioContext, ok: boolean, uptodate: boolean): FolioGot {
  return { type: 'folio.got', ...identity(ctx), ok, uptodate };
}

/**
 * `free_folio`: the refcount reached 0. Returns the arch-prepared pages to the
 * host (`kvm_arch_gmem_invalidate` over the whole folio), and a HugeTLB folio's
 * huge page to the subpool: synchronously (`replyTo`: the inode answers that
 * thread once the page is back) or through a kernel worker. Returns true if the
 * inode took over the reply to `replyTo`.
 */
function freeFolio(ctx: FolioContext, patch: Patch, by?: string, replyTo?: string): boolean {
  if ((patch.prepared === undefined ? ctx.prepared : patch.prepared) !== null) {
    // free_folio -> kvm_arch_gmem_invalidate over the whole folio: back to host-owned before the allocator gets it.
    patch.prepared = null;
    ctx.port.record('FolioArchInvalidated', { folio: ctx.port.id, why: 'free' });
  }
  if (ctx.hugePage === null) {
    ctx.port.record('FolioFreed', { folio: ctx.port.id });
    return false;
  }
  ctx.port.record('FolioFreed', { folio: ctx.port.id, by: by ?? ctx.port.id });
  if (ctx.options.freeHugetlbFolio === 'deferred-worker') {
    // free_folio queued to a kernel worker, which runs some steps later.
    ctx.port.send(ctx.port.id, { type: 'folio.deferredFree', hops: FREE_WORKER_HOPS });
    return false;
  }
  const sync = replyTo !== undefined;
  ctx.port.send(ctx.gmem, {
    type: 'gmem.pool.free',
    page: ctx.hugePage,
    folio: ctx.port.id,
    notify: sync,
    ...(sync ? { replyTo } : {})
  });
  return sync;
}

/**
 * Applies a refcount change (fact `FolioRef`); at zero runs `free_folio`
 * ({@link freeFolio}; the transition that took the change went to `freed`).
 * Returns true if the inode took over the reply to `replyTo`.
 */
function addRef(ctx: FolioContext, patch: Patch, delta: number, why: string, by?: string, replyTo?: string): boolean {
  const before = patch.refcount ?? ctx.refcount;
  const refcount = before + delta;
  if (refcount < 0) throw new Error(`${ctx.port.id}: refcount underflow (${before} ${delta}, ${why})`);
  patch.refcount = refcount;
  ctx.port.record('FolioRef', { folio: ctx.port.id, delta, refcount, why });
  return refcount === 0 ? freeFolio(ctx, patch, by, replyTo) : false;
}

/** Answers a request the folio acknowledges with its identity. */
function ack(ctx: FolioContext, event: AckedRequest): void {
  respond(ctx.port, event, { type: 'ack', ...identity(ctx) });
}

/** The GUP reference `pin` of an unpin, or undefined. */
function pinOf(ctx: FolioContext, event: FolioEvent): PinRecord | undefined {
  assertEvent(event, 'folio.unpin');
  return ctx.pins.get(event.pin);
}

/** Answers `folio.freeze`; `ok`: the freeze succeeded (only the page cache's references were left). */
function answerFreeze(ctx: FolioContext, event: FolioEvent, ok: boolean): void {
  assertEvent(event, 'folio.freeze');
  const subpages = [...ctx.contents.keys()].sort((a, b) => a - b);
  // The arch-prepared runs travel with the pages into the split or merged folios.
  const prepared = ok && ctx.prepared !== null ? ctx.prepared.slice(0, nrPages(ctx)).filter((r) => r.value) : [];
  respond(ctx.port, event, {
    type: 'folio.frozen',
    ...identity(ctx),
    ...(prepared.length > 0 ? { preparedStarts: prepared.map((r) => r.start), preparedEnds: prepared.map((r) => r.end) } : {}),
    ok,
    refcount: ctx.refcount,
    uptodate: ctx.uptodate,
    hugePage: ctx.hugePage,
    hugeOrigin: ctx.hugeOrigin,
    ...(ok ? { subpages, values: subpages.map((k) => ctx.contents.get(k) ?? 0) } : { subpages: [], values: [] })
  });
}

/** The folio machine. */
export const folioMachine = setup({
  types: { context: typeHint<FolioContext>(), events: typeHint<FolioEvent>(), input: typeHint<FolioInput>() },
  actions: {
    /** `filemap_alloc_folio` + `filemap_add_folio` (+ `folio_add_lru`): facts `FolioAllocated` and the initial `FolioRef`s. */
    announce: ({ context }) => {
      const { port } = context;
      const huge = {
        ...(context.hugePage === null ? {} : { hugePage: context.hugePage }),
        ...(context.hugeOrigin === null ? {} : { hugeOrigin: context.hugeOrigin })
      };
      port.record('FolioAllocated', { folio: port.id, gmem: context.gmem, base: context.base, order: context.order, ...huge });
      const lru = context.refcount - 2 ** context.order;
      port.record('FolioRef', { folio: port.id, delta: 2 ** context.order, refcount: 2 ** context.order, why: 'filemap' });
      if (lru > 0) port.record('FolioRef', { folio: port.id, delta: lru, refcount: context.refcount, why: 'lru-batch' });
    },
    /** `folio_try_get` succeeding: +1 (fact `HostFaultGotFolio` for a host fault's lookup). */
    takeLookupRef: assign(({ context, event }) => {
      assertEvent(event, 'folio.get');
      const patch: Patch = {};
      addRef(context, patch, 1, event.why);
      if (event.why === 'fault') {
        context.port.record('HostFaultGotFolio', { thread: event.from, gmem: context.gmem, index: event.index, folio: context.port.id });
      }
      return patch;
    }),
    /** A lookup without the lock succeeds: `folio.got{ok}`. */
    answerGot: ({ context, event }) => {
      assertEvent(event, 'folio.get');
      respond(context.port, event, got(context, true, context.uptodate));
    },
    /** `folio_lock` of an unlocked folio: the caller holds `PG_locked` (fact `FolioLocked`). */
    grantLock: assign(({ context, event }) => {
      assertEvent(event, 'folio.get');
      context.port.record('FolioLocked', { folio: context.port.id, by: event.from });
      respond(context.port, event, got(context, true, context.uptodate));
      return { lockHolder: event.from };
    }),
    /** `folio_lock` of a locked folio: the caller waits, FIFO (it holds its lookup reference meanwhile). */
    queueWaiter: assign(({ context, event }) => {
      assertEvent(event, 'folio.get');
      return { lockWaiters: [...context.lockWaiters, { holder: event.from, replyTo: replyTarget(event) }] };
    }),
    /**
     * A lookup that reached a truncated folio is stale: the reference just taken
     * is dropped (`lookup-stale`; never the last: the folio had one) and the lookup fails.
     */
    dropStaleRef: assign(({ context, event }) => {
      assertEvent(event, 'folio.get');
      const patch: Patch = {};
      addRef(context, patch, -1, 'lookup-stale');
      respond(context.port, event, got(context, false, false));
      return patch;
    }),
    /** `folio_try_get` on a frozen or freed folio fails (no reference taken). */
    failLookup: ({ context, event }) => {
      assertEvent(event, 'folio.get');
      respond(context.port, event, got(context, false, false));
    },
    /** `folio_unlock` by the holder (fact `FolioUnlocked`); the holder is checked. */
    releaseLock: assign(({ context, event }) => {
      assertEvent(event, 'folio.unlock');
      if (context.lockHolder !== event.from) {
        throw new Error(`${context.port.id}: ${event.from} unlocks a folio held by ${context.lockHolder ?? 'nobody'}`);
      }
      context.port.record('FolioUnlocked', { folio: context.port.id, by: event.from });
      return { lockHolder: null };
    }),
    /** The lock goes to the first waiter (fact `FolioLocked`, its `folio.got{ok}`). */
    handOverLock: assign(({ context }) => {
      const [w, ...rest] = context.lockWaiters;
      if (w === undefined) throw new Error(`${context.port.id}: lock hand-over without a waiter`);
      context.port.record('FolioLocked', { folio: context.port.id, by: w.holder });
      context.port.send(w.replyTo, got(context, true, context.uptodate));
      return { lockHolder: w.holder, lockWaiters: rest };
    }),
    /** Every waiter of a truncated folio wakes to a stale folio: its reference is dropped, its lookup fails. */
    failWaiters: assign(({ context }) => {
      const patch: Patch = {};
      for (const w of context.lockWaiters) {
        addRef(context, patch, -1, 'lookup-stale');
        context.port.send(w.replyTo, got(context, false, false));
      }
      patch.lockWaiters = [];
      return patch;
    }),
    /** Acknowledges the request. */
    ack: ({ context, event }) => {
      assertEvent(event, ['folio.prepare', 'folio.archInvalidate', 'folio.zero', 'folio.zeroRange', 'folio.unlock', 'folio.unfreeze', 'folio.truncate']);
      ack(context, event);
    },
    /**
     * `kvm_gmem_prepare_folio` -> `kvm_arch_gmem_prepare` of the whole folio (a huge folio is prepared whole, its
     * index aligned down to the folio order); the arch skips pages already private (idempotent).
     */
    prepare: assign(({ context, event }) => {
      assertEvent(event, 'folio.prepare');
      const n = nrPages(context);
      const patch: Patch = {};
      if (context.prepared === null || !context.prepared.uniform(0, n, true)) {
        patch.prepared = RangeMap.filled(n, true);
        context.port.record('FolioPrepared', { folio: context.port.id });
      }
      ack(context, event);
      return patch;
    }),
    /**
     * `kvm_arch_gmem_invalidate` on a private->shared conversion (S-INPLACE-v8; rfc-1g-v2: the subpages
     * `[start, end)` being converted, `kvm_gmem_shareability_apply`); a no-op on pages not prepared.
     */
    archInvalidate: assign(({ context, event }) => {
      assertEvent(event, 'folio.archInvalidate');
      const n = nrPages(context);
      const from = event.start ?? 0;
      const until = event.end ?? n;
      const patch: Patch = {};
      if (context.prepared !== null && context.prepared.find(from, until, true) >= 0) {
        const left = context.prepared.store(from, until, false);
        patch.prepared = left.find(0, n, true) >= 0 ? left : null;
        const part = from !== 0 || until !== n;
        context.port.record('FolioArchInvalidated', { folio: context.port.id, why: event.why, ...(part ? { start: from, end: until } : {}) });
      }
      ack(context, event);
      return patch;
    }),
    /** `folio_zero_range` of the whole folio + `folio_mark_uptodate` (fact `FolioZeroed`). */
    zero: assign(({ context, event }) => {
      assertEvent(event, 'folio.zero');
      context.port.record('FolioZeroed', { folio: context.port.id });
      ack(context, event);
      return { uptodate: true, contents: new Map<number, number>() };
    }),
    /** `folio_zero_range` of the part of a hugepage a PUNCH_HOLE covers (fact `FolioRangeZeroed`). */
    zeroRange: assign(({ context, event }) => {
      assertEvent(event, 'folio.zeroRange');
      const from = event.start;
      const until = event.end;
      let contents: Map<number, number> | null = null;
      for (const k of context.contents.keys()) {
        if (k < from || k >= until) continue;
        contents ??= new Map(context.contents);
        contents.delete(k);
      }
      context.port.record('FolioRangeZeroed', { folio: context.port.id, start: from, end: until });
      ack(context, event);
      return contents === null ? {} : { contents };
    }),
    /** `folio_put` (the inode answers instead when a synchronous HugeTLB free took over the reply). */
    put: assign(({ context, event }) => {
      assertEvent(event, 'folio.put');
      const patch: Patch = {};
      if (!addRef(context, patch, -1, event.why, event.from, replyTarget(event))) respond(context.port, event, { type: 'ack', ...identity(context) });
      return patch;
    }),
    /**
     * `folio_ref_freeze(folio, nr_pages)` succeeding (fact `FolioFrozen`); the
     * reply hands over contents, uptodate, the HugeTLB page and the arch-prepared runs.
     */
    freeze: ({ context, event }) => {
      context.port.record('FolioFrozen', { folio: context.port.id, refcount: context.refcount });
      answerFreeze(context, event, true);
    },
    /** `folio_ref_freeze` failing: other references, a mapping, a pin or the lock, or not in the page cache. */
    refuseFreeze: ({ context, event }) => answerFreeze(context, event, false),
    /** `folio_ref_unfreeze`: a split or merge rolled back (fact `FolioUnfrozen`). */
    unfreeze: ({ context, event }) => {
      assertEvent(event, 'folio.unfreeze');
      context.port.record('FolioUnfrozen', { folio: context.port.id });
      ack(context, event);
    },
    /**
     * The address space installed a PTE (`finish_fault`): the fault's reference
     * now belongs to the PTE. One-way: sent by the mm on the same channel as
     * later unmaps, so the folio sees them in order.
     */
    map: assign(({ context, event }) => {
      assertEvent(event, 'folio.map');
      const mapcount = new Map(context.mapcount);
      mapcount.set(event.subpage, (mapcount.get(event.subpage) ?? 0) + 1);
      return { mapcount };
    }),
    /** A host PTE of the subpage was zapped (`zap_pte_range`): mapcount -1 and the PTE's reference dropped. */
    unmap: assign(({ context, event }) => {
      assertEvent(event, 'folio.unmap');
      const mapcount = new Map(context.mapcount);
      const n = (mapcount.get(event.subpage) ?? 0) - 1;
      if (n < 0) throw new Error(`${context.port.id}: mapcount underflow on subpage ${event.subpage}`);
      if (n === 0) mapcount.delete(event.subpage);
      else mapcount.set(event.subpage, n);
      const patch: Patch = { mapcount };
      addRef(context, patch, -1, 'pte', event.from);
      respond(context.port, event, { type: 'ack', ...identity(context), zap: event.zap });
      return patch;
    }),
    /** `try_grab_folio` succeeding: FOLL_GET +1, FOLL_PIN +GUP_PIN_COUNTING_BIAS (small) or +1 (large) (fact `GupPinned`). */
    pin: assign(({ context, event }) => {
      assertEvent(event, 'folio.pin');
      const { kind, subpage, pin } = event;
      const longterm = event.longterm;
      const refs = kind === 'get' ? 1 : context.order === 0 ? GUP_PIN_COUNTING_BIAS : 1;
      const patch: Patch = {};
      addRef(context, patch, refs, kind === 'get' ? 'gup-get' : 'gup-pin');
      const pins = new Map(context.pins);
      pins.set(pin, { subpage, kind, longterm, refs });
      patch.pins = pins;
      context.port.record('GupPinned', { pin, folio: context.port.id, subpage, gmem: context.gmem, index: context.base + subpage, kind, longterm });
      respond(context.port, event, { type: 'folio.pinned', ...identity(context), ok: true });
      return patch;
    }),
    /** `try_grab_folio` on a frozen or freed folio fails. */
    failPin: ({ context, event }) => {
      assertEvent(event, 'folio.pin');
      respond(context.port, event, { type: 'folio.pinned', ...identity(context), ok: false });
    },
    /** `unpin_user_page` / `put_page` of a GUP reference (fact `GupUnpinned`); the last one frees the folio. */
    unpin: assign(({ context, event }) => {
      assertEvent(event, 'folio.unpin');
      const rec = context.pins.get(event.pin);
      if (rec === undefined) throw new Error(`${context.port.id}: unpin of unknown pin ${event.pin}`);
      const pins = new Map(context.pins);
      pins.delete(event.pin);
      const patch: Patch = { pins };
      context.port.record('GupUnpinned', { pin: event.pin, folio: context.port.id });
      if (!addRef(context, patch, -rec.refs, rec.kind === 'get' ? 'gup-get' : 'gup-pin', event.from, replyTarget(event))) {
        respond(context.port, event, { type: 'ack', ...identity(context) });
      }
      return patch;
    }),
    /**
     * `kvm_gmem_is_safe_for_conversion`: refcount == nr_pages + the checker's own
     * lookup; B11's `!folio_mapped() && !folio_maybe_dma_pinned()` is blind to FOLL_GET (fact `RefcountChecked`).
     */
    checkSafe: ({ context, event }) => {
      assertEvent(event, 'folio.checkSafe');
      const refcount = context.refcount + 1;
      const expected = nrPages(context) + 1;
      let ok = refcount === expected;
      if (event.check === 'mapcount-pincount') {
        const mapped = [...context.mapcount.values()].some((c) => c > 0);
        const pinned = [...context.pins.values()].some((p) => p.kind === 'pin');
        ok = !mapped && !pinned;
      }
      context.port.record('RefcountChecked', { folio: context.port.id, refcount, expected, ok });
      respond(context.port, event, { type: 'folio.safe', ...identity(context), ok });
    },
    /** `folio.counts`: the counters a safety check of one's own reads (no fact; see the protocol). */
    readCounts: ({ context, event }) => {
      assertEvent(event, 'folio.counts');
      respond(context.port, event, {
        type: 'folio.counts',
        ...identity(context),
        refcount: context.refcount + 1,
        nrPages: nrPages(context),
        mapped: [...context.mapcount.values()].some((c) => c > 0),
        maybeDmaPinned: [...context.pins.values()].some((p) => p.kind === 'pin')
      });
    },
    /** A load or store through a present mapping (facts `FolioRead` / `FolioWritten`); a page never zeroed reads {@link STALE}. */
    access: assign(({ context, event }) => {
      assertEvent(event, 'folio.access');
      const { subpage, write } = event;
      const current = context.uptodate ? (context.contents.get(subpage) ?? 0) : STALE;
      if (write) {
        const value = event.value;
        const contents = new Map(context.contents);
        contents.set(subpage, value);
        context.port.record('FolioWritten', { folio: context.port.id, subpage, value, by: event.from });
        respond(context.port, event, { type: 'folio.accessed', ...identity(context), value });
        return { contents };
      }
      context.port.record('FolioRead', { folio: context.port.id, subpage, value: current, by: event.from });
      respond(context.port, event, { type: 'folio.accessed', ...identity(context), value: current });
      return {};
    }),
    /**
     * `truncate_inode_folio` under the folio lock (fact `FolioTruncated`): the
     * page cache drops its `nr_pages` references. The holder is checked.
     */
    truncate: assign(({ context, event }) => {
      assertEvent(event, 'folio.truncate');
      if (context.lockHolder !== event.from) throw new Error(`${context.port.id}: truncated by ${event.from} without the folio lock`);
      context.port.record('FolioTruncated', { folio: context.port.id, gmem: context.gmem, base: context.base });
      const patch: Patch = {};
      addRef(context, patch, -nrPages(context), 'filemap');
      ack(context, event);
      return patch;
    }),
    /** The kernel worker of a deferred HugeTLB free runs one step; the last returns the page to the subpool. */
    deferredFree: ({ context, event }) => {
      assertEvent(event, 'folio.deferredFree');
      if (event.hops > 1) context.port.send(context.port.id, { type: 'folio.deferredFree', hops: event.hops - 1 });
      else context.port.send(context.gmem, { type: 'gmem.pool.free', page: context.hugePage, folio: context.port.id, notify: false });
    }
  },
  guards: {
    /** The lookup also takes the folio lock. */
    asksLock: ({ event }) => {
      assertEvent(event, 'folio.get');
      return event.lock === true;
    },
    /** Threads wait for the lock. */
    hasWaiters: ({ context }) => context.lockWaiters.length > 0,
    /** Only the page cache's references are left, and no mapping or pin (`folio_ref_freeze(folio, nr_pages)` succeeds). */
    canFreeze: ({ context }) => context.refcount === nrPages(context) && context.mapcount.size === 0 && context.pins.size === 0,
    /** This `folio.put` drops the last reference. */
    putDropsLastRef: ({ context }) => context.refcount - 1 === 0,
    /** This `folio.unmap` drops the last reference (the PTE's). */
    unmapDropsLastRef: ({ context }) => context.refcount - 1 === 0,
    /** This `folio.unpin` drops the last reference (the pin's). */
    unpinDropsLastRef: ({ context, event }) => {
      const rec = pinOf(context, event);
      return rec !== undefined && context.refcount - rec.refs === 0;
    },
    /** Truncation drops the last references (the page cache's). */
    truncateDropsLastRef: ({ context }) => context.refcount - nrPages(context) === 0,
    /** The stale lookups of the waiters woken by this unlock drop the last references. */
    waitersDropLastRef: ({ context }) => context.lockWaiters.length > 0 && context.refcount - context.lockWaiters.length === 0
  }
}).createMachine({
  id: 'folio',
  context: ({ input }) => ({
    port: input.port,
    options: input.options,
    gmem: input.gmem,
    base: input.base,
    order: input.order,
    refcount: 2 ** input.order + (input.init?.lruBatch === true ? 1 : 0),
    mapcount: new Map(),
    pins: new Map(),
    lockHolder: null,
    lockWaiters: [],
    uptodate: input.init?.uptodate ?? false,
    contents: input.init?.contents ?? new Map(),
    hugePage: input.init?.hugePage ?? null,
    hugeOrigin: input.init?.hugeOrigin ?? null,
    prepared: input.init?.prepared ?? null
  }),
  entry: 'announce',
  initial: 'cached',
  states: {
    // In the page cache: it holds nr_pages references.
    cached: {
      initial: 'unlocked',
      on: {
        'folio.pin': { actions: 'pin' },
        'folio.unpin': [{ guard: 'unpinDropsLastRef', target: '#folio.freed', actions: 'unpin' }, { actions: 'unpin' }],
        'folio.put': [{ guard: 'putDropsLastRef', target: '#folio.freed', actions: 'put' }, { actions: 'put' }],
        'folio.map': { actions: 'map' },
        'folio.unmap': [{ guard: 'unmapDropsLastRef', target: '#folio.freed', actions: 'unmap' }, { actions: 'unmap' }],
        'folio.access': { actions: 'access' },
        'folio.checkSafe': { actions: 'checkSafe' },
        'folio.counts': { actions: 'readCounts' },
        'folio.archInvalidate': { actions: 'archInvalidate' }
      },
      states: {
        // PG_locked clear.
        unlocked: {
          on: {
            'folio.get': [{ guard: 'asksLock', target: 'locked', actions: ['takeLookupRef', 'grantLock'] }, { actions: ['takeLookupRef', 'answerGot'] }],
            'folio.freeze': [{ guard: 'canFreeze', target: '#folio.frozen', actions: 'freeze' }, { actions: 'refuseFreeze' }]
          }
        },
        // PG_locked set: lockHolder holds it, lockWaiters queue FIFO.
        locked: {
          on: {
            'folio.get': [{ guard: 'asksLock', actions: ['takeLookupRef', 'queueWaiter'] }, { actions: ['takeLookupRef', 'answerGot'] }],
            'folio.unlock': [
              { guard: 'hasWaiters', actions: ['releaseLock', 'handOverLock', 'ack'] },
              { target: 'unlocked', actions: ['releaseLock', 'ack'] }
            ],
            'folio.truncate': [
              { guard: 'truncateDropsLastRef', target: '#folio.freed', actions: 'truncate' },
              { target: '#folio.truncated.locked', actions: 'truncate' }
            ],
            // kvm_gmem_prepare_folio and the zeroing run under the folio lock.
            'folio.prepare': { actions: 'prepare' },
            'folio.zero': { actions: 'zero' },
            'folio.zeroRange': { actions: 'zeroRange' },
            'folio.freeze': { actions: 'refuseFreeze' }
          }
        }
      }
    },
    // folio_ref_freeze succeeded (split or merge, O15): lookups fail; after FolioSplit / FolioMerged for good.
    frozen: {
      on: {
        'folio.get': { actions: 'failLookup' },
        'folio.pin': { actions: 'failPin' },
        'folio.freeze': { actions: 'refuseFreeze' },
        'folio.unfreeze': { target: '#folio.cached.unlocked', actions: 'unfreeze' },
        // A stale SPTE (SPTEs hold no reference, and freezing does not look at them) still reaches the pages:
        // the access lands, and the checkers judge it (INV-9).
        'folio.access': { actions: 'access' }
      }
    },
    // Removed from the page cache by truncation, still referenced: lookups are stale.
    truncated: {
      initial: 'locked',
      on: {
        'folio.pin': { actions: 'pin' },
        'folio.unpin': [{ guard: 'unpinDropsLastRef', target: '#folio.freed', actions: 'unpin' }, { actions: 'unpin' }],
        'folio.put': [{ guard: 'putDropsLastRef', target: '#folio.freed', actions: 'put' }, { actions: 'put' }],
        'folio.map': { actions: 'map' },
        'folio.unmap': [{ guard: 'unmapDropsLastRef', target: '#folio.freed', actions: 'unmap' }, { actions: 'unmap' }],
        'folio.access': { actions: 'access' },
        'folio.checkSafe': { actions: 'checkSafe' },
        'folio.counts': { actions: 'readCounts' },
        'folio.archInvalidate': { actions: 'archInvalidate' },
        'folio.freeze': { actions: 'refuseFreeze' }
      },
      states: {
        // The truncater still holds PG_locked.
        locked: {
          on: {
            'folio.get': [{ guard: 'asksLock', actions: ['takeLookupRef', 'queueWaiter'] }, { actions: ['takeLookupRef', 'dropStaleRef'] }],
            'folio.unlock': [
              { guard: 'waitersDropLastRef', target: '#folio.freed', actions: ['releaseLock', 'failWaiters', 'ack'] },
              { target: 'unlocked', actions: ['releaseLock', 'failWaiters', 'ack'] }
            ]
          }
        },
        // PG_locked clear: a lookup (locking or not) is stale at once.
        unlocked: { on: { 'folio.get': { actions: ['takeLookupRef', 'dropStaleRef'] } } }
      }
    },
    // Refcount 0, free_folio ran. Not final: a stale lookup or GUP still reaches it and must fail.
    freed: {
      on: {
        'folio.get': { actions: 'failLookup' },
        'folio.pin': { actions: 'failPin' },
        'folio.deferredFree': { actions: 'deferredFree' },
        // Use after free through a stale SPTE (a bug such as B15): the access lands on the freed page, INV-9 reports it.
        'folio.access': { actions: 'access' }
      }
    }
  }
});
