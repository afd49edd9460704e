/**
 * Variant B21: see `change`.
 */
import { v1SetShared } from '../procedures/gmemFaultability.js';
import { defineVariant } from './define.js';

/** Variant B21. */
export const V_B21 = defineVariant({
  id: 'B21',
  name: 'hugepage made host-faultable without the split (not in spec §5: the RFC 1G-v1 "split before mapping to userspace" rule, INV-12)',
  change:
    'kvm_gmem_should_set_attributes_shared sets the range faultable without splitting the HugeTLB folio behind it: the hugepage keeps its HugeTLB status while indices of it are host-faultable (the host fault then finds a large folio: SIGBUS)',
  modes: ['rfc-1g-v1'],
  breaks: 'INV-12',
  scenario: 'v1-hugepage-split-vs-guest',
  patch: {
    paths: {
      // kvm_gmem_should_set_attributes_shared without the split: the range becomes faultable while the HugeTLB
      // folio behind it keeps its huge status.
      kvm_gmem_should_set_attributes_shared: () => (start, end, ctx) => v1SetShared(start, end, ctx, { splitHugepages: false })
    }
  }
});
