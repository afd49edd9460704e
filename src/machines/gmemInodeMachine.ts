/**
 * The guest_memfd inode (`struct gmem_inode`, spec §1.1, §1.2): size and flags,
 * the per-index attribute range map (RFC in-place), the page cache (index ->
 * folio), the memslot bindings and the `invalidate_lock` (rw-semaphore).
 *
 * ```
 *                 lock.acquire R            lock.acquire W
 *   unlocked ─────────────────────► shared    unlocked ─────────► exclusive
 *      ▲   (states follow the lock; every request below is served in any state)
 *      └──────────── last release ─────────────────────────────────┘
 * ```
 *
 * Requests: `gmem.attr.read`, `gmem.attr.range`, `gmem.attr.store`,
 * `gmem.filemap.get` (allocates and spawns a folio actor), `gmem.filemap.list`,
 * `gmem.filemap.remove`, `gmem.bindings`. The inode never checks who holds the
 * lock: lock discipline is an invariant (INV-4) checked on the log.
 *
 * Huge folios (mode rfc-1g-v2 with 2M/1G folios; O3, O15, INV-11): the inode
 * owns the HugeTLB subpool (reserved at creation: `size / hugepage` pages of the
 * global pool, or creation fails with `-ENOMEM` and every request is answered
 * `gmem.error` with `-EBADF`), the `attrs` map is the shareability tree (`true` =
 * SHAREABILITY_GUEST, `false` = SHAREABILITY_ALL), and a split hugepage is a
 * {@link SplitRecord}: its 4K folios exist logically from the split on, but an
 * actor is spawned for a subpage only when a lookup first touches it
 * (materialisation), so a split 1G page costs O(touched subpages).
 *
 * ```
 *   hugepage:  none ── filemap.get{create} ──► huge ── gmem.split ──► split ── gmem.merge ──► huge
 *               ▲      (subpool take; split at once if any index is shared)                    │
 *               └──────────── truncate + last put: gmem.pool.free (subpool give) ◄──────────────┘
 * ```
 *
 * Requests added: `gmem.attr.runs`, `gmem.hugepages`, `gmem.split.subs`,
 * `gmem.split`, `gmem.merge`, `gmem.zeroRange`, `gmem.pool.free`,
 * `gmem.archInvalidate` (INV-16: the arch-prepared state of the 4K folios not
 * yet materialised lives in the SplitRecord; split and merge carry it).
 *
 * Bindings and file lifetime (O2, O5; §1.2 `gmem_file`): the `bindings` (index
 * range -> memslot) start from the run's set-up memslots and change with
 * `gmem.bind` (-> `gmem.bound{rc}`) and `gmem.unbind{slot}`; `gmem.bindings`
 * answers the GFN ranges (and slots) overlapping an index range. The file has a
 * refcount: `gmem.fput` dropping it to 0 makes the file dying and queues
 * `kvm_gmem_release` to a kernel worker (a separate actor: fput-to-zero and
 * `GmemReleased` are separate steps); `gmem.file.active` is `get_file_active`;
 * `gmem.released` ends the file. `gmem.stat` is fstat.
 *
 * ```
 *   file: open ── gmem.fput (refs 0) ──► dying ── gmem.released (worker) ──► released
 * ```
 */
import { assign, setup } from 'xstate';
import { type Delivered, replyTarget } from '../events/messages.js';
import type { Value } from '../events/logEntry.js';
import type { ModelEnv } from '../model/env.js';
import { hugeCeil, hugeFloor, hugePages, reserveSubpool, type Subpool, subpoolGive, subpoolTake, usesHugetlb } from '../model/hugetlb.js';
import { RangeMap } from '../model/rangeMap.js';
import { type Faultability, faultableRuns, initialFaultability, isFaultable, storeFaultable } from '../model/faultability.js';
import { FREE_LOCK, type RwLock } from '../model/rwLock.js';
import type { ActorPort } from '../events/actorPort.js';
import { handleLockMessage } from './lockOwner.js';
import { memslotsOf } from '../model/vm.js';

/** A memslot binding of the file (`gmem_file.bindings`): indices `[pgoff, pgoff + npages)` -> the slot. */
export interface GmemBinding {
  readonly slot: number;
  /** Unique id of the memslot object (kvmVmMachine.ts). */
  readonly uid: string;
  readonly baseGfn: number;
  readonly pgoff: number;
  readonly npages: number;
}

