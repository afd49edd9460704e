/**
 * Variant B22: see `change`.
 */
import { defineVariant } from './define.js';

/** Variant B22. */
export const V_B22 = defineVariant({
  id: 'B22',
  name: 'conversion to shared without the arch invalidation of the converted pages (not in spec §5: the INV-16 hook of S-1G-v2)',
  change:
    'KVM_GMEM_CONVERT_SHARED stores SHAREABILITY_ALL without calling kvm_arch_gmem_invalidate on the converted pages (kvm_gmem_shareability_apply without the hook of "KVM: guest_memfd: Call arch invalidation hooks when converting to shared"): the split 4K folios keep the RMP-private state the guest fault prepared, and the host maps them',
  modes: ['rfc-1g-v2'],
  breaks: 'INV-16',
  scenario: 'hugepage-arch-prepare-convert',
  patch: {
    paths: {
      // kvm_gmem_shareability_apply(SHAREABILITY_ALL) without kvm_arch_gmem_invalidate of the converted pages.
      kvm_gmem_convert_arch_invalidate: () =>
        function* () {
          yield* [];
        }
    }
  }
});
