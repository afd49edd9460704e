/**
 * Checkers of mode rfc-1g-v1 (spec §4 INV-1, INV-2, INV-3, §5 B13), where the
 * VM attribute array (`VmAttrStored`, by gfn) is the attribute truth and the
 * guest_memfd holds only the faultability xarray (`FaultabilityStored`, by
 * index). A guest_memfd index is private when the gfn its memslot binding maps
 * it to is private (unbound indices are never private).
 *
 * - **INV-3** `hostFaultable(i) => !private(i)`: fires when a faultability store
 *   leaves a private index faultable (set too early, or clobbered by a range
 *   store in the inverted encoding) and when a range is committed private while
 *   an index of it is still faultable (faultability must be cleared before the
 *   private commit).
 * - **STORE-EXACT** (B13's oracle): after any faultability store, indices outside
 *   the requested range are unchanged.
 * - **INV-1 / INV-2 (v1 form)**: every `VmAttrStored{private}` is translated into
 *   the guest_memfd index ranges it covers and judged by the generic rules
 *   (no host PTE, no mapping / GUP reference / pin / extra reference across the
 *   commit); a host PTE or GUP reference on a VM-private index fires at once.
 */
import type { LogEntry } from '../../events/logEntry.js';
import { RangeMap } from '../../model/rangeMap.js';
import type { Checker, CheckerSpec } from '../checker.js';
import { hex, violation } from '../checker.js';
import type { Violation } from '../violation.js';
import type { WorldView } from '../worldView.js';
import { inv1 } from './inv1NoPrivateHostMapping.js';
import { inv2 } from './inv2NoExtraRefsAtCommit.js';

/** An index range of a guest_memfd and the gfn its first index is bound to. */
interface BoundRange {
  readonly gmem: string;
  readonly start: number;
  readonly end: number;
  readonly gfn: number;
}

/** The bound index ranges of `gmem` inside `[start, end)`. */
function boundIndices(view: WorldView, gmem: string, start: number, end: number): BoundRange[] {
  const out: BoundRange[] = [];
  for (const b of view.kvm.bindings) {
    if (b.gmem !== gmem) continue;
    const s = Math.max(start, b.pgoff);
    const e = Math.min(end, b.pgoff + b.npages);
    if (s < e) out.push({ gmem, start: s, end: e, gfn: b.baseGfn + (s - b.pgoff) });
  }
  return out;
}

/** The guest_memfd index ranges bound to gfns `[start, end)`. */
function boundGfns(view: WorldView, start: number, end: number): BoundRange[] {
  const out: BoundRange[] = [];
  for (const b of view.kvm.bindings) {
    const s = Math.max(start, b.baseGfn);
    const e = Math.min(end, b.baseGfn + b.npages);
    if (s < e) out.push({ gmem: b.gmem, start: b.pgoff + (s - b.baseGfn), end: b.pgoff + (e - b.baseGfn), gfn: s });
  }
  return out;
}

/** The first VM-private index of `[start, end)` of `gmem`, or -1. */
function firstVmPrivate(view: WorldView, gmem: string, start: number, end: number): number {
  const attrs = view.kvm.vmAttrs;
  if (attrs === null) return -1;
  for (const r of boundIndices(view, gmem, start, end)) {
    const g = attrs.find(r.gfn, r.gfn + (r.end - r.start), true);
    if (g >= 0) return r.start + (g - r.gfn);
  }
  return -1;
}

/** Faultability per guest_memfd, folded from `FaultabilityStored` (and `GmemCreated` for the size). */
export class FaultabilityFold {
  private readonly pages = new Map<string, number>();
  /** Faultability of each guest_memfd by index (true = the host may fault it). */
  readonly maps = new Map<string, RangeMap<boolean>>();

  /** Folds `e`; returns the map before a `FaultabilityStored`, else null. */
  push(e: LogEntry): RangeMap<boolean> | null {
    if (e.kind !== 'fact') return null;
    if (e.type === 'GmemCreated') {
      this.pages.set(e.data['gmem'] as string, e.data['pages'] as number);
      return null;
    }
    if (e.type !== 'FaultabilityStored') return null;
    const gmem = e.data['gmem'] as string;
    const size = this.pages.get(gmem) ?? Math.max(1, ...(e.data['runEnds'] as number[]));
    const before = this.maps.get(gmem) ?? RangeMap.filled(size, false);
    let next = before;
    const starts = e.data['runStarts'] as number[];
    const ends = e.data['runEnds'] as number[];
    const vals = e.data['runFaultable'] as boolean[];
    starts.forEach((s, i) => {
      next = next.store(s, ends[i] as number, vals[i] === true);
    });
    this.maps.set(gmem, next);
    return before;
  }
}