/** The set-up bindings of guest_memfd `gmem`: every set-up memslot bound to it (uids as the VM numbers them). */
export function initialBindings(env: ModelEnv, gmem: string): GmemBinding[] {
  return memslotsOf(env).flatMap((c, i) =>
    c.gmem === gmem ? [{ slot: c.id, uid: `s${c.asId}.${c.id}#${i + 1}`, baseGfn: c.baseGfn, pgoff: c.pgoff, npages: c.npages }] : []
  );
}

/** A page-cache entry: the folio covering `[base, base + 2^order)`. */
export interface CacheEntry {
  readonly folio: string;
  readonly base: number;
  readonly order: number;
}

/** A split hugepage (O15): its 4K folios, materialised lazily. */
export interface SplitRecord {
  /** The physical huge page (the hugeOrigin of every sub-folio). */
  readonly page: string;
  /** The huge folio that was split. */
  readonly origin: string;
  readonly order: number;
  /** Uptodate of the sub-folios not yet materialised (inherited from the huge folio). */
  readonly uptodate: boolean;
  /** Sparse contents of the sub-folios not yet materialised: subpage -> value. */
  readonly contents: ReadonlyMap<number, number>;
  /** Materialised sub-folios: subpage -> folio id. */
  readonly materialized: ReadonlyMap<number, string>;
  /** Arch-prepared subpages among those not yet materialised (INV-16); null = none. */
  readonly prepared: RangeMap<boolean> | null;
}

/** Context of the inode machine. */
export interface GmemContext {
  readonly port: ActorPort;
  readonly env: ModelEnv;
  /** `true` = private, per index (rfc-1g-v2: SHAREABILITY_GUEST). */
  readonly attrs: RangeMap<boolean>;
  readonly invalidate: RwLock;
  /** Page cache, keyed by each folio's base index. */
  readonly cache: ReadonlyMap<number, CacheEntry>;
  readonly nextFolio: number;
  /** Split hugepages, keyed by hugepage base index. */
  readonly splits: ReadonlyMap<number, SplitRecord>;
  /** HugeTLB subpool (null without a HugeTLB allocator). */
  readonly subpool: Subpool | null;
  /** Free pages of the global pool left after the reservation. */
  readonly globalFree: number;
  readonly nextPage: number;
  /** Errno of a failed creation (the file does not exist), or null. */
  readonly failed: '-ENOMEM' | '-EINVAL' | null;
  /** Memslot bindings of the file. */
  readonly bindings: readonly GmemBinding[];
  /** File references (the VMM's fd). */
  readonly fileRefs: number;
  /** File lifetime: `dying` between the last fput and `kvm_gmem_release`. */
  readonly file: 'open' | 'dying' | 'released';
  /** RFC 1G-v1 faultability xarray (`kvm_gmem_inode_private.faultability`); null in the other modes. */
  readonly faultability: Faultability | null;
}

/** Input of the inode machine. */
export interface GmemInput {
  readonly port: ActorPort;
  readonly env: ModelEnv;
}

/** Finds the folio covering `index`, trying each order the cache may hold. */
export function lookup(cache: ReadonlyMap<number, CacheEntry>, index: number): CacheEntry | undefined {
  for (const order of [0, 9, 18]) {
    const base = index - (index % 2 ** order);
    const e = cache.get(base);
    if (e !== undefined && e.order === order) return e;
  }
  return undefined;
}

function reply(ctx: GmemContext, m: Delivered, type: string, data: Record<string, Value>): void {
  ctx.port.send(replyTarget(m), { type, ...data });
}

type Patch = { -readonly [K in keyof GmemContext]?: GmemContext[K] };

function poolData(ctx: GmemContext, pool: Subpool): { gmem: string; inUse: number; free: number; reserved: number } {
  return { gmem: ctx.port.id, inUse: pool.inUse, free: pool.free, reserved: pool.reserved };
}

/** The page-cache entries overlapping indices `[start, end)`, by base. */
function cachedIn(ctx: GmemContext, start: number, end: number): CacheEntry[] {
  return [...ctx.cache.values()].filter((e) => e.base < end && e.base + 2 ** e.order > start).sort((a, b) => a.base - b.base);
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
    map = map.store(s, ends[i] as number, true);
  });
  return map;
}

