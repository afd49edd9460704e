/**
 * The guest_memfd inode protocol (spec §1.1, §1.2; `virt/kvm/guest_memfd.c`):
 * what kernel paths ask the inode (`gmem0`, or a guest_memfd created at run
 * time) and what it answers. The inode is a composite owner
 * (`src/machines/gmem/`): its `invalidate_lock` speaks the lock protocol
 * (`lock.ts`, lock name `invalidate`); the rest is here, by kernel object:
 *
 * - the file (`struct file` of the guest_memfd, `gmem_file`): `gmem.stat`
 *   (fstat), `gmem.file.active` (`get_file_active`), `gmem.fput` (the VMM's
 *   close), `gmem.released` (the end of `kvm_gmem_release`);
 * - the memslot bindings (`gmem_file.bindings`): `gmem.bindings`, `gmem.bind`
 *   (`kvm_gmem_bind`), `gmem.unbind` (`kvm_gmem_unbind`);
 * - the per-index attributes (RFC in-place maple tree; the RFC 1G-v2
 *   shareability, `true` = SHAREABILITY_GUEST): `gmem.attr.read`,
 *   `gmem.attr.range`, `gmem.attr.store`, `gmem.attr.runs`;
 * - the RFC 1G-v1 faultability xarray: `gmem.faultable.read`,
 *   `gmem.faultable.store`, `gmem.faultable.runs`;
 * - the page cache (`address_space`): `gmem.filemap.get`
 *   (`kvm_gmem_get_folio`), `gmem.filemap.list`, `gmem.filemap.remove`
 *   (`filemap_remove_folio`), `gmem.lru.drain` (`lru_add_drain_all`, answered
 *   by the LRU batches), `gmem.archInvalidate` (`kvm_arch_gmem_invalidate` of a
 *   range, INV-16);
 * - the HugeTLB subpool and its hugepages (RFC 1G, O3, O15): `gmem.hugepages`,
 *   `gmem.split.subs`, `gmem.split` (`kvm_gmem_split_folio_in_filemap`),
 *   `gmem.merge` (`kvm_gmem_merge_folio_in_filemap`), `gmem.zeroRange`, and
 *   the one-way `gmem.pool.free` a freed HugeTLB folio sends (`free_folio`).
 *
 * When `KVM_CREATE_GUEST_MEMFD` failed (the HugeTLB reservation, fact
 * `GmemCreateFailed`) there is no file: every request but the lock's is
 * answered {@link GmemError} `-EBADF`, so each reply below also admits it.
 */
import type { StoreHow } from '../../model/faultability.js';
import type { PlainAck } from './folio.js';
import type { LockInbox } from './lock.js';

/** Answer to any `gmem.*` request of a guest_memfd whose creation failed: there is no file descriptor (`-EBADF`). */
export type GmemError = { readonly type: 'gmem.error'; readonly rc: '-EBADF' };

// --- the file -------------------------------------------------------------------------------------

/** Lifetime of the guest_memfd file: `dying` between the last `fput` and the end of `kvm_gmem_release`. */
export type GmemFileState = 'open' | 'dying' | 'released';

/** `gmem.stat`: fstat of the guest_memfd. */
export type GmemStat = { readonly type: 'gmem.stat' };
/**
 * Reply to `gmem.stat`: `size` in bytes (pages * 4096), `blksize` 4096, the
 * inode number, the creation flags (`GUEST_MEMFD_FLAG_MMAP`,
 * `GUEST_MEMFD_FLAG_INIT_SHARED`) and the file's lifetime.
 */
