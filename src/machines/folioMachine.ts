/**
 * A folio of the guest_memfd page cache (spec §1.3): order, refcount with the
 * reference model of §1.3.1, per-subpage mapcount and GUP pins, the folio lock,
 * uptodate (= zeroed) and contents.
 *
 * ```
 *             folio.get{lock} / grant          folio.unlock
 *   unlocked ─────────────────────────► locked ────────────────────────────► unlocked
 *      │                                                                         │
 *      └────────── refcount reaches 0 (after truncation) ──► freed ◄─────────────┘
 * ```
 *
 * Reference model: the page cache holds `nr_pages` refs until truncation; a
 * lookup (`folio.get`) adds 1; a host PTE holds the fault's ref; FOLL_GET adds 1;
 * FOLL_PIN adds GUP_PIN_COUNTING_BIAS (small folio) or 1 plus pincount (large).
 * KVM stage-2 mappings hold no reference. Every change is a `FolioRef` fact.
 *
 * Huge folios (mode rfc-1g-v2, O15): a folio of order 9 or 18 allocated from the
 * HugeTLB subpool carries its physical huge page (`hugePage`, HugeTLB status);
 * a 4K folio made by a split remembers the huge page it came from
 * (`hugeOrigin`). Per-subpage state (mapcount, pins, contents) is sparse: maps
 * keyed by subpage hold only touched subpages, so a 1G folio costs O(1).
 *
 * ```
 *   unlocked/locked ── folio.freeze (refcount == nr_pages, unmapped, unpinned, unlocked) ──► frozen
 *   frozen ── folio.unfreeze (rollback) ──► unlocked
 *   frozen: folio_try_get fails; after FolioSplit / FolioMerged the folio is gone for good
 *   freed (HugeTLB folio): free_folio returns the huge page to the subpool (gmem.pool.free)
 * ```
 *
 * Requests added for huge folios: `folio.freeze` (`folio_ref_freeze(folio,
 * nr_pages)` of `filemap_remove_folio_for_restructuring`; answers the
 * arch-prepared runs, which a split or merge carries to the new folios),
 * `folio.unfreeze`, `folio.zeroRange` (`folio_zero_range` of a partial-hugepage
 * PUNCH_HOLE), `folio.archInvalidate{start, end}` (a subpage range, INV-16).
 */
import { assign, setup } from 'xstate';
import type { Value } from '../events/logEntry.js';
import { type Delivered, replyTarget } from '../events/messages.js';
import { GUP_PIN_COUNTING_BIAS, hasVariant, type ModelEnv } from '../model/env.js';
import { RangeMap } from '../model/rangeMap.js';
import type { ActorPort } from '../events/actorPort.js';

/** Scheduling steps the kernel worker of variant B17 takes before it returns a freed huge page to the subpool. */
export const B17_WORKER_HOPS = 4;

/** Contents of a page that was never zeroed (what a reused page would leak). */
export const STALE = 0xdead;

/** One GUP reference held on a subpage. */
export interface PinRecord {
  readonly subpage: number;
  readonly kind: 'get' | 'pin';
  readonly longterm: boolean;
  readonly refs: number;
}

interface LockWaiter {
  readonly holder: string;
  readonly replyTo: string;
}

/** Initial state of a folio made by a split or a merge (O15), or of a HugeTLB folio. */
export interface FolioInit {
  /** The physical huge page this folio is (a HugeTLB folio of order > 0). */
  readonly hugePage?: string | null;
  /** For a 4K folio made by a split: the huge page it came from. */
  readonly hugeOrigin?: string | null;
  readonly uptodate?: boolean;
  /** Sparse contents, subpage -> value (absent = 0). */
  readonly contents?: ReadonlyMap<number, number>;
  /** Added to an LRU-add batch at allocation (`folio_add_lru`): one transient reference from birth. */
  readonly lruBatch?: boolean;
  /** Arch-prepared subpages carried over from a split or merge (the RMP state is per pfn); absent = none. */
  readonly prepared?: RangeMap<boolean> | null;
}