/** Spawns the 4K folio of a split hugepage at `index` (its first touch). */
function materialize(ctx: GmemContext, patch: Patch, base: number, index: number): CacheEntry {
  const rec = (patch.splits ?? ctx.splits).get(base);
  if (rec === undefined) throw new Error(`${ctx.port.id}: no split hugepage at ${base}`);
  const sub = index - base;
  const nextFolio = patch.nextFolio ?? ctx.nextFolio;
  const folio = `${ctx.port.id}/f${nextFolio}`;
  const value = rec.contents.get(sub);
  const contents = new Map(rec.contents);
  contents.delete(sub);
  const materialized = new Map(rec.materialized);
  materialized.set(sub, folio);
  // The sub-folio takes over the arch-prepared state of its page.
  const wasPrepared = rec.prepared?.get(sub) === true;
  const prepared = wasPrepared ? clearPrepared(rec.prepared, sub, sub + 1) : rec.prepared;
  const splits = new Map(patch.splits ?? ctx.splits);
  splits.set(base, { ...rec, contents, materialized, prepared });
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
  const cache = new Map(patch.cache ?? ctx.cache);
  cache.set(index, entry);
  Object.assign(patch, { splits, cache, nextFolio: nextFolio + 1 });
  return entry;
}

/** `kvm_gmem_get_folio` with a HugeTLB allocator (O3 RFC 1G-v2): lookup, materialise or allocate a hugepage. */
function hugeFilemapGet(ctx: GmemContext, m: Delivered, index: number): Patch {
  const patch: Patch = {};
  const answer = (e: CacheEntry | undefined, err: string | null = null): Patch => {
    reply(ctx, m, 'gmem.folio', { folio: e?.folio ?? null, base: e?.base ?? index, order: e?.order ?? 0, ...(err === null ? {} : { err }) });
    return patch;
  };
  const found = lookup(ctx.cache, index);
  if (found !== undefined) return answer(found);
  const nr = hugePages(ctx.env);
  const hb = hugeFloor(index, nr);
  if (ctx.splits.has(hb)) return answer(materialize(ctx, patch, hb, index));
  if (m['create'] !== true) return answer(undefined);
  const pool = ctx.subpool === null ? null : subpoolTake(ctx.subpool);
  if (pool === null) return answer(undefined, '-ENOMEM');
  const id = ctx.port.id;
  const page = `${id}/hp${ctx.nextPage}`;
  const folio = `${id}/f${ctx.nextFolio}`;
  const order = ctx.env.folioOrder;
  ctx.port.record('HugePageAllocated', { ...poolData(ctx, pool), page, folio });
  Object.assign(patch, { subpool: pool, nextPage: ctx.nextPage + 1, nextFolio: ctx.nextFolio + 1 });
  // B12: the huge folio is never split; core-mm tracks its pins per folio, not per subpage.
  // rfc-1g-v1: "shared" = faultable (v1 splits before any host mapping).
  const anyShared = ctx.faultability !== null ? faultableRuns(ctx.faultability, hb, hb + nr).faultable.includes(true) : ctx.attrs.find(hb, hb + nr, false) >= 0;
  if (anyShared && ctx.env.variant !== 'B12') {
    // kvm_gmem_try_split_folio_in_filemap right after allocation: the new folio holds only the
    // page cache's references, so the split happens in the same step (no actor for the huge folio).
    ctx.port.record('FolioAllocated', { folio, gmem: id, base: hb, order, hugePage: page });
    ctx.port.record('FolioRef', { folio, delta: nr, refcount: nr, why: 'filemap' });
    ctx.port.record('FolioSplit', { folio, gmem: id, base: hb, order, hugePage: page, reason: 'alloc' });
    const splits = new Map(ctx.splits);
    splits.set(hb, { page, origin: folio, order, uptodate: false, contents: new Map(), materialized: new Map(), prepared: null });
    patch.splits = splits;
    return answer(materialize(ctx, patch, hb, index));
  }
  ctx.port.spawn('folio', folio, { gmem: id, base: hb, order, init: { hugePage: page } });
  const entry: CacheEntry = { folio, base: hb, order };
  const cache = new Map(ctx.cache);
  cache.set(hb, entry);
  patch.cache = cache;
  return answer(entry);
}

