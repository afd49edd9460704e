/**
 * Variant B2: see `change`.
 */
import { defineVariant } from './define.js';

/** Variant B2. */
export const V_B2 = defineVariant({
  id: 'B2',
  name: 'attribute change without range_add',
  change:
    'the pre-set handler of KVM_SET_MEMORY_ATTRIBUTES begins the invalidation and zaps but never calls kvm_mmu_invalidate_range_add, so the invalidation ends with its range still INVALID (F-69c7; a racing fault is saved only by the WARN+retry of the locked check)',
  modes: ['upstream-6.8', 'upstream-6.18'],
  breaks: 'INV-7',
  scenario: 'upstream-attr-vs-fault',
  patch: {
    paths: {
      // kvm_pre_set_memory_attributes before F-69c7: the arch hook zaps, but the range never joins the invalidation.
      kvm_pre_set_memory_attributes: () => (slot, start, end, filter, withGmem, ctx) =>
        ctx.kernel.kvm_arch_pre_set_memory_attributes(slot, start, end, filter, withGmem, ctx)
    }
  }
});
