/**
 * The folio protocol (`struct folio` of the guest_memfd page cache, spec §1.3):
 * what threads, the address space and the LRU batches ask a folio, and what it
 * answers. Folio replies carry the folio's identity (`folio`, `base` index,
 * `order`) so a caller that looked a folio up knows what it got.
 *
 * Kernel sources: `mm/filemap.c` (`filemap_get_folio`, `folio_lock`,
 * `folio_unlock`), `include/linux/mm.h` (`folio_try_get`, `folio_put`,
 * `folio_ref_freeze`), `mm/gup.c` (`try_grab_folio`: FOLL_GET / FOLL_PIN),
 * `virt/kvm/guest_memfd.c` (`kvm_gmem_prepare_folio`,
 * `kvm_gmem_is_safe_for_conversion` of the in-place RFC).
 */

/** The identity every folio reply carries. */
export type FolioIdentity = { readonly folio: string; readonly base: number; readonly order: number };

/** Why a reference is taken or dropped (the `why` of `FolioRef` facts). */
export type FolioRefReason = 'fault' | 'fallocate' | 'kvm-pfn' | 'truncate' | 'memory-failure' | 'lru-drain' | 'populate';

/**
 * `folio.get{index, lock?, why}`: `folio_try_get` (+ `folio_lock` when `lock`,
 * waiting FIFO behind the holder). Fails (`ok: false`) on a freed or frozen
 * folio (no reference taken), and on a truncated folio, also one truncated while
 * the caller waited for the lock (a stale lookup: the reference taken is dropped
 * again, `why: 'lookup-stale'`; the caller retries the page-cache lookup).
 * `index` is the file index the lookup was for (the `HostFaultGotFolio` fact of
 * a `fault` lookup names it).
 */
export type FolioGet = { readonly type: 'folio.get'; readonly lock?: boolean; readonly why: FolioRefReason; readonly index: number };
/** Reply to `folio.get`: `ok` with the reference (and lock) taken; `uptodate` = `PG_uptodate`. */
export type FolioGot = { readonly type: 'folio.got' } & FolioIdentity & { readonly ok: boolean; readonly uptodate: boolean };
/** A folio's plain acknowledgement. */
export type FolioAck = { readonly type: 'ack' } & FolioIdentity;
/** The acknowledgement of a zap's `folio.unmap` (to the address space, `zap` = its zap number). */
export type FolioUnmapAck = { readonly type: 'ack' } & FolioIdentity & { readonly zap: number | null };
/** An acknowledgement that carries nothing (e.g. the inode's, once a freed HugeTLB page is back in the subpool). */
export type PlainAck = { readonly type: 'ack' };

/** `folio.prepare`: `kvm_arch_gmem_prepare` of the whole folio (e.g. SNP RMP private); idempotent. */
export type FolioPrepare = { readonly type: 'folio.prepare' };
/** `folio.archInvalidate{why, start?, end?}`: `kvm_arch_gmem_invalidate` of subpages `[start, end)` (absent: the whole folio). */
export type FolioArchInvalidate = { readonly type: 'folio.archInvalidate'; readonly why: string; readonly start?: number; readonly end?: number };
/** `folio.zero`: `folio_zero_range` of the whole folio + `folio_mark_uptodate`. */
export type FolioZero = { readonly type: 'folio.zero' };
/** `folio.zeroRange{start, end}`: `folio_zero_range` of subpages `[start, end)` (a partial-hugepage PUNCH_HOLE). */
export type FolioZeroRange = { readonly type: 'folio.zeroRange'; readonly start: number; readonly end: number };
/** `folio.unlock`: `folio_unlock` by the holder; the next waiter is granted (or told to retry if the folio was truncated). */
export type FolioUnlock = { readonly type: 'folio.unlock' };
/** `folio.put{why}`: `folio_put`; the last reference frees the folio (`free_folio`). */
export type FolioPut = { readonly type: 'folio.put'; readonly why: FolioRefReason };
/** `folio.freeze`: `folio_ref_freeze(folio, nr_pages)` of `filemap_remove_folio_for_restructuring` (split/merge, O15). */
export type FolioFreeze = { readonly type: 'folio.freeze' };
/**
 * Reply to `folio.freeze`: `ok` if only the page cache's references were left.
 * On success it hands over what the new folios inherit: contents (`subpages` ->
 * `values`), uptodate, the HugeTLB page, and the arch-prepared runs.
 */
export type FolioFrozen = { readonly type: 'folio.frozen' } & FolioIdentity & {
    readonly preparedStarts?: readonly number[];
    readonly preparedEnds?: readonly number[];
    readonly ok: boolean;
    readonly refcount: number;
    readonly uptodate: boolean;
    readonly hugePage: string | null;
    readonly hugeOrigin: string | null;
    readonly subpages: readonly number[];
    readonly values: readonly number[];
  };
