/**
 * What the parts of the guest_memfd inode share (`src/machines/gmem/`): the
 * owner options, the file's parameters, the data one part hands another, and
 * the internal events by which a part changes a sibling.
 *
 * A part reads a sibling only through a {@link Sibling} handle's `read`
 * (its context, read-only) and changes it only by `send`ing it one of the
 * internal events below, synchronously, at the point of its action where the
 * kernel makes the change (so facts keep their order). Internal events are not
 * messages of the world: they never reach the log.
 */
import type { ActorPort } from '../../events/actorPort.js';
import type { Faultability, FaultEncoding } from '../../model/faultability.js';
import type { Subpool } from '../../model/hugetlb.js';
import type { RangeMap } from '../../model/rangeMap.js';

/**
 * Owner options of the guest_memfd inode: the kernel behaviours the designs
 * differ in (the mode table's `owners.gmem`, patched by a variant; the
 * allocator follows the file's folio size, `src/run/actors.ts`).
 */
export type GmemOptions = {
  /**
   * Where folios come from: `buddy`, one folio of `folioOrder` per allocation
   * from the page allocator (`filemap_alloc_folio`); `hugetlb`, HugeTLB pages of
   * `folioOrder` from a subpool reserved when the file is created
   * (`guestmem_hugetlb`, RFC 1G: a creation that cannot reserve fails, an
   * allocation from an exhausted subpool fails `-ENOMEM`; hugepages split and
   * merge, O3, O15).
   */
  readonly allocator: 'buddy' | 'hugetlb';
  /**
   * Where guest_memfd keeps whether the host may fault an index: `attributes`,
   * its own per-index attribute tree (RFC in-place `attributes` maple tree, RFC
   * 1G-v2 shareability, fd-2022's allocated-means-private; kept in the upstream
   * modes too, whose paths read the VM's attributes instead), or
   * `faultability`, the RFC 1G-v1 faultability xarray beside the VM's
   * attribute array (the attribute tree then is a stub that records no
   * creation fact; only the shared HugeTLB punch-hole probe reads it).
   */
  readonly privacy: 'attributes' | 'faultability';
  /**
   * What sets an index's attribute: `store`, a conversion (`gmem.attr.store`),
   * every index starting `!INIT_SHARED`; `allocation`, fd-2022's "private
   * exactly when allocated in the backing store": every index starts shared,
   * allocating a folio stores private, removing it stores shared.
   */
  readonly attributeSource: 'store' | 'allocation';
  /**
   * `filemap_add_folio` -> `folio_add_lru` parks each new folio in an LRU-add
   * batch with a transient reference (RFC in-place v8, where conversions check
   * refcounts; B18).
   */
  readonly lruBatchOnAdd: boolean;
  /**
   * HugeTLB: a new hugepage with a shared index is split at once
   * (`kvm_gmem_try_split_folio_in_filemap` right after allocation); false
   * (B12) keeps every huge folio whole.
   */
  readonly splitOnAllocate: boolean;
  /** Encoding of the RFC 1G-v1 faultability xarray (B13-INV: `present-unfaultable`); unused with `attributes`. */
  readonly faultEncoding: FaultEncoding;
};

/** The parameters of one guest_memfd file (`KVM_CREATE_GUEST_MEMFD`: size and flags; the run's folio order and HugeTLB pool). */
export type GmemParams = {
  /** Size in 4K pages. */
  readonly pages: number;
  /** Order of the folios the allocator hands out (0: 4K; 9: 2M; 18: 1G). */
  readonly folioOrder: number;
  /** `GUEST_MEMFD_FLAG_MMAP`. */
  readonly mmap: boolean;
  /** `GUEST_MEMFD_FLAG_INIT_SHARED`. */
  readonly initShared: boolean;
  /** Free hugepages of the host-global HugeTLB pool before the reservation (absent: just enough). */
  readonly hugePoolPages?: number;
};

/** What every part's input starts with. */
export type PartInput = { readonly port: ActorPort; readonly params: GmemParams; readonly options: GmemOptions };

/** A read-only view of a sibling part and the internal events it takes. */
export type Sibling<View, Event> = {
  /** The sibling's current context (read-only). */
  readonly read: () => View;
  /** Delivers an internal event to the sibling, synchronously. */
  readonly send: (event: Event) => void;
};