export type GmemStatReply = {
  readonly type: 'gmem.stat';
  readonly size: number;
  readonly blksize: number;
  readonly ino: number;
  readonly mmap: boolean;
  readonly initShared: boolean;
  readonly file: GmemFileState;
};
/** `gmem.file.active`: `get_file_active` (`kvm_gmem_get_file`): fails once the last reference is gone. */
export type GmemFileActive = { readonly type: 'gmem.file.active' };
/** Reply to `gmem.file.active`. */
export type GmemFileActiveReply = { readonly type: 'gmem.file.active'; readonly ok: boolean };
/** `gmem.fput`: the VMM drops its file reference (close); the last one queues `kvm_gmem_release` to a kernel worker. */
export type GmemFput = { readonly type: 'gmem.fput' };
/** `gmem.released`: the kernel worker finished `kvm_gmem_release` (O5); the file is gone. */
export type GmemReleaseDone = { readonly type: 'gmem.released' };

// --- the memslot bindings -------------------------------------------------------------------------

/** `gmem.bindings{start, end}`: the GFN ranges (and memslot uids) bound to file indices `[start, end)`. */
export type GmemBindingsQuery = { readonly type: 'gmem.bindings'; readonly start: number; readonly end: number };
/** Reply to `gmem.bindings`: parallel lists, one entry per binding overlapping the range, GFNs clipped to it. */
export type GmemBindingList = {
  readonly type: 'gmem.bindings';
  readonly gfnStarts: readonly number[];
  readonly gfnEnds: readonly number[];
  readonly slots: readonly string[];
};
/**
 * `gmem.bind{slot, id, baseGfn, pgoff, npages}`: `kvm_gmem_bind` of memslot
 * `id` (object uid `slot`) at GFN `baseGfn` to indices `[pgoff, pgoff + npages)`.
 */
export type GmemBind = {
  readonly type: 'gmem.bind';
  readonly slot: string;
  readonly id: number;
  readonly baseGfn: number;
  readonly pgoff: number;
  readonly npages: number;
};
/** Reply to `gmem.bind`: `-EBADF` if the file is not open, `-EINVAL` beyond `i_size` or over a bound range. */
export type GmemBound = { readonly type: 'gmem.bound'; readonly rc: '0' | '-EBADF' | '-EINVAL' };
/** `gmem.unbind{slot}`: `kvm_gmem_unbind` of the memslot with uid `slot` (nothing if it is not bound). */
export type GmemUnbind = { readonly type: 'gmem.unbind'; readonly slot: string };
/** Reply to `gmem.unbind`: how many bindings went. */
export type GmemUnbound = { readonly type: 'ack'; readonly unbound: number };

// --- the attributes -------------------------------------------------------------------------------

/** `gmem.attr.read{index}`: the attribute of one index (`true` = private; rfc-1g-v2: SHAREABILITY_GUEST). */
export type GmemAttrRead = { readonly type: 'gmem.attr.read'; readonly index: number };
/** Reply to `gmem.attr.read`. */
export type GmemAttr = { readonly type: 'gmem.attr'; readonly index: number; readonly private: boolean };
/**
 * `gmem.attr.range{start, end, private, quiet?}`: is every index of
 * `[start, end)` `private`? (a conversion's no-op check, fact `AttrCheckNoop`
 * unless `quiet`; the fault's max-mapping-level probe is quiet).
 */
export type GmemAttrRange = {
  readonly type: 'gmem.attr.range';
  readonly start: number;
  readonly end: number;
  readonly private: boolean;
  readonly quiet?: boolean;
};
/** Reply to `gmem.attr.range`. */
export type GmemAttrUniform = { readonly type: 'gmem.attr.range'; readonly uniform: boolean };
/** `gmem.attr.store{start, end, private}`: sets the attribute of `[start, end)` (fact `AttrStored`). */
export type GmemAttrStore = { readonly type: 'gmem.attr.store'; readonly start: number; readonly end: number; readonly private: boolean };
/** `gmem.attr.runs{start, end}`: the maximal runs of equal attribute over `[start, end)`. */
export type GmemAttrRuns = { readonly type: 'gmem.attr.runs'; readonly start: number; readonly end: number };
/** Reply to `gmem.attr.runs`: parallel lists, one entry per run. */
export type GmemAttrRunList = {
  readonly type: 'gmem.attr.runs';
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  readonly privs: readonly boolean[];
};

