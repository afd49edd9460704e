/**
 * Variant B3: see `change`.
 */
import { ACTOR } from '../model/env.js';
import { call } from '../procedures/proc.js';
import { addPartialHugepages } from '../procedures/setMemoryAttributes.js';
import { defineVariant } from './define.js';

/** Variant B3. */
export const V_B3 = defineVariant({
  id: 'B3',
  name: 'shared-only memslots not zapped on attribute change',
  change: 'kvm_arch_pre_set_memory_attributes skips memslots without guest_memfd, so their shared SPTEs survive a change to private (F-fb6f)',
  modes: ['upstream-6.8', 'upstream-6.18'],
  breaks: 'INV-21',
  scenario: 'upstream-attr-vs-fault',
  patch: {
    paths: {
      // kvm_arch_pre_set_memory_attributes before F-fb6f: returns early for memslots that cannot be private
      // (no guest_memfd), so their shared SPTEs survive a change to private.
      kvm_arch_pre_set_memory_attributes: () =>
        function* (slot, start, end, filter, withGmem) {
          yield* addPartialHugepages(slot, start, end);
          if (withGmem) yield* call(ACTOR.mmu, { type: 'mmu.zap', start, end, filter });
        }
    }
  }
});
