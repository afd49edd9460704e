/**
 * The KVM part of the world view: stage-2 SPTEs, the invalidation counters
 * (`mmu_invalidate_seq`, `_in_progress`, accumulated range), each vCPU's fault
 * in flight and the memslot bindings, folded from facts only. `evolveWorldView`
 * calls {@link evolveKvmView} for every known fact it does not handle itself.
 */
import type { AnyFactEntry } from '../events/facts.js';
import { RangeMap } from '../model/rangeMap.js';

/** GFNs of the VM attribute array in the view. */
const VIEW_GFN_SPACE = 2 ** 40;

/** The address space an SPTE's root translates through: 1 for the SMM roots (`*-smm`, spec §1.8), else 0. */
export function asIdOfRoot(root: string): number {
  return root.endsWith('-smm') ? 1 : 0;
}

/** The live memslot of address space 0 (or `asId`) covering `gfn` (INVALID included), or null. */
export function memslotAt(kvm: KvmView, gfn: number, asId = 0): MemslotView | null {
  for (const m of kvm.memslots.values()) if (!m.deleted && m.asId === asId && gfn >= m.baseGfn && gfn < m.baseGfn + m.npages) return m;
  return null;
}

/** An SPTE as the log tells it. SPTEs hold no folio reference (§1.3.1). */
export interface SpteView {
  readonly root: string;
  /** First gfn of the leaf. */
  readonly gfn: number;
  readonly level: number;
  readonly private: boolean;
  readonly folio: string;
  readonly subpage: number;
  readonly by: string;
  readonly step: number;
}

/** A vCPU fault in flight (from its last `VcpuFaultStarted`). */
export interface FaultView {
  readonly gfn: number;
  readonly private: boolean;
  readonly seq: number;
  readonly step: number;
}

/** A memslot binding of a guest_memfd. */
export interface BindingView {
  readonly gmem: string;
  readonly slot: number;
  readonly baseGfn: number;
  readonly pgoff: number;
  readonly npages: number;
  /** Memslot object id (absent in logs that predate the VM actor). */
  readonly uid?: string;
}

/** A memslot as the log tells it (VM actor facts). */
export interface MemslotView {
  readonly uid: string;
  readonly id: number;
  readonly asId: number;
  readonly baseGfn: number;
  readonly npages: number;
  readonly gmemOnly: boolean;
  /** Bound guest_memfd ('' = none). */
  readonly gmem: string;
  readonly pgoff: number;
  readonly userspacePage: number;
  invalid: boolean;
  /** Removed from the memslot set (`MemslotDeleted`). */
  deleted: boolean;
  /** Its memory freed (`MemslotFreed`). */
  freed: boolean;
  readonly step: number;
}

/** The KVM view. */
export interface KvmView {
  /** `root:gfn` (first gfn of the leaf) -> SPTE */
  readonly sptes: Map<string, SpteView>;
  seq: number;
  inProgress: number;
  /** Accumulated invalidation range; null = INVALID_GPA. */
  rangeStart: number | null;
  rangeEnd: number | null;
  /** Step of the `InvalidateBegin` that made `inProgress` 0 -> 1. */
  beganAt: number;
  /** vCPU -> its current fault. */
  readonly faults: Map<string, FaultView>;
  readonly bindings: BindingView[];
  /** VM attribute array (`mem_attr_array`): null until a `VmCreated` (logs without a VM actor). */
  vmAttrs: RangeMap<boolean> | null;
  /** Memslots by uid (deleted and freed ones stay, flagged). */
  readonly memslots: Map<string, MemslotView>;
}

/** An empty KVM view. */
export function initialKvmView(): KvmView {
  return {
    sptes: new Map(),
    seq: 0,
    inProgress: 0,
    rangeStart: null,
    rangeEnd: null,
    beganAt: 0,
    faults: new Map(),
    bindings: [],
    vmAttrs: null,
    memslots: new Map()
  };
}

/** Pages a leaf at `level` covers. */
export function leafPages(level: number): number {
  return level === 3 ? 262144 : level === 2 ? 512 : 1;
}

