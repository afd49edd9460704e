/**
 * `kvm_gmem_invalidate_begin` / `kvm_gmem_invalidate_end` (spec O4 step 2/4,
 * O7a step 5/6, O12): for the memslot bindings overlapping the file range, take
 * `mmu_lock` for write, `kvm_mmu_invalidate_begin`, add the GFN range and zap
 * the SPTEs the filter selects, and later `kvm_mmu_invalidate_end`.
 * `begin` happens only if a binding overlaps (F-b25a), so begin and end stay
 * balanced. Begin, range_add and zap are separate deliveries (spec §7.2).
 * Variant B1 restores the pre-fix bug: begin even when no binding overlaps, end
 * only when one does (F-b25a). Variant B20 zaps only PRIVATE SPTEs in every
 * guest_memfd-originated invalidation (PUNCH_HOLE, release, memory failure), as
 * a kernel without `kvm_gmem_get_invalidate_filter` would: the shared SPTEs of a
 * GMEM_ONLY memslot, which map guest_memfd pages, survive (INV-21).
 */
import { ACTOR, hasVariant, type ModelEnv } from '../model/env.js';
import type { Message } from '../events/messages.js';
import { callAny, lock, nums, type Proc, unlock } from './proc.js';

/** GFN ranges an invalidation covers (parallel lists). */
export interface GfnRanges {
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

/** Which SPTEs a zap removes. */
export type ZapFilter = 'shared' | 'private' | 'both';

/**
 * The filter a guest_memfd-originated invalidation zaps with: what the caller
 * asks, or only PRIVATE SPTEs under variant B20 (the filter of a kernel without
 * the GMEM_ONLY case of `kvm_gmem_get_invalidate_filter`).
 */
export function gmemZapFilter(filter: ZapFilter, env: ModelEnv): ZapFilter {
  return hasVariant(env, 'B20') ? 'private' : filter;
}

/** Begins an invalidation of file indices `[start, end)`; returns what `end` must close. */
export function* gmemInvalidateBegin(start: number, end: number, filter: ZapFilter, env: ModelEnv): Proc<GfnRanges> {
  const b = yield* callAny(ACTOR.gmem, { type: 'gmem.bindings', start, end });
  const ranges: GfnRanges = { starts: nums(b, 'gfnStarts'), ends: nums(b, 'gfnEnds') };
  if (ranges.starts.length === 0) {
    if (hasVariant(env, 'B1')) {
      // B1: begin is unconditional, but end (below) only runs for overlapping bindings.
      yield* lock(ACTOR.mmu, 'mmu', 'W');
      yield* callAny(ACTOR.mmu, { type: 'mmu.invalidate.begin' });
      yield* unlock(ACTOR.mmu, 'mmu', 'W');
    }
    return ranges;
  }
  yield* invalidateBeginRanges(ranges, filter, env);
  return ranges;
}

/** The GFN ranges of a `gmem.bindings` reply. */
export function rangesOf(bindings: Message): GfnRanges {
  return { starts: nums(bindings, 'gfnStarts'), ends: nums(bindings, 'gfnEnds') };
}

/**
 * `mmu_lock(W)`, `kvm_mmu_invalidate_begin`, then per range `range_add` and the
 * zap the filter selects ({@link gmemZapFilter}), `mmu_lock` released: the begin
 * half of a guest_memfd invalidation over already-resolved GFN ranges (nothing if
 * there are none).
 */
export function* invalidateBeginRanges(ranges: GfnRanges, requested: ZapFilter, env: ModelEnv): Proc<void> {
  if (ranges.starts.length === 0) return;
  const filter = gmemZapFilter(requested, env);
  yield* lock(ACTOR.mmu, 'mmu', 'W');
  yield* callAny(ACTOR.mmu, { type: 'mmu.invalidate.begin' });
  for (let i = 0; i < ranges.starts.length; i++) {
    const s = ranges.starts[i] as number;
    const e = ranges.ends[i] as number;
    yield* callAny(ACTOR.mmu, { type: 'mmu.invalidate.rangeAdd', start: s, end: e });
    yield* callAny(ACTOR.mmu, { type: 'mmu.zap', start: s, end: e, filter });
  }
  yield* unlock(ACTOR.mmu, 'mmu', 'W');
}

/** Ends the invalidation begun by {@link gmemInvalidateBegin}. */
export function* gmemInvalidateEnd(ranges: GfnRanges): Proc<void> {
  if (ranges.starts.length === 0) return;
  yield* lock(ACTOR.mmu, 'mmu', 'W');
  yield* callAny(ACTOR.mmu, { type: 'mmu.invalidate.end' });
  yield* unlock(ACTOR.mmu, 'mmu', 'W');
}
