/**
 * The VMM address-space protocol (actor `mm`, spec §1.4, O8, O9): the host page
 * table of the VMM's shared mmap of the guest_memfd (page `p` of the mapping is
 * file index `p`), its PTE locks, and zaps that complete once every folio
 * dropped the zapped PTEs' references.
 *
 * Kernel sources: `mm/memory.c` (`handle_mm_fault`, `finish_fault` / `set_pte_at`
 * under the PTL, `zap_page_range_single`, `unmap_mapping_pages`), `mm/gup.c`
 * (`follow_page_pte` holds the PTL), `mm/mmu_gather.c` (`tlb_finish_mmu`).
 */
import type { FolioAccessed, FolioUnmapAck, PlainAck } from './folio.js';

/** `mm.access{page, write, value?}`: a VMM load or store through its mapping; a present PTE forwards it to the folio, which answers the caller. */
export type MmAccess = { readonly type: 'mm.access'; readonly page: number; readonly write: boolean; readonly value?: number };
/** Reply to `mm.access` when no PTE maps the page (the caller faults it in). */
export type MmNotPresent = { readonly type: 'mm.notPresent'; readonly page: number };
/**
 * `mm.pteInstall{page, folio, subpage, index}`: `finish_fault` / `set_pte_at` under the PTL (waits while a GUP walker
 * holds the page's PTE lock); the PTE takes over the fault's folio reference (`folio.map`). Fact `HostPteInstalled`.
 */
export type MmPteInstall = { readonly type: 'mm.pteInstall'; readonly page: number; readonly folio: string; readonly subpage: number; readonly index: number };
/** Reply to `mm.pteInstall`: `installed: false` if a PTE was already present (another fault won). */
export type MmPteInstalled = { readonly type: 'mm.pteInstalled'; readonly installed: boolean };
/** `mm.gupLookup{page}`: `follow_page_pte`: the PTE, with its PTE lock held by the caller when present (waits while another holds it). */
export type MmGupLookup = { readonly type: 'mm.gupLookup'; readonly page: number };
/** Reply to `mm.gupLookup`: `present: false, folio: null, subpage: 0` when no PTE maps the page. */
export type MmPte = { readonly type: 'mm.pte'; readonly present: boolean; readonly folio: string | null; readonly subpage: number };
/** `mm.pteUnlock{page}`: the GUP walker drops the PTE lock; requests that waited for it are retried, oldest first. */
export type MmPteUnlock = { readonly type: 'mm.pteUnlock'; readonly page: number };
/**
 * `mm.zap{start, end}`: munmap / `MADV_DONTNEED` / `unmap_mapping_pages` of pages `[start, end)` (waits while a PTE
 * lock in the range is held): clears the PTEs at once (`HostPteZapped`), sends each folio `folio.unmap`, and completes
 * once every folio acknowledged (`tlb_finish_mmu`).
 */
export type MmZap = { readonly type: 'mm.zap'; readonly start: number; readonly end: number };
/** Reply to `mm.zap`: the PTEs it cleared. */
export type MmZapped = { readonly type: 'mm.zapped'; readonly n: number };
/** Reply to `mm.access` through a present PTE: the folio's own answer (sent to the caller directly). */
export type MmAccessed = FolioAccessed;

/** Requests the address space serves, each with its reply. */
export type MmRequests = {
  'mm.access': { req: MmAccess; reply: MmNotPresent | MmAccessed };
  'mm.pteInstall': { req: MmPteInstall; reply: MmPteInstalled };
  'mm.gupLookup': { req: MmGupLookup; reply: MmPte };
  'mm.pteUnlock': { req: MmPteUnlock; reply: PlainAck };
  'mm.zap': { req: MmZap; reply: MmZapped };
};

/** A request to the address space. */
export type MmRequest = MmRequests[keyof MmRequests]['req'];

/** Replies the address space receives as a client: a folio's acknowledgement of a zap's `folio.unmap`. */
export type MmClientReply = FolioUnmapAck;

/** Every message the address space accepts. */
export type MmInbox = MmRequest | MmClientReply;
