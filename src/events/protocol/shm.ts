/**
 * The userspace-memory protocol (spec §1.4 "shared memory not from
 * guest_memfd", O8, O10 f): the anonymous memory behind memslots'
 * `userspace_addr`, one actor (`shm`) keyed by host page number (hva >> 12).
 * KVM faults a shared gfn in through GUP of the hva (`__kvm_faultin_pfn` ->
 * `hva_to_pfn`, `virt/kvm/kvm_main.c`); userspace discards pages with
 * `MADV_DONTNEED` / `munmap` (`zap_page_range_single`, `mm/memory.c`).
 *
 * The memory also serves `folio.access` (a load or store through a shared SPTE
 * forwarded by the MMU, or a VMM access), answered with `ShmAccessed` (value only);
 * that request is declared once, in the folio protocol (`FolioRequests`).
 */
import type { FolioAccess, PlainAck } from './folio.js';

/** `shm.gup{page}`: GUP of host page `page` (the pfn of a shared gfn; the model keeps no reference on it). */
export type ShmGup = { readonly type: 'shm.gup'; readonly page: number };
/** Reply to `shm.gup`: the page faulted in. */
export type ShmPage = { readonly type: 'shm.page'; readonly page: number };
/** `shm.zap{start, end}`: `MADV_DONTNEED` / `munmap` of host pages `[start, end)`: they read 0 again (fact `ShmPageZapped`). */
export type ShmZap = { readonly type: 'shm.zap'; readonly start: number; readonly end: number };

/** Requests the userspace memory serves (besides `folio.access`), each with its reply. */
export type ShmRequests = {
  'shm.gup': { req: ShmGup; reply: ShmPage };
  'shm.zap': { req: ShmZap; reply: PlainAck };
};

/** Every message the userspace memory accepts. */
export type ShmInbox = ShmGup | ShmZap | FolioAccess;
