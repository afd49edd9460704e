/**
 * Mode fd-2022 (spec §0.3 S-SEED3, seed fd-based-private-memory-v4): the
 * memfile_notifier design. "A page is private only when it's already
 * allocated in the backing store fd"; the backing store is the truth.
 *
 * - The guest_memfd inode stands for the `MFD_INACCESSIBLE` memfd: its
 *   attribute map is *derived* from allocation (the inode records
 *   `AttrStored{private: true}` when a folio is allocated and `{private: false}`
 *   when it leaves the page cache), so every attribute-based checker reads the
 *   2022 truth. The file cannot be mmap()ed, read or written.
 * - `fallocate` (mode 0 = map private, {@link fallocateFd2022}): the backing
 *   store allocates under `invalidate_lock(R)` and fires the
 *   `memfile_notifier` *fallocate* callback into KVM: invalidation begin,
 *   range_add and zap of the (now stale) shared SPTEs of the range, allocation,
 *   invalidation end.
 * - `PUNCH_HOLE` (unmap = private -> shared): the existing `punchHole`
 *   procedure: the *invalidate* callback (begin + zap) brackets the truncation,
 *   and removal from the page cache makes the pages shared again.
 * - guest access ({@link fd2022PageFault}): the private/shared intent is
 *   compared with allocation (`AttrRead`, lock-free, validated by
 *   `mmu_invalidate_seq`); a mismatch (private access to an unallocated gfn,
 *   shared access to an allocated one) exits with `KVM_EXIT_MEMORY_ERROR`.
 *   Private pages come from the backing store (`memfile_pfn_ops.get_lock_pfn`:
 *   lookup without allocation); shared ones from `userspace_addr` (GUP of the
 *   VMM's anonymous memory, actor `shm`).
 *
 * The notifier calls are steps the calling thread makes into the MMU (as the
 * kernel runs the callbacks in the fallocating thread), one delivery each.
 */
import { rootFor } from '../model/mmuRoots.js';
import { ACTOR, PAGE_SIZE } from '../model/env.js';
import type { OpResult } from '../model/ops.js';
import { getFolio } from './filemap.js';
import { gmemInvalidateEnd } from './gmemInvalidate.js';
import type { FallocateOp, Proc, ProcContext } from './kernel.js';
import { FAULT_RETRIES_MAX, recordMemoryFaultExit } from './memoryFaultExit.js';
import { call, callGmem, lock, unlock } from './proc.js';
import type { FaultOutcome, FaultRequest } from './types.js';

/** The rc of a guest access that exits with `KVM_EXIT_MEMORY_ERROR` (fd-2022's name for the memory-fault exit). */
export const KVM_EXIT_MEMORY_ERROR = 'KVM_EXIT_MEMORY_ERROR';

/** fd-2022's KVM_RUN return code of a memory-fault exit. */
export function fd2022MemoryFaultExitRc(_ctx: ProcContext): string {
  return KVM_EXIT_MEMORY_ERROR;
}

/**
 * `fallocate(mode 0)` on the backing store (map private): `-EINVAL` for an
 * unaligned or empty range or one beyond the file (the model does not grow the
 * file); under `invalidate_lock(R)`: notifier invalidation (zap shared SPTEs),
 * allocate each page, end.
 */
export function* fallocateFd2022(op: FallocateOp, ctx: ProcContext): Proc<OpResult> {
  if (op.size === 0 || op.offset % PAGE_SIZE !== 0 || op.size % PAGE_SIZE !== 0) return { rc: '-EINVAL' };
  const start = op.offset / PAGE_SIZE;
  const end = start + op.size / PAGE_SIZE;
  if (end > ctx.env.pages) return { rc: '-EINVAL' };
  yield* lock(ACTOR.gmem, 'invalidate', 'R');
  // memfile_notifier fallocate callback: KVM zaps the shared mappings of the gfns that become private.
  const ranges = yield* ctx.kernel.kvm_gmem_invalidate_begin(start, end, 'shared', ctx);
  for (let index = start; index < end;) {
    const f = yield* getFolio(index, { create: true, lock: true, why: 'fallocate' });
    if (f === null) throw new Error('shmem_getpage with SGP_FALLOC returned nothing');
    yield* call(f.folio, { type: 'folio.unlock' });
    yield* call(f.folio, { type: 'folio.put', why: 'fallocate' });
    index = f.base + 2 ** f.order;
  }
  yield* gmemInvalidateEnd(ranges);
  yield* unlock(ACTOR.gmem, 'invalidate', 'R');
  return { rc: '0' };
}

