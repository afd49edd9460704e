/**
 * The KVM MMU protocol (x86 TDP MMU, actor `mmu`, spec §1.8, O10, O12): the
 * invalidation protocol (`mmu_invalidate_begin` / `range_add` / `end`, run by
 * attribute changes, guest_memfd invalidations and mmu-notifiers under
 * `mmu_lock(W)`), SPTE zaps, and the vCPU fault path's requests (seq snapshot,
 * stale checks, install, root load, guest accesses). `mmu_lock` itself speaks
 * the lock protocol (`lock.ts`).
 *
 * Kernel sources: `virt/kvm/kvm_main.c` (`kvm_mmu_invalidate_begin`,
 * `kvm_mmu_invalidate_range_add`, `kvm_mmu_invalidate_end`),
 * `include/linux/kvm_host.h` (`mmu_invalidate_retry_gfn{,_unsafe}`),
 * `arch/x86/kvm/mmu/tdp_mmu.c` (`kvm_tdp_mmu_map`, `kvm_tdp_mmu_unmap_gfn_range`,
 * `kvm_tdp_mmu_alloc_root`), `arch/x86/kvm/mmu/mmu.c` (`kvm_mmu_reload`, `is_page_fault_stale`).
 */
import type { FolioAccessed, PlainAck, ShmAccessed } from './folio.js';
import type { LockInbox } from './lock.js';

// --- the invalidation protocol

/** `mmu.invalidate.begin`: `kvm_mmu_invalidate_begin`: `mmu_invalidate_in_progress++` (0 -> 1 resets the range; fact `InvalidateBegin`). */
export type MmuInvalidateBegin = { readonly type: 'mmu.invalidate.begin' };
/** `mmu.invalidate.rangeAdd{start, end}`: `kvm_mmu_invalidate_range_add` widens the range to cover gfns `[start, end)` (fact `RangeAdded`). */
export type MmuInvalidateRangeAdd = { readonly type: 'mmu.invalidate.rangeAdd'; readonly start: number; readonly end: number };
/** `mmu.invalidate.end`: `kvm_mmu_invalidate_end`: `mmu_invalidate_seq++`, `in_progress--` (fact `InvalidateEnd`); at 0 the `mmu.waitIdle` waiters are answered. */
export type MmuInvalidateEnd = { readonly type: 'mmu.invalidate.end' };
/** Which SPTEs a zap removes (`KVM_FILTER_SHARED` / `KVM_FILTER_PRIVATE` / both). */
export type ZapFilter = 'shared' | 'private' | 'both';
/** `mmu.zap{start, end, filter}`: `kvm_unmap_gfn_range` over gfns `[start, end)` in every root (a `SpteZapped` fact per leaf). */
export type MmuZap = { readonly type: 'mmu.zap'; readonly start: number; readonly end: number; readonly filter: ZapFilter };
/** Reply to `mmu.zap`: the leaves removed; sent once the guest accesses in flight through them completed (the TLB flush). */
export type MmuZapAck = { readonly type: 'ack'; readonly zapped: number };
/** `mmu.waitIdle`: a vCPU that got `RET_PF_RETRY` refaults once no invalidation is in progress. */
export type MmuWaitIdle = { readonly type: 'mmu.waitIdle' };
/** Reply to `mmu.waitIdle`. */
export type MmuIdle = { readonly type: 'mmu.idle' };

// --- the vCPU fault path (O10)

/** `mmu.seq`: `fault->mmu_seq = kvm->mmu_invalidate_seq`. */
export type MmuSeqQuery = { readonly type: 'mmu.seq' };
/** Reply to `mmu.seq` (same type name as the request). */
export type MmuSeq = { readonly type: 'mmu.seq'; readonly seq: number };
/**
 * `mmu.staleCheck{gfn, seq, locked}`: `mmu_invalidate_retry_gfn_unsafe` (lock-free) or, with `locked`,
 * `mmu_invalidate_retry_gfn` under `mmu_lock` (`is_page_fault_stale`); fact `StaleCheck`.
 */
