/**
 * Variant B18: see `change`.
 */
import { defineVariant } from './define.js';

/** Variant B18. */
export const V_B18 = defineVariant({
  id: 'B18',
  name: 'transient references make conversion fail spuriously',
  change: 'the safety check does not drain the per-CPU LRU-add batches, so a recently added folio keeps a transient reference and every retry gets -EAGAIN',
  modes: ['rfc-inplace-v8'],
  breaks: 'LIVENESS',
  scenario: 'fault-munmap-convert-retry',
  patch: {
    paths: {
      // No lru_add_drain_all() before the refcount check: the batches' transient references stay.
      lru_add_drain_all: () =>
        function* () {
          yield* [];
        }
    }
  }
});
