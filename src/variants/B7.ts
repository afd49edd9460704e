/**
 * Variant B7: see `change`.
 */
import { ACTOR } from '../model/env.js';
import { call, callGmem, lock, unlock } from '../procedures/proc.js';
import { defineVariant } from './define.js';

/** Variant B7. */
export const V_B7 = defineVariant({
  id: 'B7',
  name: 'guest_memfd release vs memslot deletion use-after-free',
  change:
    'kvm_gmem_unbind returns early when get_file_active fails (file dying, release not yet run), leaving the binding to a memslot that is then freed; kvm_gmem_release later writes slot->gmem.file into freed memory (F-ae43)',
  modes: ['upstream-6.8', 'upstream-6.18'],
  breaks: 'INV-10',
  scenario: 'upstream-release-vs-delete',
  patch: {
    paths: {
      // kvm_gmem_unbind before F-ae43: get_file_active fails on a dying file and the unbind returns early, leaving
      // the binding (and slot->gmem.file) for kvm_gmem_release to write after the memslot is freed.
      kvm_gmem_unbind: () =>
        function* (slot, gmem) {
          if (!(yield* callGmem(gmem, { type: 'gmem.file.active' })).ok) return;
          yield* lock(gmem, 'invalidate', 'W');
          yield* callGmem(gmem, { type: 'gmem.unbind', slot });
          yield* call(ACTOR.kvm, { type: 'kvm.memslot.clearGmem', slot });
          yield* unlock(gmem, 'invalidate', 'W');
        }
    }
  }
});
