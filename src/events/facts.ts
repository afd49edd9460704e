/**
 * Facts: what actors record when their state changes (past tense, PascalCase).
 *
 * Projections and invariant checkers read facts only, never messages, so a log
 * written by hand or by another tool can be checked if it carries these facts.
 * Each fact type has a zod schema; `gmemsim check` validates every known fact and
 * names the field that is wrong. Unknown fact types are carried but ignored.
 */
import { z } from 'zod';

const int = z.number().int();
const nat = int.nonnegative();
const id = z.string().min(1);
const mode = z.enum(['R', 'W']);

/** Schemas of every fact type the model records, keyed by type. */
export const factSchemas = {
  // --- lifecycle of operations run by threads (VMM threads, vCPUs)
  OpStarted: z.object({ thread: id, op: nat, name: id }),
  OpReturned: z.object({ thread: id, op: nat, name: id, rc: z.string(), errorOffset: int.nullable() }),
  // --- locks (owned by the actor that records them)
  LockWaiting: z.object({ lock: id, mode, holder: id }),
  LockAcquired: z.object({ lock: id, mode, holder: id }),
  LockReleased: z.object({ lock: id, mode, holder: id }),
  // --- guest_memfd inode
  GmemCreated: z.object({ gmem: id, pages: z.number().int().positive(), flags: z.string(), folioOrder: nat }),
  GmemBound: z.object({ gmem: id, slot: nat, pgoff: nat, npages: z.number().int().positive(), baseGfn: nat }),
  AttrRead: z.object({ gmem: id, index: nat, private: z.boolean(), by: id }),
  AttrCheckNoop: z.object({ gmem: id, start: nat, end: nat, private: z.boolean() }),
  AttrStored: z.object({ gmem: id, start: nat, end: nat, private: z.boolean() }),
  // --- folios
  FolioAllocated: z.object({ folio: id, gmem: id, base: nat, order: nat, hugePage: id.optional(), hugeOrigin: id.optional() }),
  FolioRef: z.object({ folio: id, delta: int, refcount: int, why: id }),
  FolioLocked: z.object({ folio: id, by: id }),
  FolioUnlocked: z.object({ folio: id, by: id }),
  FolioZeroed: z.object({ folio: id }),
  FolioWritten: z.object({ folio: id, subpage: nat, value: int, by: id }),
  FolioRead: z.object({ folio: id, subpage: nat, value: int, by: id }),
  FolioTruncated: z.object({ folio: id, gmem: id, base: nat }),
  FolioFreed: z.object({ folio: id, by: id.optional() }),
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
  VcpuFaultStarted: z.object({ vcpu: id, gfn: nat, private: z.boolean(), write: z.boolean(), seq: nat, attempt: nat }),
  GmemPfnObtained: z.object({ vcpu: id, gfn: nat, folio: id, subpage: nat, maxLevel: z.number().int().min(1).max(3) }),
  StaleCheck: z.object({ vcpu: id, gfn: nat, seq: nat, locked: z.boolean(), ok: z.boolean(), mmuSeq: nat, inProgress: int }),
  SptInstalled: z.object({ root: id, gfn: nat, level: z.number().int().min(1).max(3), private: z.boolean(), pfn: id, subpage: nat, by: id }),
  PfnRefReleased: z.object({ vcpu: id, folio: id }),
  MemoryFaultExit: z.object({ vcpu: id, gpa: nat, size: nat, flags: nat, private: z.boolean() }),
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
  SplitRangeZeroed: z.object({ gmem: id, start: nat, end: nat })
} as const;

/** A fact type the model knows. */
export type FactType = keyof typeof factSchemas;

/** The payload of fact `T`. */
export type FactData<T extends FactType> = z.infer<(typeof factSchemas)[T]>;

/** True if `type` is a fact type with a schema. */
export function isKnownFact(type: string): type is FactType {
  return Object.prototype.hasOwnProperty.call(factSchemas, type);
}
