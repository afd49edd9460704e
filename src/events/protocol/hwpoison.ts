/**
 * The hwpoison protocol: core-mm's `PG_hwpoison` state of guest_memfd pages
 * (spec O17; `mm/memory-failure.c`: `memory_failure` sets the flag,
 * `kvm_gmem_get_pfn` tests it with `folio_test_hwpoison`).
 */
import type { PlainAck } from './folio.js';

/** `hwpoison.set{folio, gmem, index}`: `memory_failure` marks page `index` (of `folio`) poisoned. */
export type HwpoisonSet = { readonly type: 'hwpoison.set'; readonly folio: string; readonly gmem: string; readonly index: number };
/** `hwpoison.test{folio}`: `folio_test_hwpoison`. */
export type HwpoisonTest = { readonly type: 'hwpoison.test'; readonly folio: string };
/** Reply to `hwpoison.test`. */
export type HwpoisonState = { readonly type: 'hwpoison.state'; readonly poisoned: boolean };

/** Requests the hwpoison state serves, each with its reply. */
export type HwpoisonRequests = {
  'hwpoison.set': { req: HwpoisonSet; reply: PlainAck };
  'hwpoison.test': { req: HwpoisonTest; reply: HwpoisonState };
};

/** Every message the hwpoison state accepts. */
export type HwpoisonInbox = HwpoisonSet | HwpoisonTest;