export type MmuStaleCheck = { readonly type: 'mmu.staleCheck'; readonly gfn: number; readonly seq: number; readonly locked: boolean };
/** Reply to `mmu.staleCheck`: `ok: false` = the fault must retry. */
export type MmuStale = { readonly type: 'mmu.stale'; readonly ok: boolean };
/**
 * `mmu.install{root, gfn, level, private, pfn, subpage}`: `kvm_tdp_mmu_map` of one leaf covering `gfn` at `level`
 * (1 = 4K, 2 = 2M, 3 = 1G) mapping page `subpage` of `pfn` (a folio id, or `shm`); fact `SptInstalled`.
 */
export type MmuInstall = {
  readonly type: 'mmu.install';
  readonly root: string;
  readonly gfn: number;
  readonly level: number;
  readonly private: boolean;
  readonly pfn: string;
  readonly subpage: number;
};
/** Reply to `mmu.install`: `installed: false, level: 0` if a leaf already covered the gfn (`RET_PF_SPURIOUS`); else the level mapped. */
export type MmuInstalled = { readonly type: 'mmu.installed'; readonly installed: boolean; readonly level: number };
/**
 * `mmu.root.load{root, fail?}`: `kvm_mmu_reload` -> `kvm_tdp_mmu_alloc_root` of the vCPU mode's root; `fail`: the
 * vCPU thread's fault injection makes the allocation fail. Fact `MmuRootLoaded`.
 */
export type MmuRootLoad = { readonly type: 'mmu.root.load'; readonly root: string; readonly fail?: boolean };
/** Reply to `mmu.root.load`. */
export type MmuRoot = { readonly type: 'mmu.root'; readonly ok: boolean; readonly root: string };
/**
 * `mmu.access{root | roots, gfn, write, value?}`: a guest load or store through the SPTE covering `gfn` in `root`
 * (or the first of `roots` that maps it: a SW_PROTECTED access carries no private bit). Forwarded to the page.
 */
export type MmuAccess = {
  readonly type: 'mmu.access';
  readonly root?: string;
  readonly roots?: readonly string[];
  readonly gfn: number;
  readonly write: boolean;
  readonly value?: number;
};
/** Reply to `mmu.access` when no SPTE maps the gfn: the EPT violation. */
export type MmuNotPresent = { readonly type: 'mmu.notPresent'; readonly gfn: number };
/** Reply to `mmu.access` through a present SPTE: the page's answer, forwarded (`folio` = the page's actor). */
export type MmuAccessed = { readonly type: 'folio.accessed'; readonly folio: string; readonly value: number };

/** Requests the MMU serves (besides `lock.acquire` / `lock.release` of `mmu_lock`), each with its reply. */
export type MmuRequests = {
  'mmu.invalidate.begin': { req: MmuInvalidateBegin; reply: PlainAck };
  'mmu.invalidate.rangeAdd': { req: MmuInvalidateRangeAdd; reply: PlainAck };
  'mmu.invalidate.end': { req: MmuInvalidateEnd; reply: PlainAck };
  'mmu.zap': { req: MmuZap; reply: MmuZapAck };
  'mmu.waitIdle': { req: MmuWaitIdle; reply: MmuIdle };
  'mmu.seq': { req: MmuSeqQuery; reply: MmuSeq };
  'mmu.staleCheck': { req: MmuStaleCheck; reply: MmuStale };
  'mmu.install': { req: MmuInstall; reply: MmuInstalled };
  'mmu.root.load': { req: MmuRootLoad; reply: MmuRoot };
  'mmu.access': { req: MmuAccess; reply: MmuNotPresent | MmuAccessed };
};

/** Replies the MMU receives as a client: a page's answer to an access it forwarded (a folio's, or the userspace memory's). */
export type MmuClientReply = FolioAccessed | ShmAccessed;

/** What the invalidation state (`mmu_invalidate_*`) accepts. */
export type MmuInvalidationInbox = MmuInvalidateBegin | MmuInvalidateRangeAdd | MmuInvalidateEnd | MmuWaitIdle | MmuSeqQuery | MmuStaleCheck;
/** What the TDP page tables (roots and SPTEs) accept. */
export type MmuTdpInbox = MmuZap | MmuInstall | MmuRootLoad | MmuAccess;
/** What the TLB (guest accesses in flight, zaps waiting for their flush) accepts. */
export type MmuTlbInbox = MmuClientReply;

/** Every message the MMU accepts: its requests, `mmu_lock`'s, and the pages' access replies. */
export type MmuInbox = MmuRequests[keyof MmuRequests]['req'] | LockInbox | MmuClientReply;
