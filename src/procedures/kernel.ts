/**
 * The kernel a procedure runs in: the thread context (`ProcContext`) and the
 * table of named kernel paths (`KernelPaths`).
 *
 * A protocol design (a mode, `src/modes`) is a choice of implementation for
 * every named path, made once when a run starts; a variant (`src/variants`)
 * replaces or wraps some of them. Procedures never test the mode or the
 * variant: they call the paths of the table they run with,
 * `yield* ctx.kernel.kvm_gmem_punch_hole(op, ctx)`, so a design differs from
 * another only in its table. Paths are named after the kernel function they
 * model (or, for a decision inside one, after the function and the decision).
 */
import type { ActorPort } from '../events/actorPort.js';
import type { FolioSafe } from '../events/protocol/index.js';
import type { Message } from '../events/messages.js';
import type { KworkerOp } from '../model/actors.js';
import type { ModelEnv } from '../model/env.js';
import type { MapGpaRangeOp, VcpuOp } from '../model/guestOps.js';
import type { VcpuMode } from '../model/mmuRoots.js';
import type { OpResult, VmmOp } from '../model/ops.js';
import type { Attempt, FaultOutcome, FaultRequest, FaultResult, GfnRanges, GmemRange, PrefaultRange, ShouldSetPrivate, ZapFilter } from './types.js';

/** What a procedure yields: one request to `to`. */
export type Yielded = { readonly kind: 'call'; readonly to: string; readonly msg: Message };

/** The value a yield resumes with: the reply. */
export type Resume = Message;

/** A running procedure returning `R`. */
export type Proc<R> = Generator<Yielded, R, Resume>;

/** Per-thread state that survives across ops (e.g. the pins a thread holds). */
export type ThreadLocals = Map<string, Readonly<Record<string, string | number>>>;

/** Everything a procedure may use besides messaging. */
export interface ProcContext {
  /** The running thread's actor id. */
  readonly self: string;
  readonly env: ModelEnv;
  readonly locals: ThreadLocals;
  /** Records a fact as this thread. */
  readonly record: ActorPort['record'];
  /** The named kernel paths of the run's protocol design. */
  readonly kernel: KernelPaths;
}

/** Starts the procedure of one op of a thread's program. */
export type ProcFactory<TOp> = (op: TOp, ctx: ProcContext) => Proc<OpResult>;

/** The op of kind `K` of a union of ops. */
type OpOf<TOp extends { readonly op: string }, K extends TOp['op']> = Extract<TOp, { op: K }>;

/** One kernel path per op kind of a thread's program. */
export type OpPaths<TOp extends { readonly op: string }> = { readonly [K in TOp['op']]: (op: OpOf<TOp, K>, ctx: ProcContext) => Proc<OpResult> };

/** A conversion op (`convert`). */
export type ConvertOp = OpOf<VmmOp, 'convert'>;
/** A PUNCH_HOLE op. */
export type PunchHoleOp = OpOf<VmmOp, 'punchHole'>;
/** A fallocate op. */
export type FallocateOp = OpOf<VmmOp, 'fallocate'>;

/**
 * The named kernel paths of a protocol design. Each entry's TSDoc names the
 * kernel function and source it models and the variants that replace it.
 */
export interface KernelPaths {
  /** The kernel path of each VMM-thread op (syscalls and ioctls issued by the VMM). */
  readonly vmmOps: OpPaths<VmmOp>;
  /** The kernel path of each vCPU op (guest accesses, hypercalls, vCPU ioctls). */
  readonly vcpuOps: OpPaths<VcpuOp>;
  /** The kernel path of each kernel-worker op (deferred work such as `kvm_gmem_release`). */
  readonly kworkerOps: OpPaths<KworkerOp>;

  // ---- guest_memfd: host mapping, allocation, truncation (virt/kvm/guest_memfd.c)

