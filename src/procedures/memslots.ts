/**
 * Memslots (spec O2; `kvm_set_memory_region`, `virt/kvm/kvm_main.c`):
 * `KVM_SET_USER_MEMORY_REGION2` creating a memslot (flag checks, overlap,
 * `kvm_gmem_bind` under the file's `invalidate_lock`) and deleting one
 * (`KVM_MEMSLOT_INVALID`, wait for mmu-notifiers, `synchronize_srcu`, flush,
 * remove, `synchronize_srcu`, `kvm_gmem_unbind`, free). Variant B7 replaces
 * `kvm_gmem_unbind`.
 */
import { ACTOR, PAGE_SIZE } from '../model/env.js';
import type { OpResult, VmmOp } from '../model/ops.js';
import { GPA_LIMIT, KVM_USER_MEM_SLOTS } from '../model/vm.js';
import { fdActor } from './gmemFile.js';
import type { Proc, ProcContext } from './kernel.js';
import { call, callGmem, lock, unlock } from './proc.js';

type Op<K extends VmmOp['op']> = Extract<VmmOp, { op: K }>;

/** The 6.18 rule: a memslot is `KVM_MEMSLOT_GMEM_ONLY` when its guest_memfd supports mmap (every fault is served from it). */
export function gmemOnlyIfMmap(fileSupportsMmap: boolean, _ctx: ProcContext): boolean {
  return fileSupportsMmap;
}

/** Designs without GMEM_ONLY memslots (6.8, the RFCs). */
export function neverGmemOnly(_fileSupportsMmap: boolean, _ctx: ProcContext): boolean {
  return false;
}

/** `KVM_SET_USER_MEMORY_REGION2` creating a memslot (O2). */
export function* createMemslot(op: Op<'createMemslot'>, ctx: ProcContext): Proc<OpResult> {
  const flags = new Set(op.flags);
  const guestMemfd = flags.has('GUEST_MEMFD');
  // check_memory_region_flags: GUEST_MEMFD with READONLY or LOG_DIRTY_PAGES is invalid.
  if (guestMemfd && (flags.has('READONLY') || flags.has('LOG_DIRTY_PAGES'))) return { rc: '-EINVAL' };
  if (op.slot >= KVM_USER_MEM_SLOTS || op.asId > 1) return { rc: '-EINVAL' };
  if (op.size === 0 || op.size % PAGE_SIZE !== 0 || op.gpa % PAGE_SIZE !== 0 || op.userspaceAddr % PAGE_SIZE !== 0) return { rc: '-EINVAL' };
  if (op.gpa + op.size > GPA_LIMIT) return { rc: '-EINVAL' };
  if (guestMemfd && op.offset % PAGE_SIZE !== 0) return { rc: '-EINVAL' };
  const gmem = guestMemfd ? fdActor(ctx, op.fd) : null;
  if (guestMemfd && gmem === null) return { rc: '-EBADF' };
  const baseGfn = op.gpa / PAGE_SIZE;
  const npages = op.size / PAGE_SIZE;
  yield* lock(ACTOR.kvm, 'slots', 'W');
  const done = (rc: string): Proc<OpResult> =>
    (function* () {
      yield* unlock(ACTOR.kvm, 'slots', 'W');
      return { rc };
    })();
  const same = yield* call(ACTOR.kvm, { type: 'kvm.memslot.byId', id: op.slot, asId: op.asId });
  if (same.found) return yield* done('-EEXIST');
  const ov = yield* call(ACTOR.kvm, { type: 'kvm.memslots.overlapping', start: baseGfn, end: baseGfn + npages, asId: op.asId });
  if (ov.slots.length > 0) return yield* done('-EEXIST');
  let gmemOnly = false;
  // The memslot object is allocated first (its id names the binding); it becomes visible only after the bind (F-RCU a).
  const slot = (yield* call(ACTOR.kvm, { type: 'kvm.memslot.reserveUid', id: op.slot, asId: op.asId })).slot;
  if (gmem !== null) {
    // kvm_gmem_bind under invalidate_lock(W).
    const st = yield* callGmem(gmem, { type: 'gmem.stat' });
    gmemOnly = ctx.kernel.kvm_memslot_gmem_only(st.mmap, ctx);
    yield* lock(gmem, 'invalidate', 'W');
    const b = yield* callGmem(gmem, { type: 'gmem.bind', slot, id: op.slot, baseGfn, pgoff: op.offset / PAGE_SIZE, npages });
    yield* unlock(gmem, 'invalidate', 'W');
    if (b.rc !== '0') return yield* done(b.rc);
  }
  yield* call(ACTOR.kvm, {
    type: 'kvm.memslot.create',
    slot,
    id: op.slot,
    asId: op.asId,
    baseGfn,
    npages,
    gmem: gmem ?? '',
    pgoff: op.offset / PAGE_SIZE,
    userspacePage: op.userspaceAddr / PAGE_SIZE,
    sharedLevel: 1,
    gmemOnly
  });
  return yield* done('0');
}

