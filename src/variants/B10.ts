/**
 * Variant B10: see `change`.
 */
import { kvmGmemFaultUserMapping } from '../procedures/hostFault.js';
import { defineVariant } from './define.js';

/** Variant B10. */
export const V_B10 = defineVariant({
  id: 'B10',
  name: 'shareability checked outside the lock that serialises conversion',
  change: 'the host fault reads the attribute (rfc-1g-v1: the faultability) and takes the folio without filemap_invalidate_lock_shared (v1 before patch 39)',
  modes: ['rfc-inplace-v8', 'rfc-1g-v1'],
  breaks: 'INV-4',
  scenario: 'convert-vs-fault',
  patch: {
    paths: {
      // The host fault without filemap_invalidate_lock_shared: the check and the folio reference can straddle a conversion.
      kvm_gmem_fault_user_mapping: () => (index, ctx) => kvmGmemFaultUserMapping(index, ctx, { invalidateLock: false, mapLargeFolios: false })
    }
  }
});