/** Requests of the huge-folio protocol (O7b, O15, O4 RFC 1G-v2); null if `m` is not one. */
function onHugeRequest(ctx: GmemContext, m: Delivered): Patch | null {
  const id = ctx.port.id;
  const nr = hugePages(ctx.env);
  switch (m.type) {
    case 'gmem.attr.runs': {
      const runs = ctx.attrs.slice(m['start'] as number, m['end'] as number);
      reply(ctx, m, 'gmem.attr.runs', { starts: runs.map((r) => r.start), ends: runs.map((r) => r.end), privs: runs.map((r) => r.value) });
      return {};
    }
    case 'gmem.hugepages': {
      // The hugepages overlapping [start, end) and what backs each one.
      const bases: number[] = [];
      const kinds: string[] = [];
      const folios: string[] = [];
      const first = hugeFloor(m['start'] as number, nr);
      const last = Math.min(hugeCeil(m['end'] as number, nr), ctx.env.pages);
      for (let b = first; b < last; b += nr) {
        const e = ctx.cache.get(b);
        const kind = ctx.splits.has(b) ? 'split' : e !== undefined && e.order > 0 ? 'huge' : 'none';
        bases.push(b);
        kinds.push(kind);
        folios.push(kind === 'huge' ? (e as CacheEntry).folio : '');
      }
      reply(ctx, m, 'gmem.hugepages', { bases, kinds, folios });
      return {};
    }
    case 'gmem.split.subs': {
      const rec = ctx.splits.get(m['base'] as number);
      const subs = rec === undefined ? [] : [...rec.materialized.entries()].sort((a, b) => a[0] - b[0]);
      reply(ctx, m, 'gmem.split.subs', { folios: subs.map((s) => s[1]), indices: subs.map((s) => (m['base'] as number) + s[0]) });
      return {};
    }
    case 'gmem.split': {
      // kvm_gmem_split_folio_in_filemap: the caller froze the folio; remove it, record the 4K folios.
      const folio = m['folio'] as string;
      const base = m['base'] as number;
      const e = ctx.cache.get(base);
      if (e === undefined || e.folio !== folio || e.order === 0) throw new Error(`${id}: split of ${folio}, not the huge folio at ${base}`);
      const subpages = m['subpages'] as readonly number[];
      const values = m['values'] as readonly number[];
      const contents = new Map<number, number>();
      subpages.forEach((k, i) => {
        const v = values[i] ?? 0;
        if (v !== 0) contents.set(k, v);
      });
      const page = m['hugePage'] as string;
      ctx.port.record('FolioSplit', { folio, gmem: id, base, order: e.order, hugePage: page, reason: m['reason'] as string });
      const cache = new Map(ctx.cache);
      cache.delete(base);
      const splits = new Map(ctx.splits);
      // Each 4K page keeps its arch-prepared state (RMP is per pfn).
      const prepared = preparedOf(2 ** e.order, m['preparedStarts'] as number[] | undefined, m['preparedEnds'] as number[] | undefined);
      splits.set(base, { page, origin: folio, order: e.order, uptodate: m['uptodate'] === true, contents, materialized: new Map(), prepared });
      reply(ctx, m, 'ack', {});
      return { cache, splits };
    }
    case 'gmem.merge': {
      // kvm_gmem_merge_folio_in_filemap: the caller froze every materialised sub-folio.
      const base = m['base'] as number;
      const rec = ctx.splits.get(base);
      const subs = m['folios'] as readonly string[];
      const have = rec === undefined ? [] : [...rec.materialized.values()].sort();
      if (rec === undefined || have.length !== subs.length || [...subs].sort().some((f, i) => f !== have[i])) {
        reply(ctx, m, 'gmem.merged', { ok: false, folio: null });
        return {};
      }
      const ups = m['uptodates'] as readonly boolean[];
      const vals = m['values'] as readonly number[];
      // The merged folio is uptodate if any part was: parts never zeroed were never exposed and are
      // zeroed now (their stale contents dropped), so contents written through 4K folios survive.
      const untouched = rec.materialized.size < 2 ** rec.order;
      const uptodate = (untouched && rec.uptodate) || ups.some((u) => u);
      const contents = new Map(untouched && !rec.uptodate ? [] : rec.contents);
      const cache = new Map(ctx.cache);
      const indexOf = new Map([...rec.materialized.entries()].map(([k, f]) => [f, k]));
      subs.forEach((f, i) => {
        const k = indexOf.get(f) as number;
        const v = vals[i] ?? 0;
        if (v !== 0 && ups[i] === true) contents.set(k, v);
        cache.delete(base + k);
      });
      // The merged folio is arch-prepared exactly where its pages were (materialised sub-folios and the rest).
      const preps = (m['prepareds'] as readonly boolean[] | undefined) ?? [];
      let prepared = rec.prepared;
      subs.forEach((f, i) => {
        if (preps[i] !== true) return;
        const k = indexOf.get(f) as number;
        prepared = (prepared ?? RangeMap.filled(2 ** rec.order, false)).store(k, k + 1, true);
      });
      const folio = `${id}/f${ctx.nextFolio}`;
      ctx.port.record('FolioMerged', { folio, gmem: id, base, order: rec.order, hugePage: rec.page, from: [...subs], reason: m['reason'] as string });
      ctx.port.spawn('folio', folio, { gmem: id, base, order: rec.order, init: { hugePage: rec.page, uptodate, contents, prepared } });
      cache.set(base, { folio, base, order: rec.order });
      const splits = new Map(ctx.splits);
      splits.delete(base);
      reply(ctx, m, 'gmem.merged', { ok: true, folio });
      return { cache, splits, nextFolio: ctx.nextFolio + 1 };
    }
    case 'gmem.zeroRange': {
      // PUNCH_HOLE of part of a split hugepage: zero the sub-folios that were never materialised.
      const start = m['start'] as number;
      const end = m['end'] as number;
      let splits: Map<number, SplitRecord> | null = null;
      for (const [b, rec] of ctx.splits) {
        if (b >= end || b + 2 ** rec.order <= start) continue;
        const contents = new Map(rec.contents);
        for (const k of rec.contents.keys()) if (b + k >= start && b + k < end) contents.delete(k);
        splits ??= new Map(ctx.splits);
        splits.set(b, { ...rec, contents });
      }
      ctx.port.record('SplitRangeZeroed', { gmem: id, start, end });
      reply(ctx, m, 'ack', {});
      return splits === null ? {} : { splits };
    }
    case 'gmem.archInvalidate': {
      // kvm_gmem_shareability_apply to SHAREABILITY_ALL (INV-16): arch-invalidate [start, end) of the 4K folios of
      // split hugepages not yet materialised (recorded against the huge folio they came from), and answer the folios
      // of the page cache overlapping the range with the subpage range of each, for the caller to invalidate.
      const start = m['start'] as number;
      const end = m['end'] as number;
      const why = m['why'] as string;
      let splits: Map<number, SplitRecord> | null = null;
      for (const [b, rec] of ctx.splits) {
        const s = Math.max(start, b) - b;
        const e = Math.min(end, b + 2 ** rec.order) - b;
        if (s >= e || rec.prepared === null || rec.prepared.find(s, e, true) < 0) continue;
        ctx.port.record('FolioArchInvalidated', { folio: rec.origin, why, start: s, end: e });
        splits ??= new Map(ctx.splits);
        splits.set(b, { ...rec, prepared: clearPrepared(rec.prepared, s, e) });
      }
      const hit = cachedIn(ctx, start, end);
      reply(ctx, m, 'gmem.folios', {
        folios: hit.map((e) => e.folio),
        starts: hit.map((e) => Math.max(start, e.base) - e.base),
        ends: hit.map((e) => Math.min(end, e.base + 2 ** e.order) - e.base)
      });
      return splits === null ? {} : { splits };
    }
    case 'gmem.pool.free': {
      // free_folio -> allocator free_folio: HugeTLB status back, page back to the subpool.
      if (ctx.subpool === null) throw new Error(`${id}: pool free without a HugeTLB allocator`);
      const subpool = subpoolGive(ctx.subpool);
      ctx.port.record('FolioFreedToPool', { ...poolData(ctx, subpool), page: m['page'] as string, folio: m['folio'] as string });
      if (m['notify'] === true) reply(ctx, m, 'ack', {});
      return { subpool };
    }
    default:
      return null;
  }
}

