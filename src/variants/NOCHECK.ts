/**
 * Variant NOCHECK: see `change`.
 */
import { defineVariant } from './define.js';

/** Variant NOCHECK. */
export const V_NOCHECK = defineVariant({
  id: 'NOCHECK',
  name: 'conversion without any safety check',
  change: 'KVM_SET_MEMORY_ATTRIBUTES2 to private skips kvm_gmem_is_safe_for_conversion entirely',
  modes: ['rfc-inplace-v8'],
  breaks: 'INV-2',
  scenario: 'pin-vs-convert',
  patch: {
    paths: {
      // No kvm_gmem_is_safe_for_conversion at all: the conversion to private proceeds whatever references exist.
      kvm_gmem_check_conversion: () =>
        function* () {
          yield* [];
          return null;
        }
    }
  }
});
