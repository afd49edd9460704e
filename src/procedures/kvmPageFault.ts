/**
 * The KVM stage-2 page fault of a vCPU (spec O10, x86 TDP MMU,
 * `kvm_tdp_mmu_page_fault` / `kvm_mmu_faultin_pfn` / `kvm_mmu_faultin_pfn_gmem`),
 * RFC in-place form (mode rfc-inplace-v8): attributes live in the guest_memfd and
 * are read under `invalidate_lock` for read (§2 order 6, INV-4); shared accesses
 * are served from the same guest_memfd page (GMEM_ONLY slot).
 *
 * Every step is its own scheduling point (spec §7.2):
 *
 * (a) `fault->mmu_seq = mmu_invalidate_seq` (`mmu.seq`; `VcpuFaultStarted`);
 * (b) `fault->is_private != kvm_mem_is_private(gfn)`: the attribute read under
 *     `invalidate_lock(R)` (`AttrRead`); mismatch -> memory-fault exit;
 * (d) `KVM_MEMSLOT_INVALID` -> retry: not modelled (one binding, never deleted);
 * (e) lockless `mmu_invalidate_retry_gfn_unsafe` (`StaleCheck{locked:false}`);
 * (f) `kvm_gmem_get_pfn` under `invalidate_lock(R)`: the attribute again (it decides
 *     whether to prepare; a mismatch is `-EFAULT` -> memory-fault exit), folio
 *     lookup/allocation locked with a reference, zero if !uptodate, arch prepare
 *     for private (no fact), max level from the folio order (O11), unlock
 *     (`GmemPfnObtained`);
 * (g) `mmu_invalidate_retry_gfn_unsafe` again (stale: release the pfn, retry);
 *     `read_lock(mmu_lock)`; `is_page_fault_stale` = `mmu_invalidate_retry_gfn`
 *     (`StaleCheck{locked:true}`) -> retry; `kvm_tdp_mmu_map` (`SptInstalled`);
 *     `read_unlock`; `kvm_release_faultin_page` (`PfnRefReleased`).
 *
 * Level (O11, simplified): the largest of 4K/2M/1G such that the folio holds the
 * whole aligned hugepage, the hugepage lies inside the binding with GFN and index
 * equally aligned, and every index of it has the fault's attribute (a
 * `gmem.attr.range` read standing for lpage_info's MIXED flag). No vendor limit.
 *
 * The locked check is the path `is_page_fault_stale`: variant B15 replaces it
 * and trusts the unsafe checks, so a PUNCH_HOLE (or conversion) that completes
 * between (g) and `mmu_lock` leaves an SPTE to a truncated, soon freed folio
 * (INV-6, INV-9).
 */
import { rootFor } from '../model/mmuRoots.js';
import { ACTOR, type ModelEnv } from '../model/env.js';
import { getFolio, getFolioOrErr } from './filemap.js';
import type { KvmMemslot } from '../events/protocol/index.js';
import type { Proc, ProcContext } from './kernel.js';
import { EXIT_ERRNO, FAULT_RETRIES_MAX, levelPages, recordMemoryFaultExit } from './memoryFaultExit.js';
import { call, callGmem, lock, unlock } from './proc.js';
import type { Attempt, FaultOutcome, FaultRequest, HeldFolio } from './types.js';

/** Folio order a leaf at `level` needs. */
function levelOrder(level: number): number {
  return level === 3 ? 18 : level === 2 ? 9 : 0;
}

/** The GFN of guest_memfd index `index` through the binding, or null if no slot maps it (the in-place designs' one memslot). */
export function gfnOf(env: ModelEnv, index: number): number | null {
  const b = env.binding;
  if (b === null || index < b.pgoff || index >= b.pgoff + b.npages || index >= env.pages) return null;
  return b.baseGfn + (index - b.pgoff);
}

/** The pfn `kvm_gmem_get_pfn` returned, with its reference. */
interface GmemPfn {
  readonly folio: string;
  /** Subpage of the faulting index. */
  readonly subpage: number;
  readonly maxLevel: number;
  /** First index of the folio. */
  readonly base: number;
}

/** The vendor's `private_max_mapping_level` (1G), which the correct code caps by the folio order. */
export const VENDOR_PRIVATE_MAX_LEVEL = 3;

/**
 * `kvm_max_private_mapping_level` (in-place design, O11 simplified): the largest
 * of 4K/2M/1G such that the folio at `base` of `order` holds the whole aligned
 * hugepage, the hugepage lies inside the binding with GFN and index equally
 * aligned, and every index of it has the fault's attribute.
 */
