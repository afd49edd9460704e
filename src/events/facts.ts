/**
 * Facts: what actors record when their state changes (past tense, PascalCase).
 *
 * Projections and invariant checkers read facts only, never messages, so a log
 * written by hand or by another tool can be checked if it carries these facts.
 * Each fact type has a zod schema; `gmemsim check` validates every known fact and
 * names the field that is wrong. Unknown fact types are carried but ignored.
 */
import { z } from 'zod';
import type { EntryEnvelope, EntryShape, Payload, ReadonlyArrays } from './logEntry.js';

const int = z.number().int();
const nat = int.nonnegative();
const id = z.string().min(1);
const mode = z.enum(['R', 'W']);

/** Schemas of every fact type the model records, keyed by type. */
export const factSchemas = {
  // --- lifecycle of operations run by threads (VMM threads, vCPUs)
  OpStarted: z.object({ thread: id, op: nat, name: id }),
  /** PUNCH_HOLE's contract, recorded by the punching thread under invalidate_lock: `folios` left the file. */
  HolePunched: z.object({ thread: id, gmem: id, start: nat, end: nat, folios: z.array(id) }),
  LruBatchAdd: z.object({ folio: id }),
  LruBatchDrained: z.object({ folios: z.array(id) }),
  /**
   * Arch prepare / invalidate of a folio (SNP RMP state), INV-16. `start`/`end`: the subpage range of `folio`
   * covered (absent = the whole folio). For the not yet materialised 4K folios of a split hugepage (rfc-1g-v2) the
   * inode records the invalidation against the huge folio they were split from, with the range inside it.
   */
  FolioPrepared: z.object({ folio: id, start: nat.exactOptional(), end: nat.exactOptional() }),
  FolioArchInvalidated: z.object({ folio: id, why: id, start: nat.exactOptional(), end: nat.exactOptional() }),
  OpReturned: z.object({ thread: id, op: nat, name: id, rc: z.string(), errorOffset: int.nullable(), value: int.nullable().exactOptional() }),
  // --- locks (owned by the actor that records them)
  LockWaiting: z.object({ lock: id, mode, holder: id }),
  LockAcquired: z.object({ lock: id, mode, holder: id }),
  LockReleased: z.object({ lock: id, mode, holder: id }),
  // --- guest_memfd inode
  GmemCreated: z.object({ gmem: id, pages: z.number().int().positive(), flags: z.string(), folioOrder: nat }),
  GmemBound: z.object({ gmem: id, slot: nat, pgoff: nat, npages: z.number().int().positive(), baseGfn: nat, uid: id.exactOptional() }),
  AttrRead: z.object({ gmem: id, index: nat, private: z.boolean(), by: id }),
  AttrCheckNoop: z.object({ gmem: id, start: nat, end: nat, private: z.boolean() }),
  /** `by`: the thread whose request stored it (absent for the initial value at creation). */
  AttrStored: z.object({ gmem: id, start: nat, end: nat, private: z.boolean(), by: id.exactOptional() }),
  // --- folios
  FolioAllocated: z.object({ folio: id, gmem: id, base: nat, order: nat, hugePage: id.exactOptional(), hugeOrigin: id.exactOptional() }),
  FolioRef: z.object({ folio: id, delta: int, refcount: int, why: id }),
  FolioLocked: z.object({ folio: id, by: id }),
  FolioUnlocked: z.object({ folio: id, by: id }),
  FolioZeroed: z.object({ folio: id }),
  FolioWritten: z.object({ folio: id, subpage: nat, value: int, by: id }),
  FolioRead: z.object({ folio: id, subpage: nat, value: int, by: id }),
  FolioTruncated: z.object({ folio: id, gmem: id, base: nat }),
  FolioFreed: z.object({ folio: id, by: id.exactOptional() }),
  RefcountChecked: z.object({ folio: id, refcount: int, expected: int, ok: z.boolean() }),
  // --- host page tables and GUP
  HostFaultGotFolio: z.object({ thread: id, gmem: id, index: nat, folio: id }),
  HostPteInstalled: z.object({ mm: id, page: nat, gmem: id, index: nat, folio: id, subpage: nat }),
  HostPteZapped: z.object({ mm: id, page: nat, gmem: id, index: nat, folio: id, subpage: nat }),
  GupPinned: z.object({ pin: id, folio: id, subpage: nat, gmem: id, index: nat, kind: z.enum(['get', 'pin']), longterm: z.boolean() }),
  GupUnpinned: z.object({ pin: id, folio: id }),
  // --- KVM MMU invalidation
  InvalidateBegin: z.object({ inProgress: nat }),
  RangeAdded: z.object({ start: nat, end: nat }),
  SpteZapped: z.object({ root: id, gfn: nat, level: nat, private: z.boolean() }),
  InvalidateEnd: z.object({ seq: nat, inProgress: int }),
  // --- vCPU and the KVM stage-2 fault path (O10, O14, INV-6, INV-20)
  VcpuFaultStarted: z.object({
    vcpu: id,
    gfn: nat,
    private: z.boolean(),
    write: z.boolean(),
    seq: nat,
    attempt: nat,
    synthesized: z.boolean().exactOptional()
  }),
  GmemPfnObtained: z.object({ vcpu: id, gfn: nat, folio: id, subpage: nat, maxLevel: z.number().int().min(1).max(3) }),
  StaleCheck: z.object({ vcpu: id, gfn: nat, seq: nat, locked: z.boolean(), ok: z.boolean(), mmuSeq: nat, inProgress: int }),
  SptInstalled: z.object({ root: id, gfn: nat, level: z.number().int().min(1).max(3), private: z.boolean(), pfn: id, subpage: nat, by: id }),
  PfnRefReleased: z.object({ vcpu: id, folio: id }),
  /** `errno`: absent = EFAULT; `-EHWPOISON` after a memory failure (O17). */
  MemoryFaultExit: z.object({ vcpu: id, gpa: nat, size: nat, flags: nat, private: z.boolean(), errno: z.string().exactOptional() }),
  HypercallExit: z.object({ vcpu: id, nr: id, gpa: nat, npages: nat, flags: nat }),
  HypercallReturned: z.object({ vcpu: id, ret: z.string() }),
  // --- huge folios, HugeTLB subpool (O3, O4, O15 RFC 1G-v2, INV-11..13)
  GmemCreateFailed: z.object({ gmem: id, rc: z.string(), pages: nat, folioOrder: nat, globalFree: nat }),
  SubpoolReserved: z.object({ gmem: id, order: nat, reserved: nat, globalFree: nat }),
  HugePageAllocated: z.object({ gmem: id, page: id, folio: id, inUse: nat, free: nat, reserved: nat }),
  FolioFreedToPool: z.object({ gmem: id, page: id, folio: id, inUse: nat, free: nat, reserved: nat }),
  FolioFrozen: z.object({ folio: id, refcount: int }),
  FolioUnfrozen: z.object({ folio: id }),
  FolioSplit: z.object({ folio: id, gmem: id, base: nat, order: nat, hugePage: id, reason: id }),
  FolioMerged: z.object({ folio: id, gmem: id, base: nat, order: nat, hugePage: id, from: z.array(z.string()), reason: id }),
  FolioRangeZeroed: z.object({ folio: id, start: nat, end: nat }),
  SplitRangeZeroed: z.object({ gmem: id, start: nat, end: nat }),
  // --- RFC 1G-v1 faultability xarray (§1.1, O6 RFC 1G-v1, O8, INV-3, B13; model/faultability.ts)
  FaultabilityRead: z.object({ gmem: id, index: nat, faultable: z.boolean(), by: id }),
  /** A store of `[start, end)`; `run*`: the resulting faultability of every index the store touched (a clobbering range store touches more). `by` absent at creation. */
  FaultabilityStored: z.object({
    gmem: id,
    start: nat,
    end: nat,
    faultable: z.boolean(),
    by: id.exactOptional(),
    runStarts: z.array(nat),
    runEnds: z.array(nat),
    runFaultable: z.array(z.boolean())
  }),
  // --- the VM: memslots, SRCU, VM attributes, lpage_info, file lifetimes (O1, O2, O5, O6, O8, O11; machines/kvm/)
  VmCreated: z.object({ vm: id, type: z.enum(['DEFAULT', 'SW_PROTECTED', 'SNP', 'TDX']), preFaultAllowed: z.boolean() }),
  VmRefs: z.object({ vm: id, users: int, why: id }),
  MemslotCreated: z.object({
    vm: id,
    slot: id,
    id: nat,
    asId: nat,
    baseGfn: nat,
    npages: z.number().int().positive(),
    flags: z.string(),
    gmem: z.string(),
    pgoff: nat,
    userspacePage: nat
  }),
  MemslotInvalidated: z.object({ vm: id, slot: id, id: nat, asId: nat }),
  MemslotDeleted: z.object({ vm: id, slot: id, id: nat, asId: nat }),
  MemslotFreed: z.object({ vm: id, slot: id }),
  MemslotGmemCleared: z.object({ vm: id, slot: id, by: id, freed: z.boolean() }),
  GmemUnbound: z.object({ gmem: id, slot: nat, uid: id, pgoff: nat, npages: nat }),
  GmemFilePut: z.object({ gmem: id, refs: int }),
  GmemReleased: z.object({ gmem: id }),
  GmemReleaseDone: z.object({ gmem: id, slots: nat }),
  SrcuReadLock: z.object({ vm: id, holder: id, session: nat }),
  SrcuReadUnlock: z.object({ vm: id, holder: id, session: nat }),
  SrcuSyncWaiting: z.object({ vm: id, holder: id, readers: nat }),
  SrcuSyncDone: z.object({ vm: id, holder: id }),
  MmuNotifierStart: z.object({ vm: id, count: int }),
  MmuNotifierEnd: z.object({ vm: id, count: int }),
  VmAttrRead: z.object({ vm: id, gfn: nat, private: z.boolean(), by: id }),
  VmAttrNoop: z.object({ vm: id, start: nat, end: nat, private: z.boolean() }),
  VmAttrReserved: z.object({ vm: id, start: nat, end: nat, failed: z.boolean().exactOptional() }),
  VmAttrStored: z.object({ vm: id, start: nat, end: nat, private: z.boolean(), by: id }),
  LpageInfoRead: z.object({ vm: id, slot: id, level: z.number().int().min(2).max(3), base: nat, contained: z.boolean() }),
  LpageMixedUpdated: z.object({ vm: id, slot: id, level: z.number().int().min(2).max(3), base: nat, mixed: z.boolean() }),
  ShmPageMapped: z.object({ page: nat, level: z.number().int().min(1).max(3), by: id }),
  ShmPageZapped: z.object({ start: nat, end: nat }),
  // --- vCPU modes and roots, KVM_PRE_FAULT_MEMORY (O13, INV-17, INV-18), populate (O16), memory failure (O17)
  VcpuModeChanged: z.object({ vcpu: id, mode: z.enum(['normal', 'smm', 'guest']), root: id }),
  MmuRootLoaded: z.object({ vcpu: id, root: id, ok: z.boolean() }),
  PrefaultStarted: z.object({ vcpu: id, gpa: nat, size: nat }),
  PrefaultMapped: z.object({ vcpu: id, gpa: nat, bytes: nat, level: z.number().int().min(1).max(3), root: id }),
  PrefaultReturned: z.object({ vcpu: id, rc: z.string(), remainingGpa: nat, remainingSize: nat, prevSize: nat }),
  MemslotWaitValid: z.object({ vm: id, holder: id, gfn: nat, asId: nat }),
  MemslotValidWoken: z.object({ vm: id, holder: id }),
  VmMarkedDead: z.object({ vm: id, by: id }),
  UserEventSignalled: z.object({ event: id, by: id }),
  GmemPopulated: z.object({ gmem: id, gfn: nat, index: nat, folio: id, value: int, by: id }),
  FolioHwPoisoned: z.object({ folio: id, gmem: id, index: nat })
} as const;

