/**
 * INV-4, upstream form (spec §4 INV-4, O6): every write of the VM attribute
 * array (`VmAttrStored`) is made by the holder of `slots_lock`, and, when a
 * memslot overlaps the range, inside an invalidation (between
 * `kvm_mmu_invalidate_begin` and `_end`) so that racing faults retry (INV-6).
 */
import type { FactEntry } from '../../events/facts.js';
import { defineChecker, hex, violation } from '../checker.js';

interface State {
  /** Holder of `slots_lock`, or null. */
  slotsHolder: string | null;
}

/** Follows `slots_lock`. */
function slotsLock(s: State, e: FactEntry<'LockAcquired' | 'LockReleased'>): [] {
  if (e.data.lock === 'slots') s.slotsHolder = e.type === 'LockAcquired' ? e.data.holder : null;
  return [];
}

/** The INV-4 (upstream) checker. */
export const inv4Upstream = defineChecker({
  id: 'INV-4',
  statement: 'VM attribute writes hold slots_lock and, over a memslot, happen inside an invalidation (begin..end)',
  // rfc-1g-v1 stores VM attributes through the upstream ioctl (its faultability discipline is inv4LockDiscipline.ts).
  modes: ['upstream-6.8', 'upstream-6.18', 'rfc-1g-v1'],
  init: (): State => ({ slotsHolder: null }),
  facts: {
    LockAcquired: slotsLock,
    LockReleased: slotsLock,
    VmAttrStored: (s, e, view) => {
      const { by, start, end } = e.data;
      const where = `attributes of gfns [${hex(start)}, ${hex(end)}) stored by ${by} at step ${e.step}`;
      if (s.slotsHolder !== by) return [violation('INV-4', e, `${where} without slots_lock (held by ${s.slotsHolder ?? 'nobody'})`)];
      const overlaps = [...view.kvm.memslots.values()].some((m) => !m.deleted && m.baseGfn < end && m.baseGfn + m.npages > start);
      if (overlaps && view.kvm.inProgress === 0) return [violation('INV-4', e, `${where} over a memslot outside an invalidation`)];
      return [];
    }
  }
});
