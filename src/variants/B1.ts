/**
 * Variant B1: see `change`.
 */
import { ACTOR } from '../model/env.js';
import { invalidateBeginRanges, rangesOf } from '../procedures/gmemInvalidate.js';
import { call, callGmem, lock, unlock } from '../procedures/proc.js';
import { defineVariant } from './define.js';

/** Variant B1. */
export const V_B1 = defineVariant({
  id: 'B1',
  name: 'unbalanced invalidate_begin/end in guest_memfd punch-hole',
  change:
    'kvm_gmem_invalidate_begin takes mmu_lock and calls kvm_mmu_invalidate_begin even when no binding overlaps, while invalidate_end only runs for an overlap (F-b25a)',
  modes: ['rfc-inplace-v8', 'rfc-1g-v2'],
  breaks: 'INV-7',
  scenario: 'punch-unbound-vs-fault',
  patch: {
    paths: {
      // kvm_gmem_invalidate_begin before F-b25a: mmu_lock and kvm_mmu_invalidate_begin even when no binding overlaps,
      // while kvm_gmem_invalidate_end only ends an invalidation when one does.
      kvm_gmem_invalidate_begin: () =>
        function* (start, end, filter, ctx) {
          const ranges = rangesOf(yield* callGmem(ACTOR.gmem, { type: 'gmem.bindings', start, end }));
          if (ranges.starts.length === 0) {
            yield* lock(ACTOR.mmu, 'mmu', 'W');
            yield* call(ACTOR.mmu, { type: 'mmu.invalidate.begin' });
            yield* unlock(ACTOR.mmu, 'mmu', 'W');
            return ranges;
          }
          yield* invalidateBeginRanges(ranges, filter, ctx);
          return ranges;
        }
    }
  }
});