/**
 * `kvm_gmem_unbind` (O2, F-ae43): under the file's `invalidate_lock`, drop
 * the binding and clear `slot->gmem.file`. A dying file (release queued, not
 * run) cannot be locked: drop the binding and clear the pointer anyway, so the
 * release cannot write into the memslot after it is freed.
 */
export function* kvmGmemUnbind(slot: string, gmem: string, _ctx: ProcContext): Proc<void> {
  const active = yield* callGmem(gmem, { type: 'gmem.file.active' });
  if (!active.ok) {
    // The file is dying: kvm_gmem_release may run after the memslot is freed; drop the bindings now, unlocked.
    yield* callGmem(gmem, { type: 'gmem.unbind', slot });
    yield* call(ACTOR.kvm, { type: 'kvm.memslot.clearGmem', slot });
    return;
  }
  yield* lock(gmem, 'invalidate', 'W');
  yield* callGmem(gmem, { type: 'gmem.unbind', slot });
  yield* call(ACTOR.kvm, { type: 'kvm.memslot.clearGmem', slot });
  yield* unlock(gmem, 'invalidate', 'W');
}

/** `KVM_SET_USER_MEMORY_REGION2` with size 0: deletes a memslot (O2). */
export function* deleteMemslot(op: Op<'deleteMemslot'>, ctx: ProcContext): Proc<OpResult> {
  yield* lock(ACTOR.kvm, 'slots', 'W');
  const s = yield* call(ACTOR.kvm, { type: 'kvm.memslot.byId', id: op.slot, asId: op.asId });
  if (!s.found) {
    yield* unlock(ACTOR.kvm, 'slots', 'W');
    return { rc: '-EINVAL' };
  }
  const slot = s.slot;
  const start = s.baseGfn;
  const end = start + s.npages;
  // kvm_invalidate_memslot: install the INVALID copy (kvm_swap_active_memslots waits for mmu-notifiers, then SRCU).
  yield* call(ACTOR.kvm, { type: 'kvm.memslot.invalidate', slot });
  yield* call(ACTOR.kvm, { type: 'kvm.mn.wait' });
  yield* call(ACTOR.kvm, { type: 'kvm.srcu.synchronize' });
  // kvm_arch_flush_shadow_memslot: zap every SPTE of the slot.
  yield* lock(ACTOR.mmu, 'mmu', 'W');
  yield* call(ACTOR.mmu, { type: 'mmu.zap', start, end, filter: 'both' });
  yield* unlock(ACTOR.mmu, 'mmu', 'W');
  // kvm_delete_memslot: swap in the set without it, synchronize_srcu again.
  yield* call(ACTOR.kvm, { type: 'kvm.memslot.remove', slot });
  yield* call(ACTOR.kvm, { type: 'kvm.srcu.synchronize' });
  // kvm_free_memslot: kvm_gmem_unbind, then kfree.
  const gmem = s.gmem;
  if (gmem !== '') yield* ctx.kernel.kvm_gmem_unbind(slot, gmem, ctx);
  yield* call(ACTOR.kvm, { type: 'kvm.memslot.free', slot });
  yield* unlock(ACTOR.kvm, 'slots', 'W');
  return { rc: '0' };
}