/** A page-cache entry: the folio covering `[base, base + 2^order)`. */
export type CacheEntry = { readonly folio: string; readonly base: number; readonly order: number };

/** A split hugepage (O15): its 4K folios exist from the split on, but get an actor only when first touched. */
export type SplitHugepage = {
  readonly state: 'split';
  /** The physical huge page (the hugeOrigin of every 4K folio). */
  readonly page: string;
  /** The huge folio that was split. */
  readonly origin: string;
  readonly order: number;
  /** Uptodate of the 4K folios not yet materialised (inherited from the huge folio). */
  readonly uptodate: boolean;
  /** Sparse contents of the 4K folios not yet materialised: subpage -> value. */
  readonly contents: ReadonlyMap<number, number>;
  /** Materialised 4K folios: subpage -> folio id. */
  readonly materialized: ReadonlyMap<number, string>;
  /** Arch-prepared subpages among those not yet materialised (INV-16); null = none. */
  readonly prepared: RangeMap<boolean> | null;
};

/** A hugepage the page cache holds as one huge folio. */
export type HugeHugepage = { readonly state: 'huge'; readonly page: string; readonly folio: string };

/** A hugepage of the file: backed by one huge folio, or split into 4K folios. */
export type Hugepage = HugeHugepage | SplitHugepage;

/** What the page cache reads of the HugeTLB part. */
export type HugetlbView = {
  readonly subpool: Subpool;
  /** The file's hugepages, by base index. */
  readonly hugepages: ReadonlyMap<number, Hugepage>;
};

/** What the HugeTLB part reads of the page cache. */
export type FilemapView = {
  /** Number of the next folio id (`<inode>/f<n>`). */
  readonly nextFolio: number;
};

/** What the page cache reads of the attributes. */
export type AttributesView = { readonly attrs: RangeMap<boolean> };

/** What the page cache reads of the faultability xarray. */
export type FaultabilityView = { readonly xarray: Faultability };

/** fd-2022 (to the attributes): the backing store allocated (`private`) or dropped the pages `[start, end)` for `by`. */
export type AttributesSet = { readonly type: 'attributes.set'; readonly start: number; readonly end: number; readonly private: boolean; readonly by: string };

/** Internal events of the attributes part. */
export type AttributesInternal = AttributesSet;

/** (to the HugeTLB part) A hugepage taken from the subpool for huge folio `folio` at `base` (fact `HugePageAllocated`). */
export type HugetlbAllocate = { readonly type: 'hugetlb.allocate'; readonly base: number; readonly folio: string };
/** (to the HugeTLB part) The new huge folio at `base` is split at once (fact `FolioSplit`, reason `alloc`). */
export type HugetlbSplitNew = { readonly type: 'hugetlb.splitNew'; readonly base: number };
/** (to the HugeTLB part) The 4K folio of subpage `sub` of the split hugepage at `base` got actor `folio`. */
export type HugetlbMaterialize = { readonly type: 'hugetlb.materialize'; readonly base: number; readonly sub: number; readonly folio: string };
/** (to the HugeTLB part) The huge folio at `base` left the page cache (truncation); its page returns at `free_folio`. */
export type HugetlbTruncate = { readonly type: 'hugetlb.truncate'; readonly base: number };
/** (to the HugeTLB part) `kvm_arch_gmem_invalidate` of `[start, end)` for the 4K pages of split hugepages not yet materialised. */
export type HugetlbArchInvalidate = { readonly type: 'hugetlb.archInvalidate'; readonly start: number; readonly end: number; readonly why: string };

/** Internal events of the HugeTLB part. */
export type HugetlbInternal = HugetlbAllocate | HugetlbSplitNew | HugetlbMaterialize | HugetlbTruncate | HugetlbArchInvalidate;

/** (to the page cache) The huge folio at `base` was split: its entry goes (the 4K folios appear as they are touched). */
export type FilemapDelete = { readonly type: 'filemap.delete'; readonly base: number };
/** (to the page cache) The 4K folios at indices `subs` were merged into `folio` at `base`, which took the next folio id. */
export type FilemapMerged = {
  readonly type: 'filemap.merged';
  readonly folio: string;
  readonly base: number;
  readonly order: number;
  readonly subs: readonly number[];
};

/** Internal events of the page cache. */
export type FilemapInternal = FilemapDelete | FilemapMerged;
