/**
 * INV-4 Attribute lock discipline, RFC form (spec §4): every write of the
 * guest_memfd attributes holds `invalidate_lock` for write; every read that
 * leads to a host mapping (host fault) or a guest mapping (`kvm_gmem_get_pfn`)
 * holds `invalidate_lock` from the read until the folio reference is taken.
 * In rfc-1g-v1 the faultability map plays the attributes' part.
 * Catches B10 deterministically: the fault's attribute read and its folio
 * reference are not covered by one hold of the lock.
 */
import type { FactEntry } from '../../events/facts.js';
import type { LogEntry } from '../../events/logEntry.js';
import { defineChecker, hex, violation } from '../checker.js';
import type { Violation } from '../violation.js';
import type { WorldView } from '../worldView.js';

interface Hold {
  readonly mode: 'R' | 'W';
  readonly since: number;
}

interface State {
  /** guest_memfd (its inode actor) -> holder -> hold of its `invalidate_lock` */
  readonly holders: Map<string, Map<string, Hold>>;
  /** thread -> the attribute (v1: faultability) it read last in its current op */
  readonly lastRead: Map<string, { gmem: string; index: number; step: number }>;
}

function holdOf(s: State, gmem: string, holder: string): Hold | undefined {
  return s.holders.get(gmem)?.get(holder);
}

/** A read of the attributes (rfc-1g-v1: the faultability read plays the attribute read's part in the host fault). */
function read(s: State, e: FactEntry<'AttrRead' | 'FaultabilityRead'>): [] {
  s.lastRead.set(e.data.by, { gmem: e.data.gmem, index: e.data.index, step: e.step });
  return [];
}

/** A store of the attributes (v1: faultability): only under `invalidate_lock` for write. */
function store(s: State, e: FactEntry<'AttrStored' | 'FaultabilityStored'>): Violation[] {
  const by = e.data.by;
  if (by === undefined) return [];
  const gmem = e.data.gmem;
  if (holdOf(s, gmem, by)?.mode === 'W') return [];
  return [
    violation(
      'INV-4',
      e,
      `${by} stored ${e.type === 'AttrStored' ? 'attributes' : 'faultability'} [${hex(e.data.start)}, ${hex(e.data.end)}) of ${gmem} at step ${e.step} without holding invalidate_lock for write`
    )
  ];
}

/** An op boundary: a read of an earlier op does not lead to this op's mapping. */
function opBoundary(s: State, e: FactEntry<'OpStarted' | 'OpReturned'>): [] {
  s.lastRead.delete(e.data.thread);
  return [];
}

/**
 * The reference a host fault takes (`HostFaultGotFolio`), or the folio a guest fault's
 * `kvm_gmem_get_pfn` locks (`FolioLocked`), by `thread`: its attribute read must be under the same hold.
 */
function tookFolio(s: State, view: WorldView, e: Pick<LogEntry, 'step' | 'seq'>, thread: string, folio: string): Violation[] {
  const r = s.lastRead.get(thread);
  if (r === undefined) return [];
  const f = view.folios.get(folio);
  if (f === undefined || f.gmem !== r.gmem || r.index < f.base || r.index >= f.base + 2 ** f.order) return [];
  s.lastRead.delete(thread);
  const h = holdOf(s, r.gmem, thread);
  if (h !== undefined && h.since <= r.step) return [];
  return [
    violation(
      'INV-4',
      e,
      `${thread} took the folio reference at step ${e.step} for page ${hex(r.index)} of ${r.gmem} whose attribute it read at step ${r.step} without holding invalidate_lock across both`,
      [r.step]
    )
  ];
}

/** The INV-4 checker (modes with guest_memfd-owned attributes). */
export const inv4 = defineChecker({
  id: 'INV-4',
  statement: 'attribute writes hold invalidate_lock for write; a read that leads to a mapping holds it until the folio reference is taken',
  modes: ['rfc-inplace-v8', 'rfc-1g-v2', 'rfc-1g-v1'],
  init: (): State => ({ holders: new Map(), lastRead: new Map() }),
  facts: {
    LockAcquired: (s, e) => {
      if (e.data.lock === 'invalidate') {
        let m = s.holders.get(e.actor);
        if (m === undefined) s.holders.set(e.actor, (m = new Map<string, Hold>()));
        m.set(e.data.holder, { mode: e.data.mode, since: e.step });
      }
      return [];
    },
    LockReleased: (s, e) => {
      if (e.data.lock === 'invalidate') s.holders.get(e.actor)?.delete(e.data.holder);
      return [];
    },
    AttrRead: read,
    FaultabilityRead: read,
    AttrStored: store,
    FaultabilityStored: store,
    OpStarted: opBoundary,
    OpReturned: opBoundary,
    HostFaultGotFolio: (s, e, view) => tookFolio(s, view, e, e.data.thread, e.data.folio),
    FolioLocked: (s, e, view) => tookFolio(s, view, e, e.data.by, e.data.folio)
  }
});
