/**
 * `kvm_gmem_invalidate_begin` / `kvm_gmem_invalidate_end` (spec O4 step 2/4,
 * O7a step 5/6, O12; `virt/kvm/guest_memfd.c`): for the memslot bindings
 * overlapping the file range, take `mmu_lock` for write,
 * `kvm_mmu_invalidate_begin`, add the GFN range and zap the SPTEs the filter
 * selects (`kvm_gmem_get_invalidate_filter`), and later
 * `kvm_mmu_invalidate_end`. `begin` happens only if a binding overlaps
 * (F-b25a), so begin and end stay balanced. Begin, range_add and zap are
 * separate deliveries (spec §7.2). Variants B1 and B20 replace
 * `kvm_gmem_invalidate_begin` and `kvm_gmem_get_invalidate_filter`.
 */
import type { GmemBindingList } from '../events/protocol/index.js';
import { ACTOR } from '../model/env.js';
import type { Proc, ProcContext } from './kernel.js';
import { call, callGmem, lock, unlock } from './proc.js';
import type { GfnRanges, ZapFilter } from './types.js';

/** `kvm_gmem_get_invalidate_filter`: a guest_memfd-originated invalidation zaps what its caller asks (shared SPTEs of GMEM_ONLY memslots included). */
export function kvmGmemGetInvalidateFilter(requested: ZapFilter): ZapFilter {
  return requested;
}

/** `kvm_gmem_invalidate_begin` of file indices `[start, end)`; returns what {@link gmemInvalidateEnd} must close. */
export function* kvmGmemInvalidateBegin(start: number, end: number, filter: ZapFilter, ctx: ProcContext): Proc<GfnRanges> {
  const ranges = rangesOf(yield* callGmem(ACTOR.gmem, { type: 'gmem.bindings', start, end }));
  yield* invalidateBeginRanges(ranges, filter, ctx);
  return ranges;
}

/** The GFN ranges of a `gmem.bindings` reply. */
export function rangesOf(bindings: GmemBindingList): GfnRanges {
  return { starts: bindings.gfnStarts, ends: bindings.gfnEnds };
}

/**
 * `mmu_lock(W)`, `kvm_mmu_invalidate_begin`, then per range `range_add` and the
 * zap the filter selects (`kvm_gmem_get_invalidate_filter`), `mmu_lock`
 * released: the begin half of a guest_memfd invalidation over already-resolved
 * GFN ranges (nothing if there are none).
 */
export function* invalidateBeginRanges(ranges: GfnRanges, requested: ZapFilter, ctx: ProcContext): Proc<void> {
  if (ranges.starts.length === 0) return;
  const filter = ctx.kernel.kvm_gmem_get_invalidate_filter(requested, ctx);
  yield* lock(ACTOR.mmu, 'mmu', 'W');
  yield* call(ACTOR.mmu, { type: 'mmu.invalidate.begin' });
  for (let i = 0; i < ranges.starts.length; i++) {
    const s = ranges.starts[i] ?? 0;
    const e = ranges.ends[i] ?? 0;
    yield* call(ACTOR.mmu, { type: 'mmu.invalidate.rangeAdd', start: s, end: e });
    yield* call(ACTOR.mmu, { type: 'mmu.zap', start: s, end: e, filter });
  }
  yield* unlock(ACTOR.mmu, 'mmu', 'W');
}

/** `kvm_gmem_invalidate_end`: ends the invalidation begun over `ranges` (nothing if there are none). */
export function* gmemInvalidateEnd(ranges: GfnRanges): Proc<void> {
  if (ranges.starts.length === 0) return;
  yield* lock(ACTOR.mmu, 'mmu', 'W');
  yield* call(ACTOR.mmu, { type: 'mmu.invalidate.end' });
  yield* unlock(ACTOR.mmu, 'mmu', 'W');
}
