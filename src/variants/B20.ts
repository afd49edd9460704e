/**
 * Variant B20: see `change`.
 */
import { defineVariant } from './define.js';

/** Variant B20. */
export const V_B20 = defineVariant({
  id: 'B20',
  name: 'guest_memfd invalidation zaps only private SPTEs of a GMEM_ONLY memslot (not in spec §5: the GMEM_ONLY case of INV-21)',
  change:
    'kvm_gmem_invalidate_begin (PUNCH_HOLE, release, memory failure) zaps with KVM_FILTER_PRIVATE whatever the file, as without kvm_gmem_get_invalidate_filter: the shared SPTEs of a GMEM_ONLY memslot map guest_memfd pages, no mmu-notifier covers them, and they survive the invalidation (PUNCH_HOLE: they keep mapping the freed page)',
  modes: ['upstream-6.18'],
  breaks: 'INV-21',
  alsoBreaks: ['INV-9'],
  scenario: 'gmem-only-shared-vs-punch',
  patch: {
    paths: {
      // No kvm_gmem_get_invalidate_filter: every guest_memfd-originated invalidation zaps PRIVATE SPTEs only.
      kvm_gmem_get_invalidate_filter: () => () => 'private'
    }
  }
});
