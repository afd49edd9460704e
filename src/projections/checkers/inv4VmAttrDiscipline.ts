/**
 * INV-4, upstream form (spec §4 INV-4, O6): every write of the VM attribute
 * array (`VmAttrStored`) is made by the holder of `slots_lock`, and, when a
 * memslot overlaps the range, inside an invalidation (between
 * `kvm_mmu_invalidate_begin` and `_end`) so that racing faults retry (INV-6).
 */
import type { CheckerSpec } from '../checker.js';
import { hex, violation } from '../checker.js';

/** The INV-4 (upstream) checker. */
export const inv4Upstream: CheckerSpec = {
  id: 'INV-4',
  statement: 'VM attribute writes hold slots_lock and, over a memslot, happen inside an invalidation (begin..end)',
  // rfc-1g-v1 stores VM attributes through the upstream ioctl (its faultability discipline is inv4LockDiscipline.ts).
  modes: ['upstream-6.8', 'upstream-6.18', 'rfc-1g-v1'],
  on: ['LockAcquired', 'LockReleased', 'VmAttrStored'],
  create: () => {
    let slotsHolder: string | null = null;
    return {
      id: 'INV-4',
      check(view, e) {
        if (e.kind !== 'fact') return [];
        if ((e.type === 'LockAcquired' || e.type === 'LockReleased') && e.data['lock'] === 'slots') {
          slotsHolder = e.type === 'LockAcquired' ? (e.data['holder'] as string) : null;
          return [];
        }
        if (e.type !== 'VmAttrStored') return [];
        const by = e.data['by'] as string;
        const start = e.data['start'] as number;
        const end = e.data['end'] as number;
        const where = `attributes of gfns [${hex(start)}, ${hex(end)}) stored by ${by} at step ${e.step}`;
        if (slotsHolder !== by) return [violation('INV-4', e, `${where} without slots_lock (held by ${slotsHolder ?? 'nobody'})`)];
        const overlaps = [...view.kvm.memslots.values()].some((m) => !m.deleted && m.baseGfn < end && m.baseGfn + m.npages > start);
        if (overlaps && view.kvm.inProgress === 0) return [violation('INV-4', e, `${where} over a memslot outside an invalidation`)];
        return [];
      }
    };
  }
};
