/**
 * Variant B5: see `change`.
 */
import { defineVariant } from './define.js';

/** Variant B5. */
export const V_B5 = defineVariant({
  id: 'B5',
  name: 'mixed-attribute tracking reads lpage_info beyond the memslot',
  change:
    'kvm_arch_post_set_memory_attributes evaluates the head hugepage whenever its aligned gfn is inside the slot, even if the hugepage extends past the slot end (F-992b: vmalloc out-of-bounds read)',
  modes: ['upstream-6.8', 'upstream-6.18'],
  breaks: 'INV-8',
  scenario: 'upstream-lpage-head',
  patch: {
    // kvm_arch_post_set_memory_attributes before F-992b: the head hugepage is evaluated whenever its aligned gfn
    // is inside the memslot, reading lpage_info past the memslot's end.
    owners: { kvm: { lpageHead: 'base-in-slot' } }
  }
});
