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
import type { KworkerOp } from '../model/actors.js';
import type { OpResult } from '../model/ops.js';
import { gmemInvalidateEnd, invalidateBeginRanges, rangesOf } from './gmemInvalidate.js';
import type { Proc, ProcContext } from './kernel.js';
import { call, callGmem, lock, unlock } from './proc.js';

/** Runs `kvm_gmem_release` of guest_memfd actor `gmem`. */
export function* gmemRelease(op: KworkerOp, ctx: ProcContext): Proc<OpResult> {
  const gmem = op.gmem;
  yield* lock(ACTOR.kvm, 'slots', 'W');
  yield* lock(gmem, 'invalidate', 'W');
  const st = yield* callGmem(gmem, { type: 'gmem.stat' });
  const pages = st.size / 4096;
  const b = yield* callGmem(gmem, { type: 'gmem.bindings', start: 0, end: pages });
  const slots = b.slots;
  for (const slot of slots) yield* call(ACTOR.kvm, { type: 'kvm.memslot.clearGmem', slot });
  // kvm_gmem_invalidate_begin(0, -1ul) + zap of every binding, then end.
  const ranges = rangesOf(b);
  yield* invalidateBeginRanges(ranges, 'both', ctx);
  yield* gmemInvalidateEnd(ranges);
  yield* unlock(gmem, 'invalidate', 'W');
  yield* unlock(ACTOR.kvm, 'slots', 'W');
  for (const slot of slots) yield* callGmem(gmem, { type: 'gmem.unbind', slot });
  yield* callGmem(gmem, { type: 'gmem.released' });
  yield* call(ACTOR.kvm, { type: 'kvm.put' });
  ctx.record('GmemReleaseDone', { gmem, slots: slots.length });
  return { rc: '0' };
}
