/**
 * The actor kinds of the model and what each is created with (`spawn` input).
 * Owners spawn folios and kernel workers at run time; the run wiring spawns the
 * rest at set-up. The factories of `src/run/actors.ts` build one owner per kind.
 */
import type { VcpuOp } from './guestOps.js';
import type { VmmOp } from './ops.js';
import type { RangeMap } from './rangeMap.js';

/** Initial state of a folio made by a split or a merge (O15), or of a HugeTLB folio. */
export type FolioInit = {
  /** The physical huge page this folio is (a HugeTLB folio of order > 0). */
  readonly hugePage?: string | null;
  /** For a 4K folio made by a split: the huge page it came from. */
  readonly hugeOrigin?: string | null;
  readonly uptodate?: boolean;
  /** Sparse contents, subpage -> value (absent = 0). */
  readonly contents?: ReadonlyMap<number, number>;
  /** Added to an LRU-add batch at allocation (`folio_add_lru`): one transient reference from birth. */
  readonly lruBatch?: boolean;
  /** Arch-prepared subpages carried over from a split or merge (the RMP state is per pfn); absent = none. */
  readonly prepared?: RangeMap<boolean> | null;
};

/** Work a kernel worker runs (one op: `kvm_gmem_release` queued by the last `fput`, O5). */
export type KworkerOp = { readonly op: 'gmemRelease'; readonly gmem: string };

/** What each actor kind is spawned with. */
export type SpawnInputs = {
  /** The VM (`struct kvm`). */
  kvm: Record<string, never>;
  /**
   * A guest_memfd inode: the scenario's (`{}`: size and flags from the run's
   * environment) or one created by `KVM_CREATE_GUEST_MEMFD` at run time (`pages`, flags).
   */
  gmem: { readonly pages?: number; readonly mmap?: boolean; readonly initShared?: boolean };
  /** Userspace memory behind `userspace_addr`. */
  shm: Record<string, never>;
  /** The VMM address space, mapping guest_memfd `gmem`. */
  mm: { readonly gmem: string };
  /** The KVM MMU. */
  mmu: Record<string, never>;
  /** The LRU-add batches. */
  lru: Record<string, never>;
  /** Userspace events; `signallable`: the events some op of the workload signals (absent: all). */
  usync: { readonly signallable?: readonly string[] };
  /** Core-mm's hwpoison state. */
  hwpoison: Record<string, never>;
  /** A folio of guest_memfd `gmem` covering `[base, base + 2^order)`. */
  folio: { readonly gmem: string; readonly base: number; readonly order: number; readonly init?: FolioInit };
  /** A kernel worker. */
  kworker: { readonly program: readonly KworkerOp[] };
  /** A VMM thread and its program. */
  vmmThread: { readonly program: readonly VmmOp[] };
  /** A vCPU and its program. */
  vcpu: { readonly program: readonly VcpuOp[] };
};

/** An actor kind. */
export type ActorKind = keyof SpawnInputs;
