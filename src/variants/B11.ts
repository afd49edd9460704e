/**
 * Variant B11: see `change`.
 */
import { call } from '../procedures/proc.js';
import { defineVariant } from './define.js';

/** Variant B11. */
export const V_B11 = defineVariant({
  id: 'B11',
  name: 'conversion check uses mapcount/pincount instead of refcount',
  change:
    'the safety check accepts a folio if !folio_mapped() && !folio_maybe_dma_pinned(), missing FOLL_GET references (rfc-1g-v1: kvm_gmem_no_mappings_range as posted; its v1 form is exposed by v1-vmsplice-munmap-convert)',
  modes: ['rfc-inplace-v8', 'rfc-1g-v1'],
  breaks: 'INV-2',
  scenario: 'vmsplice-munmap-convert',
  patch: {
    paths: {
      // !folio_mapped() && !folio_maybe_dma_pinned() instead of the refcount: blind to FOLL_GET references.
      kvm_gmem_is_safe_for_conversion: () => (folio) => call(folio, { type: 'folio.checkSafe', check: 'mapcount-pincount' })
    }
  }
});