/** The INV-3 checker (mode rfc-1g-v1). */
export const inv3: CheckerSpec = {
  id: 'INV-3',
  statement: 'a host-faultable index is never private: faultability is cleared before the private commit and set only after the to-shared invalidation',
  modes: ['rfc-1g-v1'],
  on: ['FaultabilityStored', 'GmemCreated', 'VmAttrStored'],
  create: (): Checker => {
    const fold = new FaultabilityFold();
    return {
      id: 'INV-3',
      check(view, e) {
        if (e.kind !== 'fact') return [];
        if (fold.push(e) !== null) {
          const gmem = e.data['gmem'] as string;
          const out: Violation[] = [];
          const starts = e.data['runStarts'] as number[];
          const ends = e.data['runEnds'] as number[];
          const vals = e.data['runFaultable'] as boolean[];
          starts.forEach((s, i) => {
            if (vals[i] !== true) return;
            const p = firstVmPrivate(view, gmem, s, ends[i] as number);
            if (p >= 0)
              out.push(
                violation(
                  'INV-3',
                  e,
                  `page ${hex(p)} of ${gmem} is host-faultable after the faultability store at step ${e.step} but its VM attribute is private`
                )
              );
          });
          return out;
        }
        if (e.type !== 'VmAttrStored' || e.data['private'] !== true) return [];
        const out: Violation[] = [];
        for (const r of boundGfns(view, e.data['start'] as number, e.data['end'] as number)) {
          const f = fold.maps.get(r.gmem);
          const i = f === undefined ? -1 : f.find(r.start, r.end, true);
          if (i >= 0) out.push(violation('INV-3', e, `gfns committed private at step ${e.step} while page ${hex(i)} of ${r.gmem} is still host-faultable`));
        }
        return out;
      }
    };
  }
};

/** B13's oracle: a faultability store changes nothing outside its requested range (mode rfc-1g-v1). */
export const storeExact: CheckerSpec = {
  id: 'STORE-EXACT',
  statement: 'after any faultability store, indices outside the requested range are unchanged',
  modes: ['rfc-1g-v1'],
  on: ['FaultabilityStored', 'GmemCreated', 'VmAttrStored'],
  create: (): Checker => {
    const fold = new FaultabilityFold();
    return {
      id: 'STORE-EXACT',
      check(_view, e) {
        const before = fold.push(e);
        if (before === null || typeof e.data['by'] !== 'string') return [];
        const start = e.data['start'] as number;
        const end = e.data['end'] as number;
        const gmem = e.data['gmem'] as string;
        const after = fold.maps.get(gmem) as RangeMap<boolean>;
        const starts = e.data['runStarts'] as number[];
        const ends = e.data['runEnds'] as number[];
        for (let i = 0; i < starts.length; i++) {
          const s = starts[i] as number;
          const t = ends[i] as number;
          for (const [a, b] of [
            [s, Math.min(t, start)],
            [Math.max(s, end), t]
          ] as const) {
            if (a >= b) continue;
            for (const run of before.slice(a, b)) {
              if (after.uniform(run.start, run.end, run.value)) continue;
              const at = after.find(run.start, run.end, !run.value);
              return [
                violation(
                  'STORE-EXACT',
                  e,
                  `storing faultability ${String(e.data['faultable'])} over [${hex(start)}, ${hex(end)}) of ${gmem} at step ${e.step} changed page ${hex(at)} outside the range (${String(run.value)} -> ${String(!run.value)})`
                )
              ];
            }
          }
        }
        return [];
      }
    };
  }
};

/** A `VmAttrStored{private}` as the generic checkers' `AttrStored` entries over each bound index range. */
function asIndexCommits(view: WorldView, e: LogEntry): LogEntry[] {
  return boundGfns(view, e.data['start'] as number, e.data['end'] as number).map((r) => ({
    ...e,
    type: 'AttrStored',
    data: { gmem: r.gmem, start: r.start, end: r.end, private: true, by: e.data['by'] ?? null }
  }));
}

/** INV-1 and INV-2 in mode rfc-1g-v1: the generic rules applied to VM-attribute commits and VM-private indices. */
function vmAttrForm(generic: CheckerSpec, pinOrPte: 'GupPinned' | 'HostPteInstalled', what: string): CheckerSpec {
  return {
    id: generic.id,
    statement: `${generic.statement} (rfc-1g-v1: private = the VM attribute of the bound gfn)`,
    modes: ['rfc-1g-v1'],
    on: ['FaultabilityStored', 'GmemCreated', 'VmAttrStored', 'HostPteInstalled', 'GupPinned'],
    create: (header): Checker => {
      const rule = generic.create(header);
      return {
        id: generic.id,
        check(view, e) {
          if (e.kind !== 'fact') return [];
          if (e.type === 'VmAttrStored' && e.data['private'] === true) return asIndexCommits(view, e).flatMap((c) => rule.check(view, c));
          if (e.type !== pinOrPte) return [];
          const gmem = e.data['gmem'] as string;
          const index = e.data['index'] as number;
          if (firstVmPrivate(view, gmem, index, index + 1) < 0) return [];
          return [violation(generic.id, e, `${what} page ${hex(index)} of ${gmem} whose VM attribute is private, at step ${e.step}`)];
        }
      };
    }
  };
}

/** INV-1, rfc-1g-v1 form. */
export const inv1V1: CheckerSpec = vmAttrForm(inv1, 'HostPteInstalled', 'host PTE installed on');
/** INV-2, rfc-1g-v1 form. */
export const inv2V1: CheckerSpec = vmAttrForm(inv2, 'GupPinned', 'GUP reference taken on');
