/**
 * INV-12 Only small folios are host-mapped [UPSTREAM+RFC] (spec §4): any folio
 * with a host PTE has order 0 and no HugeTLB status; any hugepage range with at
 * least one shared index is split (RFC 1G). "Shared" is the guest_memfd
 * shareability in rfc-1g-v2 and the faultability map in rfc-1g-v1 (v1 splits a
 * hugepage before any of its indices becomes host-faultable).
 *
 * The second half is checked whenever the guest_memfd's `invalidate_lock` is
 * released and at the end of a run: a conversion stores shareability (v1: the
 * faultability) and splits under the lock held for write, and PUNCH_HOLE merges
 * and truncates under it, so the state in between is not observable by faults;
 * once the operation that made an index shared drops the lock, its hugepage
 * must be split.
 */
import type { LogEntry } from '../../events/logEntry.js';
import type { RangeMap } from '../../model/rangeMap.js';
import { defineChecker, hex, violation } from '../checker.js';
import type { Violation } from '../violation.js';
import type { WorldView } from '../worldView.js';
import { FaultabilityFold } from './inv3Faultability.js';

/** Huge folios (not truncated or freed) with an index `sharedIn` finds shared: one violation per folio. */
function unsplitShared(
  view: WorldView,
  e: Pick<LogEntry, 'step' | 'seq'>,
  reported: Set<string>,
  sharedMap: (gmem: string) => RangeMap<boolean> | undefined,
  shared: boolean,
  what: string
): Violation[] {
  const out: Violation[] = [];
  for (const [id, f] of view.folios) {
    if (f.order === 0 || f.truncated || f.freed || reported.has(id)) continue;
    const a = sharedMap(f.gmem);
    if (a === undefined) continue;
    const end = Math.min(f.base + 2 ** f.order, a.size);
    const at = f.base < end ? a.find(f.base, end, shared) : -1;
    if (at < 0) continue;
    reported.add(id);
    out.push(
      violation('INV-12', e, `hugepage [${hex(f.base)}, ${hex(end)}) of ${f.gmem} has ${what} index ${hex(at)} but folio ${id} (order ${f.order}) is not split`)
    );
  }
  return out;
}

interface State {
  /** Huge folios already reported. */
  readonly reported: Set<string>;
  /** rfc-1g-v1: the faultability map ("shared" = host-faultable); else null (shared = the attributes). */
  readonly fold: FaultabilityFold | null;
  /** Whether hugepages with a shared index must be split (rfc-1g-v1, rfc-1g-v2). */
  readonly split: boolean;
}

/** Huge folios with a shared (v1: host-faultable) index that are not split, reported at `e`. */
function splitCheck(s: State, view: WorldView, e: Pick<LogEntry, 'step' | 'seq'>): Violation[] {
  const fold = s.fold;
  // rfc-1g-v2: attributes with private = false are shared; rfc-1g-v1: faultability true is "shared".
  return fold === null
    ? unsplitShared(view, e, s.reported, (g) => view.attrs.get(g), false, 'shared')
    : unsplitShared(view, e, s.reported, (g) => fold.maps.get(g), true, 'host-faultable');
}

/** The INV-12 checker. */
export const inv12 = defineChecker({
  id: 'INV-12',
  statement: 'only small folios are host-mapped, and (RFC 1G) every hugepage with a shared (v1: host-faultable) index is split',
  modes: ['*'],
  init: (header): State => {
    const fold = header.mode === 'rfc-1g-v1' ? new FaultabilityFold() : null;
    return { reported: new Set(), fold, split: header.mode === 'rfc-1g-v2' || fold !== null };
  },
  facts: {
    FaultabilityStored: (s, e) => {
      s.fold?.stored(e);
      return [];
    },
    GmemCreated: (s, e) => {
      s.fold?.created(e);
      return [];
    },
    HostPteInstalled: (_s, e, view) => {
      const folio = e.data.folio;
      const f = view.folios.get(folio);
      if (f === undefined || (f.order === 0 && f.hugePage === undefined)) return [];
      return [
        violation(
          'INV-12',
          e,
          `host PTE of page ${hex(e.data.index)} maps folio ${folio} of order ${f.order}${f.hugePage === undefined ? '' : ' with HugeTLB status'}`
        )
      ];
    },
    LockReleased: (s, e, view) => (s.split && e.data.lock === 'invalidate' ? splitCheck(s, view, e) : [])
  },
  sched: {
    End: (s, e, view) => (s.split ? splitCheck(s, view, e) : [])
  }
});