/** Context of a folio. */
export interface FolioContext {
  readonly port: ActorPort;
  readonly env: ModelEnv;
  readonly gmem: string;
  readonly base: number;
  readonly order: number;
  readonly refcount: number;
  readonly mapcount: ReadonlyMap<number, number>;
  readonly pins: ReadonlyMap<string, PinRecord>;
  readonly lockHolder: string | null;
  readonly lockWaiters: readonly LockWaiter[];
  readonly uptodate: boolean;
  readonly contents: ReadonlyMap<number, number>;
  /** Removed from the page cache (PUNCH_HOLE, eviction); the folio lives on while referenced. */
  readonly truncated: boolean;
  readonly freed: boolean;
  /** The huge page this folio is (HugeTLB status), or null. */
  readonly hugePage: string | null;
  /** The huge page a split 4K folio came from, or null. */
  readonly hugeOrigin: string | null;
  /** Refcount frozen for a split or merge: lookups fail. */
  readonly frozen: boolean;
  /**
   * Arch-prepared subpages (`kvm_arch_gmem_prepare`, e.g. SNP RMP private), per subpage over `[0, nr_pages)`;
   * null = none. A split or merge carries it to the new folios (INV-16).
   */
  readonly prepared: RangeMap<boolean> | null;
}

/** Input of a folio. */
export interface FolioInput {
  readonly port: ActorPort;
  readonly env: ModelEnv;
  readonly gmem: string;
  readonly base: number;
  readonly order: number;
  readonly init?: FolioInit | undefined;
}

type Patch = { -readonly [K in keyof FolioContext]?: FolioContext[K] };

function nrPages(ctx: FolioContext): number {
  return 2 ** ctx.order;
}

/**
 * Applies a refcount change, recording it; frees the folio at zero. A HugeTLB
 * folio's `free_folio` returns its huge page to the subpool: synchronously in
 * the context of the thread that dropped the last reference (`replyTo`: the
 * inode answers that thread once the page is back), or, with variant B17,
 * deferred to a worker (the inode learns it in a later step). Returns true if
 * the inode took over the reply to `replyTo`.
 */
