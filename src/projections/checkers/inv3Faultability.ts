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
import type { FactEntry } from '../../events/facts.js';
import { RangeMap } from '../../model/rangeMap.js';
import { type DefinedChecker, defineChecker, hex, violation } from '../checker.js';
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

/** The runs `[start, end)` a `FaultabilityStored` left with their faultability (parallel arrays; a hand-written log's extra elements are ignored). */
function runs(e: FactEntry<'FaultabilityStored'>): { start: number; end: number; faultable: boolean }[] {
  const { runStarts, runEnds, runFaultable } = e.data;
  const out: { start: number; end: number; faultable: boolean }[] = [];
  runStarts.forEach((start, i) => {
    const end = runEnds[i];
    if (end !== undefined) out.push({ start, end, faultable: runFaultable[i] === true });
  });
  return out;
}

/** Faultability per guest_memfd, folded from `FaultabilityStored` (and `GmemCreated` for the size). */
export class FaultabilityFold {
  private readonly pages = new Map<string, number>();
  /** Faultability of each guest_memfd by index (true = the host may fault it). */
  readonly maps = new Map<string, RangeMap<boolean>>();

  /** Folds a `GmemCreated`: the size of the file. */
  created(e: FactEntry<'GmemCreated'>): void {
    this.pages.set(e.data.gmem, e.data.pages);
  }

  /** Folds a `FaultabilityStored`; returns the file's map before and after it. */
  stored(e: FactEntry<'FaultabilityStored'>): { before: RangeMap<boolean>; after: RangeMap<boolean> } {
    const gmem = e.data.gmem;
    const size = this.pages.get(gmem) ?? Math.max(1, ...e.data.runEnds);
    const before = this.maps.get(gmem) ?? RangeMap.filled(size, false);
    let after = before;
    for (const r of runs(e)) after = after.store(r.start, r.end, r.faultable);
    this.maps.set(gmem, after);
    return { before, after };
  }
}

/** The INV-3 checker (mode rfc-1g-v1). */
export const inv3 = defineChecker({
  id: 'INV-3',
  statement: 'a host-faultable index is never private: faultability is cleared before the private commit and set only after the to-shared invalidation',
  modes: ['rfc-1g-v1'],
  init: () => new FaultabilityFold(),
  facts: {
    GmemCreated: (fold, e) => {
      fold.created(e);
      return [];
    },
    FaultabilityStored: (fold, e, view) => {
      fold.stored(e);
      const gmem = e.data.gmem;
      const out: Violation[] = [];
      for (const r of runs(e)) {
        if (!r.faultable) continue;
        const p = firstVmPrivate(view, gmem, r.start, r.end);
        if (p >= 0)
          out.push(
            violation('INV-3', e, `page ${hex(p)} of ${gmem} is host-faultable after the faultability store at step ${e.step} but its VM attribute is private`)
          );
      }
      return out;
    },
    VmAttrStored: (fold, e, view) => {
      if (!e.data.private) return [];
      const out: Violation[] = [];
      for (const r of boundGfns(view, e.data.start, e.data.end)) {
        const f = fold.maps.get(r.gmem);
        const i = f === undefined ? -1 : f.find(r.start, r.end, true);
        if (i >= 0) out.push(violation('INV-3', e, `gfns committed private at step ${e.step} while page ${hex(i)} of ${r.gmem} is still host-faultable`));
      }
      return out;
    }
  }
});

/** B13's oracle: a faultability store changes nothing outside its requested range (mode rfc-1g-v1). */
export const storeExact = defineChecker({
  id: 'STORE-EXACT',
  statement: 'after any faultability store, indices outside the requested range are unchanged',
  modes: ['rfc-1g-v1'],
  init: () => new FaultabilityFold(),
  facts: {
    GmemCreated: (fold, e) => {
      fold.created(e);
      return [];
    },
    FaultabilityStored: (fold, e) => {
      const { before, after } = fold.stored(e);
      if (e.data.by === undefined) return [];
      const { start, end, gmem } = e.data;
      for (const r of runs(e)) {
        const outside: readonly (readonly [number, number])[] = [
          [r.start, Math.min(r.end, start)],
          [Math.max(r.start, end), r.end]
        ];
        for (const [a, b] of outside) {
          if (a >= b) continue;
          for (const run of before.slice(a, b)) {
            if (after.uniform(run.start, run.end, run.value)) continue;
            const at = after.find(run.start, run.end, !run.value);
            return [
              violation(
                'STORE-EXACT',
                e,
                `storing faultability ${String(e.data.faultable)} over [${hex(start)}, ${hex(end)}) of ${gmem} at step ${e.step} changed page ${hex(at)} outside the range (${String(run.value)} -> ${String(!run.value)})`
              )
            ];
          }
        }
      }
      return [];
    }
  }
});

/** A `VmAttrStored{private}` as the generic checkers' `AttrStored` entries over each bound index range. */
function asIndexCommits(view: WorldView, e: FactEntry<'VmAttrStored'>): FactEntry<'AttrStored'>[] {
  return boundGfns(view, e.data.start, e.data.end).map((r) => ({
    seq: e.seq,
    step: e.step,
    actor: e.actor,
    cause: e.cause,
    ...(e.to === undefined ? {} : { to: e.to }),
    kind: 'fact',
    type: 'AttrStored',
    data: { gmem: r.gmem, start: r.start, end: r.end, private: true, by: e.data.by }
  }));
}

/** INV-1 and INV-2 in mode rfc-1g-v1: the generic rules applied to VM-attribute commits and VM-private indices. */
function vmAttrForm<S>(generic: DefinedChecker<S>, pinOrPte: 'GupPinned' | 'HostPteInstalled', what: string): DefinedChecker<S> {
  const commit = generic.facts.AttrStored;
  const onPrivate = (e: FactEntry<'GupPinned' | 'HostPteInstalled'>, view: WorldView): Violation[] => {
    const { gmem, index } = e.data;
    if (firstVmPrivate(view, gmem, index, index + 1) < 0) return [];
    return [violation(generic.id, e, `${what} page ${hex(index)} of ${gmem} whose VM attribute is private, at step ${e.step}`)];
  };
  return defineChecker<S>({
    id: generic.id,
    statement: `${generic.statement} (rfc-1g-v1: private = the VM attribute of the bound gfn)`,
    modes: ['rfc-1g-v1'],
    init: generic.init,
    facts: {
      VmAttrStored: (s, e, view) => (!e.data.private || commit === undefined ? [] : asIndexCommits(view, e).flatMap((c) => commit(s, c, view))),
      ...(pinOrPte === 'GupPinned'
        ? { GupPinned: (_s: S, e: FactEntry<'GupPinned'>, view: WorldView) => onPrivate(e, view) }
        : { HostPteInstalled: (_s: S, e: FactEntry<'HostPteInstalled'>, view: WorldView) => onPrivate(e, view) })
    }
  });
}

/** INV-1, rfc-1g-v1 form. */
export const inv1V1 = vmAttrForm(inv1, 'HostPteInstalled', 'host PTE installed on');
/** INV-2, rfc-1g-v1 form. */
export const inv2V1 = vmAttrForm(inv2, 'GupPinned', 'GUP reference taken on');
