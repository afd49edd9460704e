/**
 * Variant B15: see `change`.
 */
import { defineVariant } from './define.js';

/** Variant B15. */
export const V_B15 = defineVariant({
  id: 'B15',
  name: 'SPTE installed without the locked retry check',
  change:
    'the vCPU fault installs the SPTE under mmu_lock without mmu_invalidate_retry_gfn, trusting only the lockless mmu_invalidate_retry_gfn_unsafe pre-checks (the SPTE then outlives the truncation: INV-9 follows)',
  modes: ['rfc-inplace-v8'],
  breaks: 'INV-6',
  alsoBreaks: ['INV-16', 'INV-5', 'INV-9'],
  scenario: 'private-fault-vs-punch-hole',
  patch: {
    paths: {
      // No mmu_invalidate_retry_gfn under mmu_lock: the fault trusts the lockless checks made before it.
      is_page_fault_stale: () =>
        function* () {
          yield* [];
          return false;
        }
    }
  }
});
