/**
 * Variant B17: see `change`.
 */
import { defineVariant } from './define.js';

/** Variant B17. */
export const V_B17 = defineVariant({
  id: 'B17',
  name: 'deferred HugeTLB pool return',
  change:
    'the free_folio of a truncated huge folio is queued to a kernel worker instead of returning the page to the subpool before the last folio_put returns, so PUNCH_HOLE returns with the page still out of the subpool and an immediate fallocate can fail with -ENOMEM',
  modes: ['rfc-1g-v2'],
  breaks: 'INV-11',
  scenario: 'hugepage-punch-refallocate',
  patch: {
    // free_folio queued to a kernel worker: the huge page goes back to the subpool some steps after the last put.
    owners: { folio: { freeHugetlbFolio: 'deferred-worker' } }
  }
});
