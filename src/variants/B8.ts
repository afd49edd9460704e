/**
 * Variant B8: see `change`.
 */
import { defineVariant } from './define.js';

/** Variant B8. */
export const V_B8 = defineVariant({
  id: 'B8',
  name: 'pre-fault vs memslot deletion deadlock',
  change:
    'a pre-fault (fault->prefetch) on a KVM_MEMSLOT_INVALID slot returns RET_PF_RETRY instead of -EAGAIN, so KVM_PRE_FAULT_MEMORY spins inside its SRCU read section until the deletion completes, while the deletion waits in synchronize_srcu for that section (F-3ccb)',
  modes: ['upstream-6.8', 'upstream-6.18'],
  breaks: 'INV-14',
  scenario: 'prefault-vs-memslot-delete',
  patch: {
    paths: {
      // kvm_faultin_pfn before F-3ccb: RET_PF_RETRY on an INVALID memslot even for a prefetch fault, so
      // KVM_PRE_FAULT_MEMORY spins inside its SRCU read section.
      kvm_faultin_pfn_invalid_slot: () => () => ({ kind: 'retry', invalidSlot: true })
    }
  }
});