  /** `kvm_gmem_fault_user_mapping` (`.fault` of the guest_memfd mmap): host fault of file index `index`. B10, B12 replace it. */
  readonly kvm_gmem_fault_user_mapping: (index: number, ctx: ProcContext) => Proc<FaultResult>;
  /** The host fault's privacy check of file index `index` (in place: the attribute; RFC 1G-v1: not faultable; 6.18: not `INIT_SHARED`). */
  readonly kvm_gmem_fault_is_private: (index: number, ctx: ProcContext) => Proc<boolean>;
  /** `kvm_gmem_fallocate` allocate mode (O3). */
  readonly kvm_gmem_fallocate: (op: FallocateOp, ctx: ProcContext) => Proc<OpResult>;
  /** `kvm_gmem_punch_hole` (O4). B4 replaces it. */
  readonly kvm_gmem_punch_hole: (op: PunchHoleOp, ctx: ProcContext) => Proc<OpResult>;
  /** `kvm_gmem_unbind` (O2, F-ae43). B7 replaces it. */
  readonly kvm_gmem_unbind: (slot: string, gmem: string, ctx: ProcContext) => Proc<void>;

  // ---- guest_memfd invalidation

  /** `kvm_gmem_invalidate_begin` over file indices `[start, end)`; returns what `kvm_gmem_invalidate_end` must close. B1 replaces it. */
  readonly kvm_gmem_invalidate_begin: (start: number, end: number, filter: ZapFilter, ctx: ProcContext) => Proc<GfnRanges>;
  /** `kvm_gmem_get_invalidate_filter`: the SPTEs a guest_memfd-originated invalidation zaps. B20 replaces it. */
  readonly kvm_gmem_get_invalidate_filter: (requested: ZapFilter, ctx: ProcContext) => ZapFilter;

  // ---- conversions

  /** One attempt of the conversion ioctl of the design (`convert` op: in place `KVM_SET_MEMORY_ATTRIBUTES2`, or `KVM_GMEM_CONVERT_*`). */
  readonly kvm_gmem_convert_range: (op: ConvertOp, ctx: ProcContext) => Proc<OpResult>;
  /**
   * The to-private safety check of an in-place conversion of `[start, end)`
   * (`__kvm_gmem_set_attributes`: drain the LRU batches, then
   * `kvm_gmem_is_safe_for_conversion` per folio): `-EAGAIN` with the
   * `error_offset`, or null when safe. NOCHECK replaces it.
   */
  readonly kvm_gmem_check_conversion: (start: number, end: number, ctx: ProcContext) => Proc<OpResult | null>;
  /** `lru_add_drain_all`: drops the LRU-add batches' transient references. B18 replaces it. */
  readonly lru_add_drain_all: (ctx: ProcContext) => Proc<void>;
  /** `kvm_gmem_is_safe_for_conversion` of one folio (refcount == nr_pages + the checker's lookup). B11 replaces it. */
  readonly kvm_gmem_is_safe_for_conversion: (folio: string, ctx: ProcContext) => Proc<FolioSafe>;
  /** `kvm_arch_gmem_invalidate` of file indices `[start, end)` on a conversion to shared (RFC 1G-v2, INV-16). B22 replaces it. */
  readonly kvm_gmem_convert_arch_invalidate: (start: number, end: number, ctx: ProcContext) => Proc<void>;
  /**
   * RFC 1G-v2: the split of a huge folio whose hugepage became (partly) shared
   * (`kvm_gmem_split_folio_in_filemap`): `split`, `busy` (unexpected references:
   * the conversion rolls back), or `kept` (not split). B12 replaces it.
   */
  readonly kvm_gmem_split_for_shared: (folio: string, base: number, ctx: ProcContext) => Proc<'split' | 'busy' | 'kept'>;

  // ---- RFC 1G-v1: the guest_memfd faultability xarray

  /** Stores faultability `faultable` over `[start, end)` of `gmem` (`kvm_gmem_set_faultable`: `xa_store` per index). B13 replaces it. */
  readonly kvm_gmem_set_faultable: (gmem: string, start: number, end: number, faultable: boolean, ctx: ProcContext) => Proc<void>;
  /** `kvm_gmem_should_set_attributes` before a change to private of GFNs `[start, end)` (RFC 1G-v1); upstream: nothing to do. */
  readonly kvm_gmem_should_set_attributes_private: (start: number, end: number, ctx: ProcContext) => Proc<ShouldSetPrivate>;
  /** After a change to shared of GFNs `[start, end)`: split the hugepages, set faultable (RFC 1G-v1); upstream: nothing. B21 replaces it. */
  readonly kvm_gmem_should_set_attributes_shared: (start: number, end: number, ctx: ProcContext) => Proc<void>;
  /** After a change to private committed: unlock the files `held` (RFC 1G-v1); upstream: nothing. */
  readonly kvm_gmem_set_attributes_done: (held: readonly string[], ctx: ProcContext) => Proc<void>;
  /** A change to private aborted (`xa_reserve` failed): restore the faultability and unlock (RFC 1G-v1). */
  readonly kvm_gmem_set_attributes_abort: (held: readonly string[], restore: readonly GmemRange[], ctx: ProcContext) => Proc<void>;