/**
 * Requests on the RFC 1G-v1 faultability xarray (spec §1.1, O6 RFC 1G-v1
 * addition, O8): `gmem.faultable.read{index}` -> `gmem.faultable{faultable,
 * private}` (fact `FaultabilityRead`; `private` = not faultable, for the host
 * fault), `gmem.faultable.store{start, end, faultable, how}` -> `ack` (fact
 * `FaultabilityStored` with the resulting runs of every index the store
 * touched, which a clobbering range store makes wider than the request),
 * `gmem.faultable.runs{start, end}`. Null if `m` is not one of them.
 */
function onFaultabilityRequest(ctx: GmemContext, m: Delivered): Patch | null {
  if (!m.type.startsWith('gmem.faultable.')) return null;
  const x = ctx.faultability;
  const id = ctx.port.id;
  if (x === null) throw new Error(`${id}: ${m.type} outside mode rfc-1g-v1`);
  const start = m['start'] as number;
  const end = m['end'] as number;
  switch (m.type) {
    case 'gmem.faultable.read': {
      const index = m['index'] as number;
      const faultable = isFaultable(x, index);
      ctx.port.record('FaultabilityRead', { gmem: id, index, faultable, by: m.from });
      reply(ctx, m, 'gmem.faultable', { index, faultable, private: !faultable });
      return {};
    }
    case 'gmem.faultable.store': {
      const faultable = m['faultable'] as boolean;
      const r = storeFaultable(x, start, end, faultable, m['how'] === 'range' ? 'range' : 'index');
      const runs = faultableRuns(r.next, r.start, r.end);
      ctx.port.record('FaultabilityStored', {
        gmem: id,
        start,
        end,
        faultable,
        by: m.from,
        runStarts: runs.starts,
        runEnds: runs.ends,
        runFaultable: runs.faultable
      });
      reply(ctx, m, 'ack', {});
      return { faultability: r.next };
    }
    case 'gmem.faultable.runs': {
      const runs = faultableRuns(x, start, end);
      reply(ctx, m, 'gmem.faultable.runs', { starts: runs.starts, ends: runs.ends, faultable: runs.faultable });
      return {};
    }
    default:
      throw new Error(`${id}: unexpected message ${m.type} from ${m.from}`);
  }
}

