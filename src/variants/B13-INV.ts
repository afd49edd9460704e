/**
 * Variant B13-INV: see `change`.
 */
import { rangeStoreFaultable } from './B13.js';
import { defineVariant } from './define.js';

/** Variant B13-INV. */
export const V_B13_INV = defineVariant({
  id: 'B13-INV',
  name: 'clobbering range store with the inverted faultability encoding',
  change:
    'as B13, with presence meaning unfaultable (the encoding the RFC thread mentions): erasing a shared range erases the neighbouring unfaultable entry whole, so private pages become host-faultable',
  modes: ['rfc-1g-v1'],
  breaks: 'INV-3',
  scenario: 'b13-inverted-clobber',
  patch: {
    paths: {
      kvm_gmem_set_faultable: () => rangeStoreFaultable
    },
    // Presence in the xarray means unfaultable.
    owners: { gmem: { faultEncoding: 'present-unfaultable' } }
  }
});
