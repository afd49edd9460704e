/**
 * Variant B6: see `change`.
 */
import { VENDOR_PRIVATE_MAX_LEVEL } from '../procedures/kvmPageFault.js';
import { defineVariant } from './define.js';

/** Variant B6. */
export const V_B6 = defineVariant({
  id: 'B6',
  name: 'private mapping level may exceed the guest_memfd folio order',
  change: 'kvm_max_private_mapping_level() computes max_level = min(folio order, fault max, vendor limit) but returns the vendor level (F-MAXLVL)',
  modes: ['rfc-1g-v2'],
  breaks: 'INV-8',
  scenario: 'hugepage-private-fault-2m',
  patch: {
    paths: {
      // kvm_max_private_mapping_level() computes max_level = min(folio order, fault max, vendor limit) but returns the
      // vendor's req_max_level; only order-0 folios (the early PG_LEVEL_4K return) mask it.
      kvm_max_private_mapping_level: (original) =>
        function* (req, base, order, ctx) {
          if (ctx.env.binding !== null && req.private && order > 0) return VENDOR_PRIVATE_MAX_LEVEL;
          return yield* original(req, base, order, ctx);
        }
    }
  }
});
