/**
 * INV-21 Invalidation coverage for shared-only and GMEM_ONLY slots (spec §4,
 * F-fb6f): an attribute change zaps the SPTEs of the old attribute in every
 * memslot overlapping the range, including slots without guest_memfd. Checked
 * when the invalidation around a `VmAttrStored` ends: no SPTE over the stored
 * range still has the old attribute.
 */
import type { CheckerSpec } from '../checker.js';
import { hex, violation } from '../checker.js';
import { leafPages } from '../kvmView.js';
import type { Violation } from '../violation.js';

/** The INV-21 checker. */
export const inv21: CheckerSpec = {
  id: 'INV-21',
  statement: 'an attribute change zaps old-attribute SPTEs in every overlapping memslot, shared-only ones included',
  modes: ['upstream-6.8', 'upstream-6.18'],
  on: ['InvalidateEnd', 'VmAttrStored'],
  create: () => {
    let stored: { start: number; end: number; private: boolean; step: number }[] = [];
    return {
      id: 'INV-21',
      check(view, e) {
        if (e.kind !== 'fact') return [];
        if (e.type === 'VmAttrStored') {
          stored.push({ start: e.data['start'] as number, end: e.data['end'] as number, private: e.data['private'] === true, step: e.step });
          return [];
        }
        if (e.type !== 'InvalidateEnd' || view.kvm.inProgress !== 0 || stored.length === 0) return [];
        const out: Violation[] = [];
        for (const st of stored) {
          for (const s of view.kvm.sptes.values()) {
            if (s.step > st.step || s.private === st.private) continue;
            if (s.gfn >= st.end || s.gfn + leafPages(s.level) <= st.start) continue;
            out.push(
              violation(
                'INV-21',
                e,
                `SPTE ${s.root}:${hex(s.gfn)} (${s.private ? 'private' : 'shared'}, step ${s.step}) survived the change of [${hex(st.start)}, ${hex(st.end)}) to ${st.private ? 'private' : 'shared'} at step ${st.step}`,
                [s.step, st.step]
              )
            );
          }
        }
        stored = [];
        return out;
      }
    };
  }
};