export function* kvmMaxPrivateMappingLevel(req: FaultRequest, base: number, order: number, ctx: ProcContext): Proc<number> {
  const b = ctx.env.binding;
  if (b === null) return 1;
  for (const level of [3, 2]) {
    const pages = levelPages(level);
    if (order < levelOrder(level)) continue;
    const first = req.index - (req.index % pages);
    if (first < base || first + pages > base + 2 ** order) continue;
    if (first < b.pgoff || first + pages > b.pgoff + b.npages) continue;
    if ((b.baseGfn - b.pgoff) % pages !== 0) continue;
    const r = yield* callGmem(ACTOR.gmem, { type: 'gmem.attr.range', start: first, end: first + pages, private: req.private, quiet: true });
    if (r.uniform) return level;
  }
  return 1;
}

/** (f) `kvm_gmem_get_pfn`: returns the pfn with a reference held, or null for `-EFAULT`. */
function* gmemGetPfn(ctx: ProcContext, req: FaultRequest): Proc<GmemPfn | null> {
  yield* lock(ACTOR.gmem, 'invalidate', 'R');
  const attr = yield* callGmem(ACTOR.gmem, { type: 'gmem.attr.read', index: req.index });
  if (attr.private !== req.private) {
    yield* unlock(ACTOR.gmem, 'invalidate', 'R');
    return null;
  }
  const f = yield* getFolio(req.index, { create: true, lock: true, why: 'kvm-pfn' });
  if (f === null) throw new Error('kvm_gmem_get_folio with FGP_CREAT returned nothing');
  if (!f.uptodate) yield* call(f.folio, { type: 'folio.zero' });
  // Private: kvm_gmem_prepare_folio (arch prepare, e.g. SNP RMP private), only for private pages.
  if (req.private) yield* call(f.folio, { type: 'folio.prepare' });
  const maxLevel = yield* ctx.kernel.kvm_max_private_mapping_level(req, f.base, f.order, ctx);
  yield* call(f.folio, { type: 'folio.unlock' });
  yield* unlock(ACTOR.gmem, 'invalidate', 'R');
  const subpage = req.index - f.base;
  ctx.record('GmemPfnObtained', { vcpu: ctx.self, gfn: req.gfn, folio: f.folio, subpage, maxLevel });
  return { folio: f.folio, subpage, maxLevel, base: f.base };
}

/** `kvm_release_faultin_page`: drops the reference `kvm_gmem_get_pfn` took. */
function* releasePfn(ctx: ProcContext, pfn: GmemPfn): Proc<void> {
  yield* call(pfn.folio, { type: 'folio.put', why: 'kvm-pfn' });
  ctx.record('PfnRefReleased', { vcpu: ctx.self, folio: pfn.folio });
}

/** `is_page_fault_stale`: `mmu_invalidate_retry_gfn` under `mmu_lock` (a `StaleCheck{locked: true}`); true if the fault must retry. */
export function* isPageFaultStale(gfn: number, seq: number, _ctx: ProcContext): Proc<boolean> {
  return !(yield* call(ACTOR.mmu, { type: 'mmu.staleCheck', gfn, seq, locked: true })).ok;
}

/** The in-place design's KVM page fault (mode rfc-inplace-v8): runs until an SPTE maps `req`, a memory-fault exit, or the retry bound. */
export function* inPlacePageFault(req: FaultRequest, ctx: ProcContext): Proc<FaultOutcome> {
  const { gfn } = req;
  const root = rootFor(req.private);
  for (let attempt = 0; attempt < FAULT_RETRIES_MAX; attempt++) {
    // (a) mmu_seq snapshot.
    const seq = (yield* call(ACTOR.mmu, { type: 'mmu.seq' })).seq;
    ctx.record('VcpuFaultStarted', { vcpu: ctx.self, gfn, private: req.private, write: req.write, seq, attempt });
    // (b) attribute check against the current attribute (gmem, invalidate_lock R).
    yield* lock(ACTOR.gmem, 'invalidate', 'R');
    const attr = yield* callGmem(ACTOR.gmem, { type: 'gmem.attr.read', index: req.index });
    yield* unlock(ACTOR.gmem, 'invalidate', 'R');
    if (attr.private !== req.private) return recordMemoryFaultExit(ctx, gfn, req.private);
    // (e) lockless pre-check before touching guest_memfd.
    if (!(yield* call(ACTOR.mmu, { type: 'mmu.staleCheck', gfn, seq, locked: false })).ok) continue;
    // (f) kvm_gmem_get_pfn.
    const pfn = yield* gmemGetPfn(ctx, req);
    if (pfn === null) return recordMemoryFaultExit(ctx, gfn, req.private);
    // (g) unsafe re-check, then the locked check under mmu_lock(R).
    if (!(yield* call(ACTOR.mmu, { type: 'mmu.staleCheck', gfn, seq, locked: false })).ok) {
      yield* releasePfn(ctx, pfn);
      continue;
    }
    yield* lock(ACTOR.mmu, 'mmu', 'R');
    if (yield* ctx.kernel.is_page_fault_stale(gfn, seq, ctx)) {
      yield* unlock(ACTOR.mmu, 'mmu', 'R');
      yield* releasePfn(ctx, pfn);
      continue;
    }
    const pages = levelPages(pfn.maxLevel);
    const first = req.index - (req.index % pages);
    const inst = yield* call(ACTOR.mmu, {
      type: 'mmu.install',
      root,
      gfn,
      level: pfn.maxLevel,
      private: req.private,
      pfn: pfn.folio,
      subpage: first - pfn.base
    });
    yield* unlock(ACTOR.mmu, 'mmu', 'R');
    yield* releasePfn(ctx, pfn);
    return { kind: 'mapped', level: inst.installed ? inst.level : 0 };
  }
  return { kind: 'retryLimit' };
}