/** The guest_memfd index behind `gfn`, or null if no binding maps it. */
export function indexOfGfn(kvm: KvmView, gfn: number): { gmem: string; index: number } | null {
  for (const b of kvm.bindings) {
    if (gfn >= b.baseGfn && gfn < b.baseGfn + b.npages) return { gmem: b.gmem, index: b.pgoff + (gfn - b.baseGfn) };
  }
  return null;
}

/** True if an invalidation in progress covers `gfn` (or its range is still INVALID). */
export function invalidationCovers(kvm: KvmView, gfn: number): boolean {
  if (kvm.inProgress === 0) return false;
  if (kvm.rangeStart === null || kvm.rangeEnd === null) return true;
  return gfn >= kvm.rangeStart && gfn < kvm.rangeEnd;
}

/** Folds one fact into the KVM view (other facts are ignored). */
export function evolveKvmView(kvm: KvmView, e: AnyFactEntry): void {
  switch (e.type) {
    case 'GmemBound': {
      const d = e.data;
      kvm.bindings.push({
        gmem: d.gmem,
        slot: d.slot,
        baseGfn: d.baseGfn,
        pgoff: d.pgoff,
        npages: d.npages,
        ...(d.uid === undefined ? {} : { uid: d.uid })
      });
      break;
    }
    case 'GmemUnbound': {
      const d = e.data;
      const i = kvm.bindings.findIndex((b) => b.gmem === d.gmem && b.uid === d.uid);
      if (i >= 0) kvm.bindings.splice(i, 1);
      break;
    }
    case 'VmCreated':
      kvm.vmAttrs = RangeMap.filled(VIEW_GFN_SPACE, false);
      break;
    case 'VmAttrStored':
      if (kvm.vmAttrs !== null) kvm.vmAttrs = kvm.vmAttrs.store(e.data.start, e.data.end, e.data.private);
      break;
    case 'MemslotCreated': {
      const d = e.data;
      const flags = d.flags.split(',');
      kvm.memslots.set(d.slot, {
        uid: d.slot,
        id: d.id,
        asId: d.asId,
        baseGfn: d.baseGfn,
        npages: d.npages,
        gmemOnly: flags.includes('GMEM_ONLY'),
        gmem: d.gmem,
        pgoff: d.pgoff,
        userspacePage: d.userspacePage,
        invalid: flags.includes('INVALID'),
        deleted: false,
        freed: false,
        step: e.step
      });
      break;
    }
    case 'MemslotInvalidated': {
      const m = kvm.memslots.get(e.data.slot);
      if (m !== undefined) m.invalid = true;
      break;
    }
    case 'MemslotDeleted': {
      const m = kvm.memslots.get(e.data.slot);
      if (m !== undefined) m.deleted = true;
      break;
    }
    case 'MemslotFreed': {
      const m = kvm.memslots.get(e.data.slot);
      if (m !== undefined) m.freed = true;
      break;
    }
    case 'InvalidateBegin':
      kvm.inProgress = e.data.inProgress;
      if (kvm.inProgress === 1) {
        kvm.rangeStart = null;
        kvm.rangeEnd = null;
        kvm.beganAt = e.step;
      }
      break;
    case 'RangeAdded':
      kvm.rangeStart = kvm.rangeStart === null ? e.data.start : Math.min(kvm.rangeStart, e.data.start);
      kvm.rangeEnd = kvm.rangeEnd === null ? e.data.end : Math.max(kvm.rangeEnd, e.data.end);
      break;
    case 'InvalidateEnd':
      kvm.seq = e.data.seq;
      kvm.inProgress = e.data.inProgress;
      break;
    case 'VcpuFaultStarted': {
      const d = e.data;
      kvm.faults.set(d.vcpu, { gfn: d.gfn, private: d.private, seq: d.seq, step: e.step });
      break;
    }
    case 'SptInstalled': {
      const d = e.data;
      kvm.sptes.set(`${d.root}:${d.gfn}`, {
        root: d.root,
        gfn: d.gfn,
        level: d.level,
        private: d.private,
        folio: d.pfn,
        subpage: d.subpage,
        by: d.by,
        step: e.step
      });
      break;
    }
    case 'SpteZapped':
      kvm.sptes.delete(`${e.data.root}:${e.data.gfn}`);
      break;
    default:
      break;
  }
}