// --- the RFC 1G-v1 faultability xarray ------------------------------------------------------------

/** `gmem.faultable.read{index}`: `kvm_gmem_is_faultable` (fact `FaultabilityRead`). */
export type GmemFaultableRead = { readonly type: 'gmem.faultable.read'; readonly index: number };
/** Reply to `gmem.faultable.read`; `private` is `!faultable` (what the host fault tests). */
export type GmemFaultable = { readonly type: 'gmem.faultable'; readonly index: number; readonly faultable: boolean; readonly private: boolean };
/**
 * `gmem.faultable.store{start, end, faultable, how}`: `kvm_gmem_set_faultable`
 * per index (`xa_store`) or as one range entry (`xa_store_range`, B13); fact
 * `FaultabilityStored` with the runs of every index the store touched.
 */
export type GmemFaultableStore = {
  readonly type: 'gmem.faultable.store';
  readonly start: number;
  readonly end: number;
  readonly faultable: boolean;
  readonly how: StoreHow;
};
/** `gmem.faultable.runs{start, end}`: the maximal runs of equal faultability over `[start, end)`. */
export type GmemFaultableRuns = { readonly type: 'gmem.faultable.runs'; readonly start: number; readonly end: number };
/** Reply to `gmem.faultable.runs`: parallel lists, one entry per run. */
export type GmemFaultableRunList = {
  readonly type: 'gmem.faultable.runs';
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  readonly faultable: readonly boolean[];
};

// --- the page cache -------------------------------------------------------------------------------

/** `gmem.filemap.get{index, create}`: `kvm_gmem_get_folio` lookup (`create`: FGP_CREAT, allocates a folio). */
export type GmemFilemapGet = { readonly type: 'gmem.filemap.get'; readonly index: number; readonly create: boolean };
/**
 * Reply to `gmem.filemap.get`: the folio covering `index` (`[base, base +
 * 2^order)`), or `folio: null` (`base` = the index, `order` 0) if there is none
 * and `create` was false, or with `err: '-ENOMEM'` if the HugeTLB subpool had
 * no page.
 */
export type GmemFolio = {
  readonly type: 'gmem.folio';
  readonly folio: string | null;
  readonly base: number;
  readonly order: number;
  readonly err?: '-ENOMEM';
};
/** `gmem.filemap.list{start, end}`: the folios of the page cache overlapping `[start, end)`, by index. */
export type GmemFilemapList = { readonly type: 'gmem.filemap.list'; readonly start: number; readonly end: number };
/** Reply to `gmem.filemap.list`. */
export type GmemFolioList = { readonly type: 'gmem.folios'; readonly folios: readonly string[] };
/** `gmem.filemap.remove{folio}`: `filemap_remove_folio` (truncation, under the folio lock). */
export type GmemFilemapRemove = { readonly type: 'gmem.filemap.remove'; readonly folio: string };
/**
 * `gmem.lru.drain`: `lru_add_drain_all()` for this file's folios; the inode
 * forwards it to the LRU batches behind every `lru.add` it sent, and the
 * batches answer {@link GmemLruDrained} to the caller.
 */
export type GmemLruDrain = { readonly type: 'gmem.lru.drain' };
/** Reply to `gmem.lru.drain`, from the LRU batches (`lru.drained`). */
export type GmemLruDrained = { readonly type: 'lru.drained' };
/**
 * `gmem.archInvalidate{start, end, why}`: `kvm_arch_gmem_invalidate` of file
 * range `[start, end)` (`kvm_gmem_shareability_apply` to SHAREABILITY_ALL,
 * INV-16): the inode invalidates the 4K pages of split hugepages that have no
 * folio yet (fact `FolioArchInvalidated` on the huge folio they came from) and
 * answers the folios overlapping the range, for the caller to invalidate.
 */