/** The pfn an upstream fault obtained: a guest_memfd folio (with a reference) or a userspace page (`shm`). */
interface UpstreamPfn {
  readonly folio: string;
  /** Subpage (folio) or host page (`shm`) of the faulting gfn. */
  readonly subpage: number;
  readonly maxLevel: number;
  readonly gmem: boolean;
}

/**
 * Upstream form of the fault (modes upstream-6.8 / upstream-6.18, and rfc-1g-v1, O10): under
 * `kvm->srcu` (one session per attempt), (a) seq snapshot; (b) the VM attribute
 * read lock-free (`kvm_mem_is_private`, validated by the seq, INV-6); (c) the
 * memslot lookup: none -> MMIO (shared) or memory-fault exit (private); (d) an
 * INVALID slot -> `RET_PF_RETRY`: the vCPU re-enters once the memslot update is
 * done; (e) unsafe check; (f) private or GMEM_ONLY -> `kvm_mmu_faultin_pfn_gmem`
 * (slot without guest_memfd or dying file -> memory-fault exit; folio order 0 ->
 * 4K; rfc-1g-v1: under `invalidate_lock(R)`, a HugeTLB folio allows the
 * hugepages it covers), else the shared page behind `userspace_addr` (GUP, host level); (g) unsafe
 * check, `mmu_lock(R)`, locked check, level from `lpage_info` and slot
 * containment (O11), install, unlock, release.
 */
export function* upstreamPageFault(req: FaultRequest, ctx: ProcContext): Proc<FaultOutcome> {
  for (let attempt = 0; attempt < FAULT_RETRIES_MAX; attempt++) {
    const session = (yield* call(ACTOR.kvm, { type: 'kvm.srcu.lock' })).session;
    const r = yield* ctx.kernel.kvm_mmu_do_page_fault(req.synthesize === true ? yield* synthesizePrivate(req) : req, attempt, ctx);
    yield* call(ACTOR.kvm, { type: 'kvm.srcu.unlock', session });
    if (r.kind !== 'retry') return r;
    // RET_PF_RETRY: the vCPU re-enters and refaults until the memslot update (INVALID slot) and the invalidation
    // in progress are over; modelled as waits, so a fair schedule is not needed for progress.
    yield* call(ACTOR.kvm, { type: 'kvm.memslot.waitValid', gfn: req.gfn });
    yield* call(ACTOR.mmu, { type: 'mmu.waitIdle' });
  }
  return { kind: 'retryLimit' };
}

/** SW_PROTECTED: `kvm_mem_is_private(kvm, gfn)` read at the EPT violation gives the access its private bit. */
function* synthesizePrivate(req: FaultRequest): Proc<FaultRequest> {
  const attr = yield* call(ACTOR.kvm, { type: 'kvm.attr.read', gfn: req.gfn });
  return { ...req, private: attr.private };
}

/**
 * `kvm_mmu_prepare_memory_fault_exit`: KVM_RUN exits with `KVM_EXIT_MEMORY_FAULT` (INV-20); a prefetch fault
 * (KVM_PRE_FAULT_MEMORY) only fails the ioctl with the errno, no exit reaches userspace.
 */
