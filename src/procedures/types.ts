/**
 * Data the kernel paths hand each other (arguments and results of the named
 * paths in `kernel.ts`). Types only: no path imports another through here.
 */
import type { VcpuMode } from '../model/mmuRoots.js';

/** A folio held by the caller (one reference; locked if asked). */
export interface HeldFolio {
  readonly folio: string;
  readonly base: number;
  readonly order: number;
  readonly uptodate: boolean;
}

/** A lookup that failed: `-ENOMEM` (subpool empty) or the errno of a guest_memfd that does not exist. */
export interface FolioErr {
  readonly err: string;
}

/** Options of a page-cache lookup (`__filemap_get_folio` with `FGP_CREAT` / `FGP_LOCK`); `why` names the reference taken. */
export interface LookupOptions {
  readonly create: boolean;
  readonly lock: boolean;
  readonly why: 'fault' | 'fallocate' | 'kvm-pfn' | 'truncate' | 'memory-failure' | 'populate';
}

/** GFN ranges an invalidation covers (parallel lists). */
export interface GfnRanges {
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

/** Which SPTEs a zap removes (`enum kvm_gfn_range_filter`: `KVM_FILTER_SHARED` / `KVM_FILTER_PRIVATE`, or both). */
export type ZapFilter = 'shared' | 'private' | 'both';

/** Outcome of a host page fault on the guest_memfd mapping. */
export type FaultResult = 'ok' | 'SIGBUS';

/** What backs a hugepage of the file (rfc-1g-v2): nothing, one huge folio, or 4K folios after a split. */
export interface HugepageState {
  readonly base: number;
  readonly kind: 'none' | 'huge' | 'split';
  /** The huge folio (kind `huge`), else ''. */
  readonly folio: string;
}

/** A guest access as the KVM fault path sees it. */
export interface FaultRequest {
  readonly index: number;
  readonly gfn: number;
  readonly private: boolean;
  readonly write: boolean;
  /** Address space of the memslot lookup (1 = SMM); default 0. */
  readonly asId?: number;
  /** TDP root to install into (the vCPU mode's root, O13); default: the root of the access's private bit. */
  readonly root?: string;
  /** `fault->prefetch` (KVM_PRE_FAULT_MEMORY): an INVALID slot is `-EAGAIN`, not RET_PF_RETRY (F-3ccb). */
  readonly prefetch?: boolean;
  /**
   * `KVM_X86_SW_PROTECTED_VM`: the access carries no private bit; `kvm_mmu_page_fault` sets
   * `PFERR_PRIVATE_ACCESS` from the gfn's *current* attribute at each EPT violation (one read of the
   * attribute array, a scheduling point before the fault's own check), and `private` is ignored.
   */
  readonly synthesize?: boolean;
}

/** How a fault ended. */
export type FaultOutcome =
  /** An SPTE covers the gfn now (installed by this fault or found present by `mmu.install`). */
  | { readonly kind: 'mapped'; readonly level: number; readonly goal?: number }
  /** `KVM_EXIT_MEMORY_FAULT`: KVM_RUN returns -1/EFAULT (the fact is recorded). */
  | { readonly kind: 'memoryFault' }
  /** The retry bound was reached. */
  | { readonly kind: 'retryLimit' }
  /** Shared access without a memslot: `kvm_handle_noslot_fault` (MMIO emulation, upstream modes). */
  | { readonly kind: 'mmio' }
  /** Prefetch fault on a `KVM_MEMSLOT_INVALID` slot: `-EAGAIN` (F-3ccb). */
  | { readonly kind: 'again' };

/** One attempt's verdict: an outcome, or retry (`invalidSlot`: RET_PF_RETRY because the slot is being deleted). */
export type Attempt = FaultOutcome | { readonly kind: 'retry'; readonly invalidSlot?: boolean };

/** The range of a `KVM_PRE_FAULT_MEMORY` call (`struct kvm_pre_fault_memory`), updated as the call progresses; bytes. */
export interface PrefaultRange {
  gpa: number;
  size: number;
}

/** A range of a guest_memfd's indices (`[start, end)`). */
export interface GmemRange {
  readonly gmem: string;
  readonly start: number;
  readonly end: number;
}

/** Outcome of the RFC 1G-v1 guest_memfd step before a conversion to private: refused, or the files locked and what to restore. */
export type ShouldSetPrivate = { readonly rc: '-EINVAL' } | { readonly rc: null; readonly held: readonly string[]; readonly restore: readonly GmemRange[] };

/** A vCPU mode (normal, SMM, guest mode). */
export type { VcpuMode };
