/**
 * Variant B13: see `change`.
 */
import { callGmem } from '../procedures/proc.js';
import type { KernelPaths } from '../procedures/kernel.js';
import { defineVariant } from './define.js';

/**
 * `kvm_gmem_set_faultable` as posted with the TODO: one `xa_store_range` entry
 * for the whole range, so a later store over part of it replaces all of it.
 */
export const rangeStoreFaultable: KernelPaths['kvm_gmem_set_faultable'] = function* (gmem, start, end, faultable) {
  yield* callGmem(gmem, { type: 'gmem.faultable.store', start, end, faultable, how: 'range' });
};

/** Variant B13. */
export const V_B13 = defineVariant({
  id: 'B13',
  name: 'range store that clobbers neighbouring ranges',
  change:
    'kvm_gmem_set_faultable stores the range as one xa_store_range entry instead of per-index xa_store: a later store overlapping part of an entry replaces all of it (store_range(5,10,FAULT) then store_range(7,12,NULL) clears [5,12])',
  modes: ['rfc-1g-v1'],
  breaks: 'STORE-EXACT',
  scenario: 'b13-range-store-clobber',
  patch: {
    paths: {
      kvm_gmem_set_faultable: () => rangeStoreFaultable
    }
  }
});
