/**
 * Memory failure on a guest_memfd page (spec O17): core-mm's `memory_failure()`
 * marks the page `PG_hwpoison` (actor `hwpoison`) with the folio locked and
 * calls the mapping's `error_remove_folio`, `kvm_gmem_error_folio`:
 * `invalidate_lock(R)`, invalidate begin + zap of every SPTE of the folio's
 * indices, end, unlock; no truncation (`MF_DELAYED`). A later
 * `kvm_gmem_get_pfn` of the page fails with `-EHWPOISON`: KVM_RUN returns
 * -1/EHWPOISON with a `KVM_EXIT_MEMORY_FAULT` (`kvmPageFault.ts`).
 */
import { ACTOR } from '../model/env.js';
import type { OpResult, VmmOp } from '../model/ops.js';
import { getFolioOrErr } from './filemap.js';
import { fdActor } from './gmemFile.js';
import { gmemInvalidateEnd, invalidateBeginRanges, rangesOf } from './gmemInvalidate.js';
import type { Proc, ProcContext } from './kernel.js';
import { call, callGmem, lock, unlock } from './proc.js';

/** Runs a `memoryFailure` op. */
export function* memoryFailure(op: Extract<VmmOp, { op: 'memoryFailure' }>, ctx: ProcContext): Proc<OpResult> {
  const gmem = fdActor(ctx, op.fd);
  if (gmem === null) return { rc: '-EBADF' };
  // memory_failure: the page must be in the page cache (no folio: not a guest_memfd page, nothing to do).
  const f = yield* getFolioOrErr(op.index, { create: false, lock: true, why: 'memory-failure' }, gmem);
  if (f === null || 'err' in f) return { rc: '-ENXIO' };
  yield* call(ACTOR.hwpoison, { type: 'hwpoison.set', folio: f.folio, gmem, index: op.index });
  // Simplification: the folio lock is dropped before error_remove_folio (the kernel holds it across, which would
  // nest invalidate_lock and mmu_lock inside a folio lock against spec §2).
  yield* call(f.folio, { type: 'folio.unlock' });
  // kvm_gmem_error_folio: invalidate_lock(R), kvm_gmem_invalidate_begin/end over the folio's indices, no truncation.
  yield* lock(gmem, 'invalidate', 'R');
  const b = yield* callGmem(gmem, { type: 'gmem.bindings', start: f.base, end: f.base + 2 ** f.order });
  const ranges = rangesOf(b);
  yield* invalidateBeginRanges(ranges, 'both', ctx);
  yield* gmemInvalidateEnd(ranges);
  yield* unlock(gmem, 'invalidate', 'R');
  yield* call(f.folio, { type: 'folio.put', why: 'memory-failure' });
  return { rc: '0' };
}
