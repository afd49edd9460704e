/**
 * Variant B12: see `change`.
 */
import { kvmGmemFaultUserMapping } from '../procedures/hostFault.js';
import { defineVariant } from './define.js';

/** Variant B12. */
export const V_B12 = defineVariant({
  id: 'B12',
  name: 'per-folio (not per-subpage) pin tracking on a huge folio',
  change:
    'huge folios are never split: a 2M/1G folio with mixed shared/private subpages is host-mapped and GUP-pinned as one large folio, whose pins core-mm cannot attribute to subpages',
  modes: ['rfc-1g-v2'],
  breaks: 'INV-12',
  scenario: 'hugepage-subpage-pin-convert',
  patch: {
    paths: {
      // The huge folio is never split after a conversion to shared...
      kvm_gmem_split_for_shared: () =>
        function* () {
          yield* [];
          return 'kept';
        },
      // ...and the host fault maps it whole (no WARN_ON_ONCE(folio_test_large(folio))).
      kvm_gmem_fault_user_mapping: () => (index, ctx) => kvmGmemFaultUserMapping(index, ctx, { invalidateLock: true, mapLargeFolios: true })
    },
    // ...nor right after allocation when its hugepage has a shared index.
    owners: { gmem: { splitOnAllocate: false } }
  }
});