/** A pfn the fd-2022 fault obtained: a backing-store folio (with a reference) or a userspace page. */
interface Pfn {
  readonly folio: string;
  readonly subpage: number;
  readonly backing: boolean;
}

/** One fault attempt: an outcome or a retry. */
type Attempt = FaultOutcome | { readonly kind: 'retry' };

/** The KVM page fault of mode fd-2022 (4K leaves only). */
export function* fd2022PageFault(req: FaultRequest, ctx: ProcContext): Proc<FaultOutcome> {
  for (let attempt = 0; attempt < FAULT_RETRIES_MAX; attempt++) {
    const r = yield* fd2022Attempt(ctx, req, attempt);
    if (r.kind !== 'retry') return r;
    // RET_PF_RETRY: the vCPU re-enters and refaults until the invalidation is over.
    yield* call(ACTOR.mmu, { type: 'mmu.waitIdle' });
  }
  return { kind: 'retryLimit' };
}

function* fd2022Attempt(ctx: ProcContext, req: FaultRequest, attempt: number): Proc<Attempt> {
  const { gfn } = req;
  const seq = (yield* call(ACTOR.mmu, { type: 'mmu.seq' })).seq;
  ctx.record('VcpuFaultStarted', { vcpu: ctx.self, gfn, private: req.private, write: req.write, seq, attempt });
  // kvm_mem_is_private: allocated in the backing store.
  const attr = yield* callGmem(ACTOR.gmem, { type: 'gmem.attr.read', index: req.index });
  if (attr.private !== req.private) return recordMemoryFaultExit(ctx, gfn, req.private);
  if (!(yield* call(ACTOR.mmu, { type: 'mmu.staleCheck', gfn, seq, locked: false })).ok) return { kind: 'retry' };
  let pfn: Pfn;
  if (req.private) {
    // memfile_pfn_ops.get_lock_pfn: the allocated page, locked; gone (punched) -> the retry re-reads.
    const f = yield* getFolio(req.index, { create: false, lock: true, why: 'kvm-pfn' });
    if (f === null) return { kind: 'retry' };
    if (!f.uptodate) yield* call(f.folio, { type: 'folio.zero' });
    yield* call(f.folio, { type: 'folio.unlock' });
    const subpage = req.index - f.base;
    ctx.record('GmemPfnObtained', { vcpu: ctx.self, gfn, folio: f.folio, subpage, maxLevel: 1 });
    pfn = { folio: f.folio, subpage, backing: true };
  } else {
    const slot = yield* call(ACTOR.kvm, { type: 'kvm.memslot.lookup', gfn });
    if (!slot.found) return { kind: 'mmio' };
    const page = slot.userspacePage + (gfn - slot.baseGfn);
    yield* call(ACTOR.shm, { type: 'shm.gup', page });
    pfn = { folio: ACTOR.shm, subpage: page, backing: false };
  }
  const release = function* (): Proc<void> {
    if (!pfn.backing) return;
    yield* call(pfn.folio, { type: 'folio.put', why: 'kvm-pfn' });
    ctx.record('PfnRefReleased', { vcpu: ctx.self, folio: pfn.folio });
  };
  if (!(yield* call(ACTOR.mmu, { type: 'mmu.staleCheck', gfn, seq, locked: false })).ok) {
    yield* release();
    return { kind: 'retry' };
  }
  yield* lock(ACTOR.mmu, 'mmu', 'R');
  if (!(yield* call(ACTOR.mmu, { type: 'mmu.staleCheck', gfn, seq, locked: true })).ok) {
    yield* unlock(ACTOR.mmu, 'mmu', 'R');
    yield* release();
    return { kind: 'retry' };
  }
  const inst = yield* call(ACTOR.mmu, {
    type: 'mmu.install',
    root: rootFor(req.private),
    gfn,
    level: 1,
    private: req.private,
    pfn: pfn.folio,
    subpage: pfn.subpage
  });
  yield* unlock(ACTOR.mmu, 'mmu', 'R');
  yield* release();
  return { kind: 'mapped', level: inst.installed ? inst.level : 0 };
}
