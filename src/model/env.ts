/**
 * The static environment every actor of a run shares: mode, variant, sizes and
 * the ids of the singleton actors.
 */
import type { Mode } from './modes.js';

/** Page size in bytes. */
export const PAGE_SIZE = 4096;
/** GUP_PIN_COUNTING_BIAS: refs a FOLL_PIN adds to a small folio (spec §1.3.1). */
export const GUP_PIN_COUNTING_BIAS = 1024;

/** Ids of the singleton actors. */
export const ACTOR = {
  gmem: 'gmem0',
  mm: 'mm',
  mmu: 'mmu',
  /** The VM (`struct kvm`: memslots, slots_lock, SRCU, VM attributes; machines/kvm/kvm.ts). */
  kvm: 'kvm',
  /** Host userspace memory behind memslots' `userspace_addr` (upstream shared backing; shmemMachine.ts). */
  shm: 'shm',
  /** Userspace synchronisation between VMM threads (spec §6.3; userSyncMachine.ts). */
  usync: 'usync',
  /** Core-mm's hardware-poison state (O17; hwpoisonMachine.ts). */
  hwpoison: 'hwpoison',
  /** The per-CPU LRU-add folio batches (lruMachine.ts). */
  lru: 'lru'
} as const;

/** VM types (`KVM_CREATE_VM` type; spec §1.9, O1). */
export const VM_TYPES = ['DEFAULT', 'SW_PROTECTED', 'SNP', 'TDX'] as const;
/** A VM type. */
export type VmType = (typeof VM_TYPES)[number];

/** A memslot the VM has at set-up (spec §1.6). */
export interface MemslotConfig {
  readonly id: number;
  readonly asId: number;
  readonly baseGfn: number;
  readonly npages: number;
  /** `KVM_MEM_GUEST_MEMFD`: bound to guest_memfd actor `gmem` at page offset `pgoff`. */
  readonly gmem: string | null;
  readonly pgoff: number;
  /** `userspace_addr` as a host page number (0 = NULL). */
  readonly userspacePage: number;
  /** Host page size backing `userspace_addr` (THP / hugetlbfs): 1 = 4K, 2 = 2M, 3 = 1G. */
  readonly sharedLevel: number;
}

/** The VM of a run (upstream modes use it as the memslot and attribute truth). */
export interface VmConfig {
  readonly type: VmType;
  /** GFN that guest op `index` 0 means in the upstream modes (`gfn = gfnBase + index`). */
  readonly gfnBase: number;
  readonly memslots: readonly MemslotConfig[];
}

/** Shared, immutable run environment. */
export interface ModelEnv {
  readonly mode: Mode;
  /** Active variant id, or null for the correct protocol. */
  readonly variant: string | null;
  /** guest_memfd size in pages. */
  readonly pages: number;
  /** Folio order the allocator hands out (0 = 4K, 9 = 2M, 18 = 1G). */
  readonly folioOrder: number;
  /** guest_memfd flags, e.g. `INIT_SHARED`. */
  readonly initShared: boolean;
  /** Memslot binding of the guest_memfd (slot 0), or null if unbound. */
  readonly binding: { readonly slot: number; readonly baseGfn: number; readonly pgoff: number; readonly npages: number } | null;
  /** Free hugepages of the host-global HugeTLB pool before the guest_memfd is created (rfc-1g-v2); absent = exactly enough. */
  readonly hugePoolPages?: number;
  /** `GUEST_MEMFD_FLAG_MMAP` (upstream-6.18); absent = false. */
  readonly gmemMmap?: boolean;
  /** The VM (type and set-up memslots); absent = a SW_PROTECTED VM whose slot 0 is {@link ModelEnv.binding}. */
  readonly vm?: VmConfig;
  /** The run injects memory failures (O17): `kvm_gmem_get_pfn` tests `PG_hwpoison` (actor `hwpoison`); absent = false. */
  readonly hwpoison?: boolean;
  /** The design's guest_memfd allocates huge folios from a HugeTLB subpool (RFC 1G; the mode table's capability); absent = false. */
  readonly hugetlbAllocator?: boolean;
}