export type GmemArchInvalidate = { readonly type: 'gmem.archInvalidate'; readonly start: number; readonly end: number; readonly why: string };
/** Reply to `gmem.archInvalidate`: parallel lists, each folio with the subpage range `[starts[i], ends[i])` it has in the range. */
export type GmemFolioRanges = {
  readonly type: 'gmem.folios';
  readonly folios: readonly string[];
  readonly starts: readonly number[];
  readonly ends: readonly number[];
};

// --- the HugeTLB subpool and its hugepages --------------------------------------------------------

/** What backs one hugepage of the file: nothing, one huge folio, or the 4K folios of a split. */
export type HugepageKind = 'none' | 'huge' | 'split';
/** Why a hugepage is split (`gmem.split`): a conversion to shared (the split on allocation is the inode's own). */
export type HugepageSplitReason = 'convert';
/** Why a hugepage is merged (`gmem.merge`): a conversion to private, a PUNCH_HOLE of the whole hugepage, a rolled-back conversion. */
export type HugepageMergeReason = 'convert' | 'truncate' | 'rollback';

/** `gmem.hugepages{start, end}`: the hugepages overlapping `[start, end)` and what backs each. */
export type GmemHugepages = { readonly type: 'gmem.hugepages'; readonly start: number; readonly end: number };
/** Reply to `gmem.hugepages`: parallel lists by hugepage; `folios[i]` is the huge folio of a `huge` one, else `''`. */
export type GmemHugepageList = {
  readonly type: 'gmem.hugepages';
  readonly bases: readonly number[];
  readonly kinds: readonly HugepageKind[];
  readonly folios: readonly string[];
};
/** `gmem.split.subs{base}`: the 4K folios of the split hugepage at `base` that exist (were touched). */
export type GmemSplitSubs = { readonly type: 'gmem.split.subs'; readonly base: number };
/** Reply to `gmem.split.subs`: parallel lists by subpage, in index order (empty if the hugepage is not split). */
export type GmemSubFolios = { readonly type: 'gmem.split.subs'; readonly folios: readonly string[]; readonly indices: readonly number[] };
/**
 * `gmem.split{folio, base, reason, hugePage, uptodate, subpages, values,
 * preparedStarts?, preparedEnds?}`: `kvm_gmem_split_folio_in_filemap` of the
 * huge folio at `base`, which the caller froze (`folio.frozen` gave what its 4K
 * folios inherit: uptodate, the contents `subpages` -> `values`, the
 * arch-prepared runs). Fact `FolioSplit`.
 */
export type GmemSplit = {
  readonly type: 'gmem.split';
  readonly folio: string;
  readonly base: number;
  readonly reason: HugepageSplitReason;
  readonly hugePage: string;
  readonly uptodate: boolean;
  readonly subpages: readonly number[];
  readonly values: readonly number[];
  readonly preparedStarts?: readonly number[];
  readonly preparedEnds?: readonly number[];
};
/**
 * `gmem.merge{base, reason, folios, uptodates, values, prepareds?}`:
 * `kvm_gmem_merge_folio_in_filemap` of the split hugepage at `base`; the caller
 * froze every existing 4K folio (`folios`, with what each had: uptodate, the
 * value of its page, arch-prepared). Fact `FolioMerged`.
 */
export type GmemMerge = {
  readonly type: 'gmem.merge';
  readonly base: number;
  readonly reason: HugepageMergeReason;
  readonly folios: readonly string[];
  readonly uptodates: readonly boolean[];
  readonly values: readonly number[];
  readonly prepareds?: readonly boolean[];
};
/** Reply to `gmem.merge`: the merged huge folio, or `ok: false` if `folios` are not the hugepage's 4K folios. */
export type GmemMerged =
  { readonly type: 'gmem.merged'; readonly ok: true; readonly folio: string } | { readonly type: 'gmem.merged'; readonly ok: false; readonly folio: null };