/** `folio.unfreeze`: `folio_ref_unfreeze` (a split or merge rolled back). */
export type FolioUnfreeze = { readonly type: 'folio.unfreeze' };
/** `folio.truncate`: `truncate_inode_folio` under the folio lock: the page cache drops its `nr_pages` references. */
export type FolioTruncate = { readonly type: 'folio.truncate' };
/** `folio.pin{subpage, kind, longterm, pin}`: GUP (`FOLL_GET` or `FOLL_PIN`, optionally `FOLL_LONGTERM`) named `pin`. */
export type FolioPin = {
  readonly type: 'folio.pin';
  readonly subpage: number;
  readonly kind: 'get' | 'pin';
  readonly longterm: boolean;
  readonly pin: string;
};
/** Reply to `folio.pin`: `ok: false` on a freed or frozen folio (`try_grab_folio` fails). */
export type FolioPinned = { readonly type: 'folio.pinned' } & FolioIdentity & { readonly ok: boolean };
/** `folio.unpin{pin}`: `unpin_user_page` / `put_page` of the GUP reference named `pin`. */
export type FolioUnpin = { readonly type: 'folio.unpin'; readonly pin: string };
/**
 * `folio.checkSafe{check}`: `kvm_gmem_is_safe_for_conversion` (refcount ==
 * nr_pages + the checker's own lookup) or, with `mapcount-pincount`, B11's
 * `!folio_mapped() && !folio_maybe_dma_pinned()`.
 */
export type FolioCheckSafe = { readonly type: 'folio.checkSafe'; readonly check: 'refcount' | 'mapcount-pincount' };
/** Reply to `folio.checkSafe`. */
export type FolioSafe = { readonly type: 'folio.safe' } & FolioIdentity & { readonly ok: boolean };
/**
 * `folio.counts`: a read of the folio's counters as kernel code sees them, for
 * a safety check of one's own (a variant's `kvm_gmem_is_safe_for_conversion`):
 * `folio_ref_count` (including the asker's own lookup reference, like
 * `folio.checkSafe`), `folio_nr_pages`, `folio_mapped` and
 * `folio_maybe_dma_pinned`. A FOLL_GET reference (vmsplice, O_DIRECT) shows
 * only in `refcount`. No fact: the reading is the asker's decision to record.
 */
export type FolioCountsRead = { readonly type: 'folio.counts' };
/** Reply to `folio.counts`. */
export type FolioCounts = { readonly type: 'folio.counts' } & FolioIdentity & {
    readonly refcount: number;
    readonly nrPages: number;
    readonly mapped: boolean;
    readonly maybeDmaPinned: boolean;
  };
/**
 * `folio.access{subpage, write, value, replyTo?}`: a load or store through a
 * present mapping (host PTE, SPTE); the answer goes to `replyTo` when the
 * mapping's owner forwarded the access on behalf of a thread.
 */
export type FolioAccess = {
  readonly type: 'folio.access';
  readonly subpage: number;
  readonly write: boolean;
  readonly value: number;
  readonly replyTo?: string;
};
/** Reply to `folio.access`: the value read, or the value written. */
export type FolioAccessed = { readonly type: 'folio.accessed' } & FolioIdentity & { readonly value: number };
/** `folio.map{subpage}` (one-way, from the address space): a host PTE now maps `subpage`; it owns the fault's reference. */
export type FolioMap = { readonly type: 'folio.map'; readonly subpage: number };
/** `folio.unmap{subpage, zap}` (from the address space): a host PTE of `subpage` was zapped; its reference is dropped. */
export type FolioUnmap = { readonly type: 'folio.unmap'; readonly subpage: number; readonly zap: number };
/** `folio.deferredFree{hops}` (to itself, option `freeHugetlbFolio: 'deferred-worker'`, variant B17): the worker that returns the huge page runs `hops` more steps. */
export type FolioDeferredFree = { readonly type: 'folio.deferredFree'; readonly hops: number };

/** Requests a folio serves, each with its reply. */
export type FolioRequests = {
  'folio.get': { req: FolioGet; reply: FolioGot };
  'folio.prepare': { req: FolioPrepare; reply: FolioAck };
  'folio.archInvalidate': { req: FolioArchInvalidate; reply: FolioAck };
  'folio.zero': { req: FolioZero; reply: FolioAck };
  'folio.zeroRange': { req: FolioZeroRange; reply: FolioAck };
  'folio.unlock': { req: FolioUnlock; reply: FolioAck };
  /** The last put of a HugeTLB folio is answered by the inode once the page is back in the subpool. */
  'folio.put': { req: FolioPut; reply: FolioAck | PlainAck };
  'folio.freeze': { req: FolioFreeze; reply: FolioFrozen };
  'folio.unfreeze': { req: FolioUnfreeze; reply: FolioAck };
  'folio.truncate': { req: FolioTruncate; reply: FolioAck };
  'folio.pin': { req: FolioPin; reply: FolioPinned };
  'folio.unpin': { req: FolioUnpin; reply: FolioAck | PlainAck };
  'folio.checkSafe': { req: FolioCheckSafe; reply: FolioSafe };
  'folio.counts': { req: FolioCountsRead; reply: FolioCounts };
  /** Also served by the userspace memory (`shm`), whose pages answer with the value only. */
  'folio.access': { req: FolioAccess; reply: FolioAccessed | ShmAccessed };
  'folio.unmap': { req: FolioUnmap; reply: FolioUnmapAck };
};

/** The userspace memory's answer to `folio.access` (an anonymous page has no folio identity in the model). */
export type ShmAccessed = { readonly type: 'folio.accessed'; readonly value: number };

/** One-way messages a folio accepts. */
export type FolioNotice = FolioMap | FolioDeferredFree;

/** Every message a folio accepts. */
export type FolioInbox = FolioRequests[keyof FolioRequests]['req'] | FolioNotice;