function onRequest(ctx: GmemContext, m: Delivered): Partial<GmemContext> {
  const id = ctx.port.id;
  if (ctx.failed !== null && m.type !== 'lock.acquire' && m.type !== 'lock.release') {
    // KVM_CREATE_GUEST_MEMFD failed (GmemCreateFailed): there is no file descriptor to operate on.
    reply(ctx, m, 'gmem.error', { rc: '-EBADF' });
    return {};
  }
  const huge = onHugeRequest(ctx, m);
  if (huge !== null) return huge;
  const fault = onFaultabilityRequest(ctx, m);
  if (fault !== null) return fault;
  const index = m['index'] as number;
  const start = m['start'] as number;
  const end = m['end'] as number;
  switch (m.type) {
    case 'lock.acquire':
    case 'lock.release':
      return { invalidate: handleLockMessage(ctx.port, 'invalidate', ctx.invalidate, m) };
    case 'gmem.attr.read': {
      const priv = ctx.attrs.get(index);
      ctx.port.record('AttrRead', { gmem: id, index, private: priv, by: m.from });
      reply(ctx, m, 'gmem.attr', { index, private: priv });
      return {};
    }
    case 'gmem.attr.range': {
      const priv = m['private'] as boolean;
      const uniform = ctx.attrs.uniform(start, end, priv);
      if (uniform && m['quiet'] !== true) ctx.port.record('AttrCheckNoop', { gmem: id, start, end, private: priv });
      reply(ctx, m, 'gmem.attr.range', { uniform });
      return {};
    }
    case 'gmem.attr.store': {
      const priv = m['private'] as boolean;
      ctx.port.record('AttrStored', { gmem: id, start, end, private: priv, by: m.from });
      reply(ctx, m, 'ack', {});
      return { attrs: ctx.attrs.store(start, end, priv) };
    }
    case 'gmem.filemap.get': {
      if (usesHugetlb(ctx.env)) return hugeFilemapGet(ctx, m, index);
      const found = lookup(ctx.cache, index);
      if (found !== undefined || m['create'] !== true) {
        reply(ctx, m, 'gmem.folio', { folio: found?.folio ?? null, base: found?.base ?? index, order: found?.order ?? 0 });
        return {};
      }
      const order = ctx.env.folioOrder;
      const base = index - (index % 2 ** order);
      const folio = `${id}/f${ctx.nextFolio}`;
      // filemap_add_folio -> folio_add_lru: parked in an LRU-add batch with a reference
      // (modelled where conversions check refcounts).
      const lruBatch = ctx.env.mode === 'rfc-inplace-v8';
      ctx.port.spawn('folio', folio, { gmem: id, base, order, ...(lruBatch ? { init: { lruBatch } } : {}) });
      if (lruBatch) ctx.port.send('lru', { type: 'lru.add', folio });
      reply(ctx, m, 'gmem.folio', { folio, base, order });
      // fd-2022: a page is private exactly when it is allocated in the backing store.
      if (ctx.env.mode === 'fd-2022') ctx.port.record('AttrStored', { gmem: id, start: base, end: base + 2 ** order, private: true, by: m.from });
      const cache = new Map(ctx.cache);
      cache.set(base, { folio, base, order });
      return { cache, nextFolio: ctx.nextFolio + 1, ...(ctx.env.mode === 'fd-2022' ? { attrs: ctx.attrs.store(base, base + 2 ** order, true) } : {}) };
    }
    case 'gmem.lru.drain':
      // lru_add_drain_all() for this file's folios: forwarded on the inode's channel to
      // the LRU batches, behind every lru.add the inode sent, so none is missed.
      ctx.port.send('lru', { type: 'lru.drain', replyTo: replyTarget(m) });
      return {};
    case 'gmem.filemap.list': {
      const folios = cachedIn(ctx, start, end).map((e) => e.folio);
      reply(ctx, m, 'gmem.folios', { folios });
      return {};
    }
    case 'gmem.filemap.remove': {
      const folio = m['folio'] as string;
      const cache = new Map(ctx.cache);
      let attrs = ctx.attrs;
      for (const [base, e] of cache) {
        if (e.folio !== folio) continue;
        cache.delete(base);
        if (ctx.env.mode !== 'fd-2022') continue;
        // fd-2022: removed from the backing store = no longer private.
        ctx.port.record('AttrStored', { gmem: id, start: base, end: base + 2 ** e.order, private: false, by: m.from });
        attrs = attrs.store(base, base + 2 ** e.order, false);
      }
      reply(ctx, m, 'ack', {});
      return { cache, attrs };
    }
    case 'gmem.bindings': {
      const gfnStarts: number[] = [];
      const gfnEnds: number[] = [];
      const slots: string[] = [];
      for (const b of ctx.bindings) {
        const s = Math.max(start, b.pgoff);
        const e = Math.min(end, b.pgoff + b.npages);
        if (s < e) {
          gfnStarts.push(b.baseGfn + (s - b.pgoff));
          gfnEnds.push(b.baseGfn + (e - b.pgoff));
          slots.push(b.uid);
        }
      }
      reply(ctx, m, 'gmem.bindings', { gfnStarts, gfnEnds, slots });
      return {};
    }
    case 'gmem.bind': {
      // kvm_gmem_bind (O2): offset + size within i_size and not already bound, else -EINVAL.
      const pgoff = m['pgoff'] as number;
      const npages = m['npages'] as number;
      const overlap = ctx.bindings.some((b) => b.pgoff < pgoff + npages && b.pgoff + b.npages > pgoff);
      if (ctx.file !== 'open') {
        reply(ctx, m, 'gmem.bound', { rc: '-EBADF' });
        return {};
      }
      if (pgoff + npages > ctx.env.pages || overlap) {
        reply(ctx, m, 'gmem.bound', { rc: '-EINVAL' });
        return {};
      }
      const b: GmemBinding = { slot: m['id'] as number, uid: m['slot'] as string, baseGfn: m['baseGfn'] as number, pgoff, npages };
      ctx.port.record('GmemBound', { gmem: id, slot: b.slot, pgoff, npages, baseGfn: b.baseGfn, uid: b.uid });
      reply(ctx, m, 'gmem.bound', { rc: '0' });
      return { bindings: [...ctx.bindings, b] };
    }
    case 'gmem.unbind': {
      const uid = m['slot'] as string;
      const gone = ctx.bindings.filter((b) => b.uid === uid);
      for (const b of gone) ctx.port.record('GmemUnbound', { gmem: id, slot: b.slot, uid, pgoff: b.pgoff, npages: b.npages });
      reply(ctx, m, 'ack', { unbound: gone.length });
      return { bindings: ctx.bindings.filter((b) => b.uid !== uid) };
    }
    case 'gmem.stat':
      reply(ctx, m, 'gmem.stat', {
        size: ctx.env.pages * 4096,
        blksize: 4096,
        ino: Number(/\d+$/.exec(id)?.[0] ?? 0) + 1,
        mmap: ctx.env.gmemMmap === true,
        initShared: ctx.env.initShared,
        file: ctx.file
      });
      return {};
    case 'gmem.file.active':
      reply(ctx, m, 'gmem.file.active', { ok: ctx.file === 'open' });
      return {};
    case 'gmem.fput': {
      const fileRefs = ctx.fileRefs - 1;
      ctx.port.record('GmemFilePut', { gmem: id, refs: fileRefs });
      reply(ctx, m, 'ack', {});
      if (fileRefs > 0) return { fileRefs };
      // __fput is deferred (task work / delayed_fput): kvm_gmem_release runs later on a kernel worker.
      const worker = `kworker-${id}`;
      ctx.port.spawn('kworker', worker, { program: [{ op: 'gmemRelease', gmem: id }] });
      ctx.port.send(worker, { type: 'thread.run' });
      return { fileRefs, file: 'dying' };
    }
    case 'gmem.released':
      ctx.port.record('GmemReleased', { gmem: id });
      reply(ctx, m, 'ack', {});
      return { file: 'released' };
    default:
      throw new Error(`${id}: unexpected message ${m.type} from ${m.from}`);
  }
}