/** `gmem.zeroRange{start, end}`: PUNCH_HOLE of part of split hugepages: their pages that have no folio yet are zeroed. */
export type GmemZeroRange = { readonly type: 'gmem.zeroRange'; readonly start: number; readonly end: number };
/**
 * `gmem.pool.free{page, folio, notify, replyTo?}` (one-way, from a freed
 * HugeTLB folio): `free_folio` gave HugeTLB page `page` back to the subpool
 * (fact `FolioFreedToPool`). With `notify` the inode answers `ack` to
 * `replyTo`, the thread whose `folio.put` freed the folio (that put's reply).
 */
export type GmemPoolFree = {
  readonly type: 'gmem.pool.free';
  readonly page: string;
  readonly folio: string;
  readonly notify: boolean;
  readonly replyTo?: string;
};

/** Requests the guest_memfd inode serves (besides its `invalidate_lock`'s), each with its reply. */
export type GmemRequests = {
  'gmem.stat': { req: GmemStat; reply: GmemStatReply | GmemError };
  'gmem.file.active': { req: GmemFileActive; reply: GmemFileActiveReply | GmemError };
  'gmem.fput': { req: GmemFput; reply: PlainAck | GmemError };
  'gmem.released': { req: GmemReleaseDone; reply: PlainAck | GmemError };
  'gmem.bindings': { req: GmemBindingsQuery; reply: GmemBindingList | GmemError };
  'gmem.bind': { req: GmemBind; reply: GmemBound | GmemError };
  'gmem.unbind': { req: GmemUnbind; reply: GmemUnbound | GmemError };
  'gmem.attr.read': { req: GmemAttrRead; reply: GmemAttr | GmemError };
  'gmem.attr.range': { req: GmemAttrRange; reply: GmemAttrUniform | GmemError };
  'gmem.attr.store': { req: GmemAttrStore; reply: PlainAck | GmemError };
  'gmem.attr.runs': { req: GmemAttrRuns; reply: GmemAttrRunList | GmemError };
  'gmem.faultable.read': { req: GmemFaultableRead; reply: GmemFaultable | GmemError };
  'gmem.faultable.store': { req: GmemFaultableStore; reply: PlainAck | GmemError };
  'gmem.faultable.runs': { req: GmemFaultableRuns; reply: GmemFaultableRunList | GmemError };
  'gmem.filemap.get': { req: GmemFilemapGet; reply: GmemFolio | GmemError };
  'gmem.filemap.list': { req: GmemFilemapList; reply: GmemFolioList | GmemError };
  'gmem.filemap.remove': { req: GmemFilemapRemove; reply: PlainAck | GmemError };
  'gmem.lru.drain': { req: GmemLruDrain; reply: GmemLruDrained | GmemError };
  'gmem.archInvalidate': { req: GmemArchInvalidate; reply: GmemFolioRanges | GmemError };
  'gmem.hugepages': { req: GmemHugepages; reply: GmemHugepageList | GmemError };
  'gmem.split.subs': { req: GmemSplitSubs; reply: GmemSubFolios | GmemError };
  'gmem.split': { req: GmemSplit; reply: PlainAck | GmemError };
  'gmem.merge': { req: GmemMerge; reply: GmemMerged | GmemError };
  'gmem.zeroRange': { req: GmemZeroRange; reply: PlainAck | GmemError };
};

/** A `gmem.*` request. */
export type GmemRequest = GmemRequests[keyof GmemRequests]['req'];

/** One-way messages the inode accepts. */
export type GmemNotice = GmemPoolFree;

/** Every message the guest_memfd inode accepts: its requests, the folios' notices, its `invalidate_lock`'s requests. */
export type GmemInbox = GmemRequest | GmemNotice | LockInbox;