  // ---- KVM: attributes and memslots (virt/kvm/kvm_main.c, arch/x86/kvm/mmu/mmu.c)

  /** `kvm_pre_set_memory_attributes` for one memslot's part `[start, end)` of a change: `range_add`, then the arch hook. B2 replaces it. */
  readonly kvm_pre_set_memory_attributes: (slot: string, start: number, end: number, filter: ZapFilter, withGmem: boolean, ctx: ProcContext) => Proc<void>;
  /** `kvm_arch_pre_set_memory_attributes` (x86): keep hugepages the change partly covers out, zap. B3, B19 replace it. */
  readonly kvm_arch_pre_set_memory_attributes: (slot: string, start: number, end: number, filter: ZapFilter, withGmem: boolean, ctx: ProcContext) => Proc<void>;
  /** The `KVM_MEMSLOT_GMEM_ONLY` decision at memslot creation, from the bound file's mmap support (6.18). */
  readonly kvm_memslot_gmem_only: (fileSupportsMmap: boolean, ctx: ProcContext) => boolean;

  // ---- KVM MMU: the stage-2 fault (arch/x86/kvm/mmu/)

  /** `kvm_mmu_page_fault` of the design for a guest access (O10). */
  readonly kvm_mmu_page_fault: (req: FaultRequest, ctx: ProcContext) => Proc<FaultOutcome>;
  /** One round of the upstream fault (`kvm_mmu_do_page_fault` under SRCU), shared by guest faults and KVM_PRE_FAULT_MEMORY. */
  readonly kvm_mmu_do_page_fault: (req: FaultRequest, attempt: number, ctx: ProcContext) => Proc<Attempt>;
  /** `is_page_fault_stale` -> `mmu_invalidate_retry_gfn` under `mmu_lock`: true if the fault must retry. B15 replaces it. */
  readonly is_page_fault_stale: (gfn: number, seq: number, ctx: ProcContext) => Proc<boolean>;
  /** `kvm_max_private_mapping_level`: the largest leaf for a private fault on a folio at `base` of `order` (O11). B6 replaces it. */
  readonly kvm_max_private_mapping_level: (req: FaultRequest, base: number, order: number, ctx: ProcContext) => Proc<number>;
  /** `kvm_faultin_pfn` on a `KVM_MEMSLOT_INVALID` memslot: `-EAGAIN` for a prefetch (F-3ccb), else RET_PF_RETRY. B8 replaces it. */
  readonly kvm_faultin_pfn_invalid_slot: (req: FaultRequest, ctx: ProcContext) => Attempt;

  // ---- KVM_PRE_FAULT_MEMORY (O13)

  /** `kvm_arch_vcpu_pre_fault_memory`: one chunk of a pre-fault; bytes mapped or an errno. B14 wraps it. */
  readonly kvm_arch_vcpu_pre_fault_memory: (range: PrefaultRange, ctx: ProcContext) => Proc<number | string>;
  /** `kvm_mmu_reload` for the vCPU's `mode`: the loaded root, or null if the root allocation failed. B9 wraps it. */
  readonly kvm_mmu_reload: (mode: VcpuMode, ctx: ProcContext) => Proc<string | null>;

  // ---- the guest side (KVM_RUN)

  /** The GFN a guest op's page `index` addresses, or null if no memslot maps it. */
  readonly guest_gfn: (index: number, ctx: ProcContext) => number | null;
  /** The KVM_RUN return code of an access that ended in a memory-fault exit (`-EFAULT`; fd-2022: `KVM_EXIT_MEMORY_ERROR`). */
  readonly kvm_memory_fault_exit_rc: (ctx: ProcContext) => string;
  /** The VMM's handling of the `KVM_HC_MAP_GPA_RANGE` exit (selftests' `handle_exit_hypercall`); returns `hypercall.ret`. */
  readonly kvm_hc_map_gpa_range: (op: MapGpaRangeOp, ctx: ProcContext) => Proc<string>;
}
