/**
 * The VMM's own (anonymous) memory behind memslots' `userspace_addr` (spec O8):
 * accesses, and munmap / MADV_DONTNEED with the mmu-notifier
 * (`kvm_mmu_notifier_invalidate_range_start/end`, `virt/kvm/kvm_main.c`).
 */
import { ACTOR } from '../model/env.js';
import type { OpResult, VmmOp } from '../model/ops.js';
import type { Proc } from './kernel.js';
import { call, lock, unlock } from './proc.js';

type Op<K extends VmmOp['op']> = Extract<VmmOp, { op: K }>;

/** A VMM access to its userspace memory (anonymous pages behind `userspace_addr`). */
export function* uaccess(op: Op<'uaccess'>): Proc<OpResult> {
  const r = yield* call(ACTOR.shm, { type: 'folio.access', subpage: op.page, write: op.write, value: op.value ?? 0 });
  return { rc: '0', value: r.value };
}

/**
 * munmap / MADV_DONTNEED of userspace memory (O8): core-mm zaps the pages and
 * fires `invalidate_range_start/end`; KVM (`kvm_mmu_notifier_invalidate_range_start`)
 * counts `mn_active_invalidate_count`, and under SRCU and `mmu_lock(W)` begins an
 * invalidation, adds and zaps (SHARED filter) the GFNs of every memslot whose
 * `userspace_addr` range overlaps; `range_end` ends it.
 */
export function* umunmap(op: Op<'umunmap'>): Proc<OpResult> {
  const start = op.page;
  const end = op.page + op.npages;
  yield* call(ACTOR.kvm, { type: 'kvm.mn.start' });
  const session = (yield* call(ACTOR.kvm, { type: 'kvm.srcu.lock' })).session;
  const all = yield* call(ACTOR.kvm, { type: 'kvm.memslots.overlapping', start: 0, end: 2 ** 40 });
  const ups = all.userspacePages;
  const bases = all.baseGfns;
  const sizes = all.npages;
  const gfns: { start: number; end: number }[] = [];
  ups.forEach((u, i) => {
    const n = sizes[i] ?? 0;
    const base = bases[i] ?? 0;
    if (u === 0 || u >= end || u + n <= start) return;
    const s = Math.max(start, u);
    const e = Math.min(end, u + n);
    gfns.push({ start: base + (s - u), end: base + (e - u) });
  });
  if (gfns.length > 0) {
    yield* lock(ACTOR.mmu, 'mmu', 'W');
    yield* call(ACTOR.mmu, { type: 'mmu.invalidate.begin' });
    for (const g of gfns) {
      yield* call(ACTOR.mmu, { type: 'mmu.invalidate.rangeAdd', start: g.start, end: g.end });
      yield* call(ACTOR.mmu, { type: 'mmu.zap', start: g.start, end: g.end, filter: 'shared' });
    }
    yield* unlock(ACTOR.mmu, 'mmu', 'W');
  }
  yield* call(ACTOR.kvm, { type: 'kvm.srcu.unlock', session });
  yield* call(ACTOR.shm, { type: 'shm.zap', start, end });
  if (gfns.length > 0) {
    yield* lock(ACTOR.mmu, 'mmu', 'W');
    yield* call(ACTOR.mmu, { type: 'mmu.invalidate.end' });
    yield* unlock(ACTOR.mmu, 'mmu', 'W');
  }
  yield* call(ACTOR.kvm, { type: 'kvm.mn.end' });
  return { rc: '0' };
}