function addRef(ctx: FolioContext, patch: Patch, delta: number, why: string, by?: string, replyTo?: string): boolean {
  const before = patch.refcount ?? ctx.refcount;
  const refcount = before + delta;
  if (refcount < 0) throw new Error(`${ctx.port.id}: refcount underflow (${before} ${delta}, ${why})`);
  patch.refcount = refcount;
  ctx.port.record('FolioRef', { folio: ctx.port.id, delta, refcount, why });
  if (refcount !== 0) return false;
  patch.freed = true;
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
  if (hasVariant(ctx.env, 'B17')) {
    // B17: free_folio queued to a kernel worker, which runs some steps later.
    ctx.port.send(ctx.port.id, { type: 'folio.deferredFree', hops: B17_WORKER_HOPS });
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

function answer(ctx: FolioContext, to: string, type: string, data: Record<string, Value> = {}): void {
  ctx.port.send(to, { type, folio: ctx.port.id, base: ctx.base, order: ctx.order, ...data });
}

/** Hands the lock to `w`, or (if the folio was truncated meanwhile) drops the waiter's ref and tells it to retry. */
function grantLock(ctx: FolioContext, patch: Patch, w: LockWaiter): boolean {
  if (ctx.truncated) {
    addRef(ctx, patch, -1, 'lookup-stale');
    answer(ctx, w.replyTo, 'folio.got', { ok: false, uptodate: false });
    return false;
  }
  patch.lockHolder = w.holder;
  ctx.port.record('FolioLocked', { folio: ctx.port.id, by: w.holder });
  answer(ctx, w.replyTo, 'folio.got', { ok: true, uptodate: patch.uptodate ?? ctx.uptodate });
  return true;
}

function unlockFolio(ctx: FolioContext, patch: Patch, by: string): void {
  if (ctx.lockHolder !== by) throw new Error(`${ctx.port.id}: ${by} unlocks a folio held by ${ctx.lockHolder ?? 'nobody'}`);
  patch.lockHolder = null;
  ctx.port.record('FolioUnlocked', { folio: ctx.port.id, by });
  let waiters = ctx.lockWaiters;
  while (waiters.length > 0) {
    const w = waiters[0] as LockWaiter;
    waiters = waiters.slice(1);
    if (grantLock({ ...ctx, ...patch }, patch, w)) break;
  }
  patch.lockWaiters = waiters;
}

function onRequest(ctx: FolioContext, m: Delivered): Patch {
  const id = ctx.port.id;
  const to = replyTarget(m);
  const patch: Patch = {};
  const subpage = (m['subpage'] as number | undefined) ?? 0;
  switch (m.type) {
    case 'folio.get': {
      // folio_try_get: fails once the folio is freed or while its refcount is frozen.
      if (ctx.freed || ctx.frozen) {
        answer(ctx, to, 'folio.got', { ok: false, uptodate: false });
        return patch;
      }
      const why = m['why'] as string;
      addRef(ctx, patch, 1, why);
      if (why === 'fault') {
        ctx.port.record('HostFaultGotFolio', { thread: m.from, gmem: ctx.gmem, index: m['index'] as number, folio: id });
      }
      const waiter = { holder: m.from, replyTo: to };
      if (m['lock'] !== true) {
        if (ctx.truncated) {
          addRef(ctx, patch, -1, 'lookup-stale');
          answer(ctx, to, 'folio.got', { ok: false, uptodate: false });
        } else answer(ctx, to, 'folio.got', { ok: true, uptodate: ctx.uptodate });
      } else if (ctx.lockHolder === null) grantLock(ctx, patch, waiter);
      else patch.lockWaiters = [...ctx.lockWaiters, waiter];
      return patch;
    }
    case 'folio.prepare': {
      // kvm_gmem_prepare_folio -> kvm_arch_gmem_prepare of the whole folio (a huge folio is prepared whole, its
      // index aligned down to the folio order); the arch skips pages already private (idempotent).
      const n = nrPages(ctx);
      if (ctx.prepared === null || !ctx.prepared.uniform(0, n, true)) {
        patch.prepared = RangeMap.filled(n, true);
        ctx.port.record('FolioPrepared', { folio: id });
      }
      answer(ctx, to, 'ack');
      return patch;
    }
    case 'folio.archInvalidate': {
      // kvm_arch_gmem_invalidate on a private->shared conversion (S-INPLACE-v8; rfc-1g-v2: the subpages
      // `[start, end)` being converted, kvm_gmem_shareability_apply); a no-op on pages not prepared.
      const n = nrPages(ctx);
      const from = (m['start'] as number | undefined) ?? 0;
      const until = (m['end'] as number | undefined) ?? n;
      if (ctx.prepared !== null && ctx.prepared.find(from, until, true) >= 0) {
        const left = ctx.prepared.store(from, until, false);
        patch.prepared = left.find(0, n, true) >= 0 ? left : null;
        const part = from !== 0 || until !== n;
        ctx.port.record('FolioArchInvalidated', { folio: id, why: m['why'] as string, ...(part ? { start: from, end: until } : {}) });
      }
      answer(ctx, to, 'ack');
      return patch;
    }
    case 'folio.zero':
      patch.uptodate = true;
      patch.contents = new Map();
      ctx.port.record('FolioZeroed', { folio: id });
      answer(ctx, to, 'ack');
      return patch;
    case 'folio.unlock':
      unlockFolio(ctx, patch, m.from);
      answer(ctx, to, 'ack');
      return patch;
    case 'folio.put':
      if (!addRef(ctx, patch, -1, m['why'] as string, m.from, to)) answer(ctx, to, 'ack');
      return patch;
    case 'folio.freeze': {
      // folio_ref_freeze(folio, nr_pages): only the page cache's references may be left.
      const ok =
        !ctx.freed &&
        !ctx.frozen &&
        !ctx.truncated &&
        ctx.lockHolder === null &&
        ctx.refcount === nrPages(ctx) &&
        ctx.mapcount.size === 0 &&
        ctx.pins.size === 0;
      if (ok) {
        patch.frozen = true;
        ctx.port.record('FolioFrozen', { folio: id, refcount: ctx.refcount });
      }
      const subpages = [...ctx.contents.keys()].sort((a, b) => a - b);
      // The arch-prepared runs travel with the pages into the split or merged folios.
      const prepared = ok && ctx.prepared !== null ? ctx.prepared.slice(0, nrPages(ctx)).filter((r) => r.value) : [];
      answer(ctx, to, 'folio.frozen', {
        ...(prepared.length > 0 ? { preparedStarts: prepared.map((r) => r.start), preparedEnds: prepared.map((r) => r.end) } : {}),
        ok,
        refcount: ctx.refcount,
        uptodate: ctx.uptodate,
        hugePage: ctx.hugePage,
        hugeOrigin: ctx.hugeOrigin,
        ...(ok ? { subpages, values: subpages.map((k) => ctx.contents.get(k) ?? 0) } : { subpages: [], values: [] })
      });
      return patch;
    }
    case 'folio.unfreeze':
      if (!ctx.frozen) throw new Error(`${id}: unfreeze of a folio that is not frozen`);
      patch.frozen = false;
      ctx.port.record('FolioUnfrozen', { folio: id });
      answer(ctx, to, 'ack');
      return patch;
    case 'folio.zeroRange': {
      // folio_zero_range of the part of a hugepage a PUNCH_HOLE covers (absent = 0).
      const from = m['start'] as number;
      const until = m['end'] as number;
      let contents: Map<number, number> | null = null;
      for (const k of ctx.contents.keys()) {
        if (k < from || k >= until) continue;
        contents ??= new Map(ctx.contents);
        contents.delete(k);
      }
      if (contents !== null) patch.contents = contents;
      ctx.port.record('FolioRangeZeroed', { folio: id, start: from, end: until });
      answer(ctx, to, 'ack');
      return patch;
    }
    case 'folio.map': {
      // The address space installed a PTE (finish_fault): the fault's reference
      // now belongs to the PTE. One-way: sent by the mm on the same channel as
      // later unmaps, so the folio sees them in order.
      const mc = new Map(ctx.mapcount);
      mc.set(subpage, (mc.get(subpage) ?? 0) + 1);
      patch.mapcount = mc;
      return patch;
    }
    case 'folio.unmap': {
      const mc = new Map(ctx.mapcount);
      const n = (mc.get(subpage) ?? 0) - 1;
      if (n < 0) throw new Error(`${id}: mapcount underflow on subpage ${subpage}`);
      if (n === 0) mc.delete(subpage);
      else mc.set(subpage, n);
      patch.mapcount = mc;
      addRef(ctx, patch, -1, 'pte', m.from);
      answer(ctx, to, 'ack', { zap: (m['zap'] as number | undefined) ?? null });
      return patch;
    }
    case 'folio.pin': {
      if (ctx.freed || ctx.frozen) {
        answer(ctx, to, 'folio.pinned', { ok: false });
        return patch;
      }
      const kind = m['kind'] as 'get' | 'pin';
      const longterm = m['longterm'] === true;
      const refs = kind === 'get' ? 1 : ctx.order === 0 ? GUP_PIN_COUNTING_BIAS : 1;
      const pin = m['pin'] as string;
      addRef(ctx, patch, refs, kind === 'get' ? 'gup-get' : 'gup-pin');
      const pins = new Map(ctx.pins);
      pins.set(pin, { subpage, kind, longterm, refs });
      patch.pins = pins;
      ctx.port.record('GupPinned', { pin, folio: id, subpage, gmem: ctx.gmem, index: ctx.base + subpage, kind, longterm });
      answer(ctx, to, 'folio.pinned', { ok: true });
      return patch;
    }
    case 'folio.unpin': {
      const pin = m['pin'] as string;
      const rec = ctx.pins.get(pin);
      if (rec === undefined) throw new Error(`${id}: unpin of unknown pin ${pin}`);
      const pins = new Map(ctx.pins);
      pins.delete(pin);
      patch.pins = pins;
      ctx.port.record('GupUnpinned', { pin, folio: id });
      if (!addRef(ctx, patch, -rec.refs, rec.kind === 'get' ? 'gup-get' : 'gup-pin', m.from, to)) answer(ctx, to, 'ack');
      return patch;
    }
    case 'folio.checkSafe': {
      // kvm_gmem_is_safe_for_conversion: the checker's own lookup holds one ref.
      const refcount = ctx.refcount + 1;
      const expected = nrPages(ctx) + 1;
      let ok = refcount === expected;
      if (m['check'] === 'mapcount-pincount') {
        // B11: !folio_mapped() && !folio_maybe_dma_pinned() - blind to FOLL_GET.
        const mapped = [...ctx.mapcount.values()].some((c) => c > 0);
        const pinned = [...ctx.pins.values()].some((p) => p.kind === 'pin');
        ok = !mapped && !pinned;
      }
      ctx.port.record('RefcountChecked', { folio: id, refcount, expected, ok });
      answer(ctx, to, 'folio.safe', { ok });
      return patch;
    }
    case 'folio.access': {
      const write = m['write'] === true;
      const current = ctx.uptodate ? (ctx.contents.get(subpage) ?? 0) : STALE;
      if (write) {
        const value = m['value'] as number;
        const contents = new Map(ctx.contents);
        contents.set(subpage, value);
        patch.contents = contents;
        ctx.port.record('FolioWritten', { folio: id, subpage, value, by: m.from });
        answer(ctx, to, 'folio.accessed', { value });
      } else {
        ctx.port.record('FolioRead', { folio: id, subpage, value: current, by: m.from });
        answer(ctx, to, 'folio.accessed', { value: current });
      }
      return patch;
    }
    case 'folio.truncate': {
      if (ctx.lockHolder !== m.from) throw new Error(`${id}: truncated by ${m.from} without the folio lock`);
      patch.truncated = true;
      ctx.port.record('FolioTruncated', { folio: id, gmem: ctx.gmem, base: ctx.base });
      addRef(ctx, patch, -nrPages(ctx), 'filemap');
      answer(ctx, to, 'ack');
      return patch;
    }
    case 'folio.deferredFree': {
      // Variant B17: the worker that merges and frees the huge page runs one step at a time.
      const hops = m['hops'] as number;
      if (hops > 1) ctx.port.send(id, { type: 'folio.deferredFree', hops: hops - 1 });
      else ctx.port.send(ctx.gmem, { type: 'gmem.pool.free', page: ctx.hugePage, folio: id, notify: false });
      return patch;
    }
    default:
      throw new Error(`${id}: unexpected message ${m.type} from ${m.from}`);
  }
}

/** The folio machine. */
export const folioMachine = setup({
  types: { context: {} as FolioContext, events: {} as Delivered, input: {} as FolioInput },
  actions: {
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
    serve: assign(({ context, event }) => onRequest(context, event))
  },
  guards: {
    isLocked: ({ context }) => context.lockHolder !== null,
    isUnlocked: ({ context }) => context.lockHolder === null,
    isFreed: ({ context }) => context.freed,
    isFrozen: ({ context }) => context.frozen,
    isThawed: ({ context }) => !context.frozen
  }
}).createMachine({
  id: 'folio',
  context: ({ input }) => ({
    port: input.port,
    env: input.env,
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
    truncated: false,
    freed: false,
    hugePage: input.init?.hugePage ?? null,
    hugeOrigin: input.init?.hugeOrigin ?? null,
    frozen: false,
    prepared: input.init?.prepared ?? null
  }),
  entry: 'announce',
  initial: 'unlocked',
  states: {
    unlocked: {
      on: { '*': { actions: 'serve' } },
      always: [
        { guard: 'isFreed', target: 'freed' },
        { guard: 'isFrozen', target: 'frozen' },
        { guard: 'isLocked', target: 'locked' }
      ]
    },
    // Refcount frozen for a split or merge (O15): lookups fail until unfrozen (rollback); a split or merged folio stays here.
    frozen: {
      on: { '*': { actions: 'serve' } },
      always: [{ guard: 'isThawed', target: 'unlocked' }]
    },
    locked: {
      on: { '*': { actions: 'serve' } },
      always: [
        { guard: 'isFreed', target: 'freed' },
        { guard: 'isUnlocked', target: 'unlocked' }
      ]
    },
    // Not final: a stale lookup may still reach a freed folio, and folio_try_get must fail.
    freed: { on: { '*': { actions: 'serve' } } }
  }
});