/** The guest_memfd inode machine. */
export const gmemInodeMachine = setup({
  types: { context: {} as GmemContext, events: {} as Delivered, input: {} as GmemInput },
  actions: {
    announce: ({ context }) => {
      const { env, port } = context;
      if (context.failed !== null) {
        port.record('GmemCreateFailed', { gmem: port.id, rc: context.failed, pages: env.pages, folioOrder: env.folioOrder, globalFree: context.globalFree });
        return;
      }
      const flags = [env.gmemMmap === true ? 'MMAP' : '', env.initShared ? 'INIT_SHARED' : ''].filter((f) => f !== '').join('|');
      port.record('GmemCreated', { gmem: port.id, pages: env.pages, flags, folioOrder: env.folioOrder });
      for (const b of context.bindings)
        port.record('GmemBound', { gmem: port.id, slot: b.slot, pgoff: b.pgoff, npages: b.npages, baseGfn: b.baseGfn, uid: b.uid });
      if (context.faultability !== null) {
        // rfc-1g-v1: the VM attribute array is the attribute truth; guest_memfd has only the faultability xarray.
        const f = isFaultable(context.faultability, 0);
        port.record('FaultabilityStored', { gmem: port.id, start: 0, end: env.pages, faultable: f, runStarts: [0], runEnds: [env.pages], runFaultable: [f] });
      } else port.record('AttrStored', { gmem: port.id, start: 0, end: env.pages, private: env.mode === 'fd-2022' ? false : !env.initShared });
      if (context.subpool !== null) {
        port.record('SubpoolReserved', { gmem: port.id, order: env.folioOrder, reserved: context.subpool.reserved, globalFree: context.globalFree });
      }
    },
    serve: assign(({ context, event }) => onRequest(context, event))
  },
  guards: {
    isExclusive: ({ context }) => context.invalidate.writer !== null,
    isShared: ({ context }) => context.invalidate.readers.length > 0,
    isUnlocked: ({ context }) => context.invalidate.writer === null && context.invalidate.readers.length === 0
  }
}).createMachine({
  id: 'gmemInode',
  context: ({ input }) => {
    const { env } = input;
    const nr = hugePages(env);
    const r = usesHugetlb(env) ? reserveSubpool(env.pages, nr, env.hugePoolPages ?? Math.ceil(env.pages / nr)) : null;
    return {
      port: input.port,
      env,
      attrs: RangeMap.filled(env.pages, env.mode === 'fd-2022' ? false : !env.initShared),
      invalidate: FREE_LOCK,
      cache: new Map(),
      nextFolio: 1,
      splits: new Map(),
      subpool: r !== null && r.ok ? r.subpool : null,
      globalFree: r?.globalFree ?? 0,
      nextPage: 1,
      failed: r !== null && !r.ok ? r.rc : null,
      bindings: initialBindings(env, input.port.id),
      fileRefs: 1,
      file: 'open',
      faultability:
        env.mode === 'rfc-1g-v1'
          ? initialFaultability(env.pages, env.initShared, env.variant === 'B13-INV' ? 'present-unfaultable' : 'present-faultable')
          : null
    };
  },
  entry: 'announce',
  on: { '*': { actions: 'serve' } },
  initial: 'unlocked',
  states: {
    unlocked: {
      always: [
        { guard: 'isExclusive', target: 'exclusive' },
        { guard: 'isShared', target: 'shared' }
      ]
    },
    shared: {
      always: [
        { guard: 'isExclusive', target: 'exclusive' },
        { guard: 'isUnlocked', target: 'unlocked' }
      ]
    },
    exclusive: {
      always: [
        { guard: 'isShared', target: 'shared' },
        { guard: 'isUnlocked', target: 'unlocked' }
      ]
    }
  }
});