/** A fact type the model knows. */
export type FactType = keyof typeof factSchemas;

/** The payload of fact `T` (inferred from its zod schema). */
export type FactData<T extends FactType> = ReadonlyArrays<z.infer<(typeof factSchemas)[T]>>;

/** True if `type` is a fact type with a schema. */
export function isKnownFact(type: string): type is FactType {
  return Object.prototype.hasOwnProperty.call(factSchemas, type);
}

/** The payload of any fact. */
export type AnyFactData = { [T in FactType]: FactData<T> }[FactType];

/** Compile-time proof that every fact payload is a flat log {@link Payload} (scalars and arrays of scalars). */
export type FactsAreFlat = AnyFactData extends Payload ? true : never;
const factsAreFlat: FactsAreFlat = true;

/**
 * A typed fact payload as the log's flat payload. Sound by {@link FactsAreFlat};
 * the widening is written out because TypeScript cannot distribute that proof
 * over a generic `T`.
 */
export function factPayload<T extends FactType>(data: FactData<T>): Payload {
  return factsAreFlat && (data as Payload);
}

/**
 * A fact entry of type `T` with its typed payload. Distributes over a union:
 * `FactEntry<'A' | 'B'>` is `FactEntry<'A'> | FactEntry<'B'>`, discriminated by `type`.
 */
