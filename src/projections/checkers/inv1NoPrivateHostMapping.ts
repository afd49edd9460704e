/**
 * INV-1 No private page in host page tables (spec §4): for every index whose
 * authoritative state is private, no host PTE maps any subpage of its folio.
 * Checked when a PTE is installed and when a range is committed private.
 */
import { defineChecker, hex, violation } from '../checker.js';
import type { Violation } from '../violation.js';
import { isPrivate, lastChange } from '../worldView.js';

/** The INV-1 checker. */
export const inv1 = defineChecker({
  id: 'INV-1',
  statement: 'no private page is mapped in host userspace page tables',
  modes: ['*'],
  init: () => undefined,
  facts: {
    HostPteInstalled: (_s, e, view) => {
      const { gmem, index } = e.data;
      if (!isPrivate(view, gmem, index)) return [];
      const since = lastChange(view, gmem, index);
      return [
        violation(
          'INV-1',
          e,
          `private page ${hex(index)} of ${gmem} mapped in ${e.data.mm} by ${e.actor} at step ${e.step}` +
            (since === undefined ? '' : ` after conversion committed at step ${since.step}`),
          since === undefined ? [] : [since.step]
        )
      ];
    },
    AttrStored: (_s, e, view) => {
      if (!e.data.private) return [];
      const { gmem, start, end } = e.data;
      const out: Violation[] = [];
      for (const [key, ptes] of view.ptes) {
        const [g, i] = key.split(':');
        const index = Number(i);
        if (g !== gmem || index < start || index >= end) continue;
        for (const p of ptes) {
          out.push(
            violation('INV-1', e, `page ${hex(index)} of ${gmem} committed private at step ${e.step} while mapped in ${p.mm} since step ${p.step}`, [p.step])
          );
        }
      }
      return out;
    }
  }
});
