/**
 * Variant B19: see `change`.
 */
import { ACTOR } from '../model/env.js';
import { call } from '../procedures/proc.js';
import { defineVariant } from './define.js';

/** Variant B19. */
export const V_B19 = defineVariant({
  id: 'B19',
  name: 'hugepage installed while memory attributes are changing (not in spec §5: found by gmemsim, upstream 9129633d568e)',
  change:
    'kvm_arch_pre_set_memory_attributes adds only the changing gfns to the invalidation, not the head/tail hugepages they partly cover, so a fault on a neighbouring gfn installs a hugepage from stale mixed flags',
  modes: ['upstream-6.8', 'upstream-6.18'],
  breaks: 'INV-21',
  alsoBreaks: ['INV-8', 'INV-5'],
  scenario: 'upstream-lpage-levels',
  patch: {
    paths: {
      // kvm_arch_pre_set_memory_attributes before 9129633d568e: zaps, but the hugepages the change only partly
      // covers stay out of the invalidation, so a racing fault can install one from stale mixed flags.
      kvm_arch_pre_set_memory_attributes: () =>
        function* (_slot, start, end, filter) {
          yield* call(ACTOR.mmu, { type: 'mmu.zap', start, end, filter });
        }
    }
  }
});