export type FactEntry<T extends FactType> = T extends FactType
  ? EntryEnvelope & { readonly kind: 'fact'; readonly type: T; readonly data: FactData<T> }
  : never;

/** Any fact entry of a known type: a union discriminated by `type`. */
export type AnyFactEntry = FactEntry<FactType>;

/**
 * Narrows a log entry to fact `type` with its typed payload. It checks the
 * envelope only (`kind` and `type`) and trusts the payload, which is sound
 * because every fact a checker sees went through a schema first:
 * - live facts are recorded through the typed `ActorPort.record` (`actorPort.ts`), whose
 *   `data` is `FactData<T>` (the world appends it unchanged);
 * - facts read from a file are validated against `factSchemas[type]` by the
 *   log reader (`parseEntry` in `src/log/ndjsonReader.ts`) before `check` or
 *   `replay` hands them on; replay's checkers see the re-executed live facts.
 *
 * Together with {@link isAnyFact} this is the only place a fact payload's type
 * is asserted; code that builds entries by other means (tests) must validate
 * them against `factSchemas` before feeding a monitor.
 */
export function isFact<T extends FactType>(e: EntryShape, type: T): e is FactEntry<T> {
  return e.kind === 'fact' && e.type === type;
}

/** Narrows a log entry to a fact of any known type (payload trusted as for {@link isFact}). */
export function isAnyFact(e: EntryShape): e is AnyFactEntry {
  return e.kind === 'fact' && isKnownFact(e.type);
}