function exitOf(ctx: ProcContext, req: FaultRequest, isPrivate: boolean): FaultOutcome {
  return req.prefetch === true ? { kind: 'memoryFault' } : recordMemoryFaultExit(ctx, req.gfn, isPrivate);
}

/** How the upstream fault gets a guest_memfd pfn in a design. */
export interface UpstreamFaultOptions {
  /**
   * RFC 1G-v1: `kvm_gmem_get_pfn` runs under `filemap_invalidate_lock_shared`
   * (INV-4), and a HugeTLB folio allows the hugepages it covers (`*max_order`);
   * upstream: no lock, folios are order 0 (4K leaves).
   */
  readonly gmemInvalidateLock: boolean;
}

/**
 * One round of the upstream fault (`kvm_mmu_do_page_fault`), run under the
 * caller's SRCU read section: the path `kvm_mmu_do_page_fault` of the upstream
 * designs with their options bound.
 */
export function* upstreamAttempt(req: FaultRequest, attempt: number, ctx: ProcContext, opts: UpstreamFaultOptions): Proc<Attempt> {
  const { gfn } = req;
  const seq = (yield* call(ACTOR.mmu, { type: 'mmu.seq' })).seq;
  ctx.record('VcpuFaultStarted', {
    vcpu: ctx.self,
    gfn,
    private: req.private,
    write: req.write,
    seq,
    attempt,
    ...(req.synthesize === true ? { synthesized: true } : {})
  });
  const attr = yield* call(ACTOR.kvm, { type: 'kvm.attr.read', gfn });
  if (attr.private !== req.private) return exitOf(ctx, req, req.private);
  const slot = yield* call(ACTOR.kvm, { type: 'kvm.memslot.lookup', gfn, ...(req.asId === undefined ? {} : { asId: req.asId }) });
  if (!slot.found) {
    if (!req.private) return { kind: 'mmio' };
    return exitOf(ctx, req, true);
  }
  if (slot.invalid) return ctx.kernel.kvm_faultin_pfn_invalid_slot(req, ctx);
  if (!(yield* call(ACTOR.mmu, { type: 'mmu.staleCheck', gfn, seq, locked: false })).ok) return { kind: 'retry' };
  const pfn = yield* upstreamFaultinPfn(ctx, req, slot, opts);
  if (pfn === null) return exitOf(ctx, req, req.private);
  if (pfn === 'hwpoison') {
    // kvm_gmem_get_pfn -> -EHWPOISON: the exit's errno (KVM_RUN / pre-fault rc) is EHWPOISON (O17).
    ctx.locals.set(EXIT_ERRNO, { errno: '-EHWPOISON' });
    return exitOf(ctx, req, req.private);
  }
  if (!(yield* call(ACTOR.mmu, { type: 'mmu.staleCheck', gfn, seq, locked: false })).ok) {
    yield* releaseUpstreamPfn(ctx, pfn);
    return { kind: 'retry' };
  }
  yield* lock(ACTOR.mmu, 'mmu', 'R');
  if (yield* ctx.kernel.is_page_fault_stale(gfn, seq, ctx)) {
    yield* unlock(ACTOR.mmu, 'mmu', 'R');
    yield* releaseUpstreamPfn(ctx, pfn);
    return { kind: 'retry' };
  }
  // kvm_mmu_hugepage_adjust: min(fault max level, lpage_info / slot containment).
  const level = pfn.maxLevel > 1 ? (yield* call(ACTOR.kvm, { type: 'kvm.lpage.level', slot: slot.slot, gfn, maxLevel: pfn.maxLevel })).level : 1;
  const pages = levelPages(level);
  const first = gfn - (gfn % pages);
  const inst = yield* call(ACTOR.mmu, {
    type: 'mmu.install',
    root: req.root ?? rootFor(req.private),
    gfn,
    level,
    private: req.private,
    pfn: pfn.folio,
    subpage: pfn.subpage - (gfn - first)
  });
  yield* unlock(ACTOR.mmu, 'mmu', 'R');
  yield* releaseUpstreamPfn(ctx, pfn);
  return { kind: 'mapped', level: inst.installed ? inst.level : 0, goal: level };
}

/** `kvm_faultin_pfn` on a `KVM_MEMSLOT_INVALID` memslot: a prefetch fails with `-EAGAIN` (F-3ccb), a guest fault retries. */
export function kvmFaultinPfnInvalidSlot(req: FaultRequest, _ctx: ProcContext): Attempt {
  return req.prefetch === true ? { kind: 'again' } : { kind: 'retry', invalidSlot: true };
}

