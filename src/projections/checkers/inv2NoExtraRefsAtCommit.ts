/**
 * INV-2 No extra references across a shared->private commit (spec §4): when a
 * range is committed private, every folio of the range holds only its page-cache
 * references, is not mapped and carries no GUP reference or pin. Corollary,
 * checked on every pin: no GUP reference is taken on a private index.
 * Stage-2 mappings hold no reference and are not counted.
 */
import { defineChecker, hex, violation } from '../checker.js';
import { GUP_PIN_COUNTING_BIAS } from '../../model/env.js';
import type { Violation } from '../violation.js';
import { isPrivate, lastChange } from '../worldView.js';

/** The INV-2 checker. */
export const inv2 = defineChecker({
  id: 'INV-2',
  statement: 'no mapping, GUP reference or pin survives a shared->private commit',
  modes: ['*'],
  init: () => undefined,
  facts: {
    AttrStored: (_s, e, view) => {
      if (!e.data.private) return [];
      const { gmem, start, end } = e.data;
      const out: Violation[] = [];
      for (const [id, f] of view.folios) {
        const nr = 2 ** f.order;
        if (f.gmem !== gmem || f.truncated || f.freed || f.base >= end || f.base + nr <= start) continue;
        const problems: string[] = [];
        const steps: number[] = [];
        // A large folio (2M/1G, §1.3.1) may straddle the range: GUP references and host mappings of its
        // subpages outside the committed range are legitimate and explain their references (+1 per
        // FOLL_GET, +1 per FOLL_PIN on a large folio, +GUP_PIN_COUNTING_BIAS on a small one, +1 per PTE).
        const inRange = (subpage: number): boolean => f.base + subpage >= start && f.base + subpage < end;
        let explained = nr;
        for (const [pin, p] of f.pins) {
          if (!inRange(p.subpage)) {
            explained += p.kind === 'get' || f.order > 0 ? 1 : GUP_PIN_COUNTING_BIAS;
            continue;
          }
          problems.push(
            `${p.kind === 'get' ? 'FOLL_GET reference' : p.longterm ? 'long-term pin' : 'pin'} ${pin} on page ${hex(f.base + p.subpage)} (step ${p.step})`
          );
          steps.push(p.step);
        }
        let mapped = 0;
        for (const [subpage, c] of f.mapcount) {
          if (inRange(subpage)) mapped += c;
          else explained += c;
        }
        if (mapped > 0) problems.push(`${mapped} host mapping(s)`);
        if (f.refcount !== explained && problems.length === 0) problems.push(`refcount ${f.refcount}, expected ${explained}`);
        if (problems.length > 0) {
          out.push(
            violation(
              'INV-2',
              e,
              `${gmem} range [${hex(start)}, ${hex(end)}) committed private at step ${e.step} while folio ${id} has ${problems.join(', ')}`,
              steps
            )
          );
        }
      }
      return out;
    },
    GupPinned: (_s, e, view) => {
      const { gmem, index } = e.data;
      const folio = view.folios.get(e.data.folio);
      if (folio === undefined || folio.truncated || !isPrivate(view, gmem, index)) return [];
      const since = lastChange(view, gmem, index);
      return [
        violation(
          'INV-2',
          e,
          `GUP ${e.data.kind} ${e.data.pin} taken on private page ${hex(index)} of ${gmem} at step ${e.step}` +
            (since === undefined ? '' : ` (private since step ${since.step})`),
          since === undefined ? [] : [since.step]
        )
      ];
    }
  }
});
