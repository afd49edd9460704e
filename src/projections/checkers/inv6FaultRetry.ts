/**
 * INV-6 Fault/invalidation retry (spec §4): an SPTE is installed only if the
 * installing vCPU's fault would pass `mmu_invalidate_retry_gfn(seq, gfn)` at that
 * moment: no invalidation in progress whose accumulated range contains the gfn
 * (or whose range is still INVALID), and `mmu_invalidate_seq` equal to the
 * fault's snapshot. Checked on every `SptInstalled` against the fault of its
 * `VcpuFaultStarted`.
 */
import { defineChecker, hex, violation } from '../checker.js';
import { invalidationCovers } from '../kvmView.js';

/** The INV-6 checker. */
export const inv6 = defineChecker({
  id: 'INV-6',
  statement: 'a fault installs an SPTE only if no invalidation overlapping its gfn began or ended since its mmu_seq snapshot',
  modes: ['*'],
  init: () => undefined,
  facts: {
    SptInstalled: (_s, e, view) => {
      const by = e.data.by;
      const fault = view.kvm.faults.get(by);
      if (fault === undefined) return [];
      const where = `SPTE for gfn ${hex(fault.gfn)} installed by ${by} at step ${e.step} (fault snapshot seq ${fault.seq} at step ${fault.step})`;
      if (view.kvm.seq !== fault.seq) {
        return [violation('INV-6', e, `${where} after mmu_invalidate_seq moved to ${view.kvm.seq}`, [fault.step])];
      }
      if (invalidationCovers(view.kvm, fault.gfn)) {
        return [
          violation('INV-6', e, `${where} while an invalidation covering it is in progress (begun at step ${view.kvm.beganAt})`, [fault.step, view.kvm.beganAt])
        ];
      }
      return [];
    }
  }
});