/** (f) of the upstream fault: the gmem pfn (private or GMEM_ONLY) or the userspace page; null = memory-fault exit. */
function* upstreamFaultinPfn(ctx: ProcContext, req: FaultRequest, slot: KvmMemslot, opts: UpstreamFaultOptions): Proc<UpstreamPfn | null | 'hwpoison'> {
  const gfn = req.gfn;
  const baseGfn = slot.baseGfn;
  if (req.private || slot.gmemOnly) {
    // kvm_mmu_faultin_pfn_gmem: no guest_memfd behind the slot -> memory-fault exit.
    const gmem = slot.gmem;
    if (gmem === '') return null;
    // kvm_gmem_get_pfn -> kvm_gmem_get_file: get_file_active fails once release started.
    if (!(yield* callGmem(gmem, { type: 'gmem.file.active' })).ok) return null;
    const index = slot.pgoff + (gfn - baseGfn);
    // rfc-1g-v1: kvm_gmem_get_pfn under filemap_invalidate_lock_shared (INV-4, RFC modes), so the lookup (and a
    // HugeTLB allocation) cannot fall between the split and the faultability store of a conversion to shared.
    const v1 = opts.gmemInvalidateLock;
    if (v1) yield* lock(gmem, 'invalidate', 'R');
    const f = yield* getFolioOrErr(index, { create: true, lock: true, why: 'kvm-pfn' }, gmem);
    if (f === null || 'err' in f) throw new Error(`kvm_gmem_get_folio of ${gmem} with FGP_CREAT failed`);
    if (ctx.env.hwpoison === true && (yield* call(ACTOR.hwpoison, { type: 'hwpoison.test', folio: f.folio })).poisoned) {
      // folio_test_hwpoison: unlock, put, -EHWPOISON.
      yield* call(f.folio, { type: 'folio.unlock' });
      yield* call(f.folio, { type: 'folio.put', why: 'kvm-pfn' });
      if (v1) yield* unlock(gmem, 'invalidate', 'R');
      return 'hwpoison';
    }
    if (!f.uptodate) yield* call(f.folio, { type: 'folio.zero' });
    if (req.private) yield* call(f.folio, { type: 'folio.prepare' });
    yield* call(f.folio, { type: 'folio.unlock' });
    if (v1) yield* unlock(gmem, 'invalidate', 'R');
    const subpage = index - f.base;
    // Upstream folios are order 0: *max_order = 0, a 4K leaf; rfc-1g-v1's HugeTLB folios allow what they cover (O11).
    const maxLevel = v1 ? gmemFolioMaxLevel(f, index, baseGfn - slot.pgoff) : 1;
    ctx.record('GmemPfnObtained', { vcpu: ctx.self, gfn, folio: f.folio, subpage, maxLevel });
    return { folio: f.folio, subpage, maxLevel, gmem: true };
  }
  // __kvm_faultin_pfn: GUP of userspace_addr; host_pfn_mapping_level from the backing and hva/gfn alignment.
  const hva = slot.userspacePage + (gfn - baseGfn);
  yield* call(ACTOR.shm, { type: 'shm.gup', page: hva });
  let maxLevel = slot.sharedLevel;
  while (maxLevel > 1 && hva % levelPages(maxLevel) !== gfn % levelPages(maxLevel)) maxLevel--;
  return { folio: ACTOR.shm, subpage: hva, maxLevel, gmem: false };
}

/**
 * `*max_order` of `kvm_gmem_get_pfn` as a level (rfc-1g-v1, HugeTLB folios): the largest of 1G/2M whose aligned
 * hugepage around `index` lies inside folio `f`, with gfns and indices equally aligned (`gfnMinusIndex` = the
 * memslot's `base_gfn - pgoff`). Memslot containment and mixed attributes are left to `kvm.lpage.level`.
 */
function gmemFolioMaxLevel(f: HeldFolio, index: number, gfnMinusIndex: number): number {
  for (const level of [3, 2]) {
    const pages = levelPages(level);
    if (f.order < levelOrder(level) || ((gfnMinusIndex % pages) + pages) % pages !== 0) continue;
    const first = index - (index % pages);
    if (first >= f.base && first + pages <= f.base + 2 ** f.order) return level;
  }
  return 1;
}

function* releaseUpstreamPfn(ctx: ProcContext, pfn: UpstreamPfn): Proc<void> {
  if (!pfn.gmem) return;
  yield* call(pfn.folio, { type: 'folio.put', why: 'kvm-pfn' });
  ctx.record('PfnRefReleased', { vcpu: ctx.self, folio: pfn.folio });
}
