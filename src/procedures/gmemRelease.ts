/**
 * `kvm_gmem_release` (spec O5), run by a kernel worker after the last fput of a
 * guest_memfd file: `slots_lock` -> `invalidate_lock(W)`; every binding's
 * `slot->gmem.file = NULL` (`MemslotGmemCleared`, a write into the memslot);
 * invalidate-begin + zap of every SPTE of the file, end; unlock both; destroy
 * the bindings (`GmemUnbound`); `GmemReleased`; `kvm_put_kvm`. The backing
 * memory is not freed (its lifetime is the inode's).
 *
 * With variant B7 a memslot deletion that saw the dying file left its binding
 * here while freeing the memslot: the write above then lands in freed memory
 * (INV-10).
 */
import { ACTOR } from '../model/env.js';
import type { OpResult } from '../model/ops.js';
import type { ProcContext } from '../machines/programMachine.js';
import { call, lock, nums, type Proc, strs, unlock } from './proc.js';

/** Runs `kvm_gmem_release` of guest_memfd actor `gmem`. */
export function* gmemRelease(gmem: string, ctx: ProcContext): Proc<OpResult> {
  yield* lock(ACTOR.kvm, 'slots', 'W');
  yield* lock(gmem, 'invalidate', 'W');
  const st = yield* call(gmem, { type: 'gmem.stat' });
  const pages = (st['size'] as number) / 4096;
  const b = yield* call(gmem, { type: 'gmem.bindings', start: 0, end: pages });
  const slots = strs(b, 'slots');
  for (const slot of slots) yield* call(ACTOR.kvm, { type: 'kvm.memslot.clearGmem', slot });
  const starts = nums(b, 'gfnStarts');
  const ends = nums(b, 'gfnEnds');
  if (starts.length > 0) {
    // kvm_gmem_invalidate_begin(0, -1ul) + zap of every binding, then end.
    yield* lock(ACTOR.mmu, 'mmu', 'W');
    yield* call(ACTOR.mmu, { type: 'mmu.invalidate.begin' });
    for (let i = 0; i < starts.length; i++) {
      yield* call(ACTOR.mmu, { type: 'mmu.invalidate.rangeAdd', start: starts[i] as number, end: ends[i] as number });
      yield* call(ACTOR.mmu, { type: 'mmu.zap', start: starts[i] as number, end: ends[i] as number, filter: 'both' });
    }
    yield* unlock(ACTOR.mmu, 'mmu', 'W');
    yield* lock(ACTOR.mmu, 'mmu', 'W');
    yield* call(ACTOR.mmu, { type: 'mmu.invalidate.end' });
    yield* unlock(ACTOR.mmu, 'mmu', 'W');
  }
  yield* unlock(gmem, 'invalidate', 'W');
  yield* unlock(ACTOR.kvm, 'slots', 'W');
  for (const slot of slots) yield* call(gmem, { type: 'gmem.unbind', slot });
  yield* call(gmem, { type: 'gmem.released' });
  yield* call(ACTOR.kvm, { type: 'kvm.put' });
  ctx.record('GmemReleaseDone', { gmem, slots: slots.length });
  return { rc: '0' };
}
