/**
 * The KVM part of the world view: stage-2 SPTEs, the invalidation counters
 * (`mmu_invalidate_seq`, `_in_progress`, accumulated range), each vCPU's fault
 * in flight and the memslot bindings, folded from facts only. {@link evolveWorldView}
 * calls {@link evolveKvmView} for every fact it does not handle itself.
 */
import type { LogEntry } from '../events/logEntry.js';
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

function n(e: LogEntry, f: string): number {
  return e.data[f] as number;
}

/** Folds one fact into the KVM view (other facts are ignored). */
export function evolveKvmView(kvm: KvmView, e: LogEntry): void {
  if (e.kind !== 'fact') return;
  switch (e.type) {
    case 'GmemBound':
      kvm.bindings.push({
        gmem: e.data['gmem'] as string,
        slot: n(e, 'slot'),
        baseGfn: n(e, 'baseGfn'),
        pgoff: n(e, 'pgoff'),
        npages: n(e, 'npages'),
        ...(typeof e.data['uid'] === 'string' ? { uid: e.data['uid'] } : {})
      });
      break;
    case 'GmemUnbound': {
      const i = kvm.bindings.findIndex((b) => b.gmem === e.data['gmem'] && b.uid === e.data['uid']);
      if (i >= 0) kvm.bindings.splice(i, 1);
      break;
    }
    case 'VmCreated':
      kvm.vmAttrs = RangeMap.filled(VIEW_GFN_SPACE, false);
      break;
    case 'VmAttrStored':
      if (kvm.vmAttrs !== null) kvm.vmAttrs = kvm.vmAttrs.store(n(e, 'start'), n(e, 'end'), e.data['private'] === true);
      break;
    case 'MemslotCreated': {
      const flags = String(e.data['flags']).split(',');
      kvm.memslots.set(e.data['slot'] as string, {
        uid: e.data['slot'] as string,
        id: n(e, 'id'),
        asId: n(e, 'asId'),
        baseGfn: n(e, 'baseGfn'),
        npages: n(e, 'npages'),
        gmemOnly: flags.includes('GMEM_ONLY'),
        gmem: e.data['gmem'] as string,
        pgoff: n(e, 'pgoff'),
        userspacePage: n(e, 'userspacePage'),
        invalid: flags.includes('INVALID'),
        deleted: false,
        freed: false,
        step: e.step
      });
      break;
    }
    case 'MemslotInvalidated':
    case 'MemslotDeleted':
    case 'MemslotFreed': {
      const m = kvm.memslots.get(e.data['slot'] as string);
      if (m === undefined) break;
      if (e.type === 'MemslotInvalidated') m.invalid = true;
      else if (e.type === 'MemslotDeleted') m.deleted = true;
      else m.freed = true;
      break;
    }
    case 'InvalidateBegin':
      kvm.inProgress = n(e, 'inProgress');
      if (kvm.inProgress === 1) {
        kvm.rangeStart = null;
        kvm.rangeEnd = null;
        kvm.beganAt = e.step;
      }
      break;
    case 'RangeAdded':
      kvm.rangeStart = kvm.rangeStart === null ? n(e, 'start') : Math.min(kvm.rangeStart, n(e, 'start'));
      kvm.rangeEnd = kvm.rangeEnd === null ? n(e, 'end') : Math.max(kvm.rangeEnd, n(e, 'end'));
      break;
    case 'InvalidateEnd':
      kvm.seq = n(e, 'seq');
      kvm.inProgress = n(e, 'inProgress');
      break;
    case 'VcpuFaultStarted':
      kvm.faults.set(e.data['vcpu'] as string, { gfn: n(e, 'gfn'), private: e.data['private'] === true, seq: n(e, 'seq'), step: e.step });
      break;
    case 'SptInstalled': {
      const root = e.data['root'] as string;
      kvm.sptes.set(`${root}:${n(e, 'gfn')}`, {
        root,
        gfn: n(e, 'gfn'),
        level: n(e, 'level'),
        private: e.data['private'] === true,
        folio: e.data['pfn'] as string,
        subpage: n(e, 'subpage'),
        by: e.data['by'] as string,
        step: e.step
      });
      break;
    }
    case 'SpteZapped':
      kvm.sptes.delete(`${e.data['root'] as string}:${n(e, 'gfn')}`);
      break;
    default:
      break;
  }
}
