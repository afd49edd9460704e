/**
 * INV-7 Invalidation bookkeeping (spec §4, O12, F-1912, F-b25a):
 * `mmu_invalidate_in_progress` never goes negative; a `range_add` happens only
 * inside an invalidation; an invalidation never ends with the accumulated range
 * still INVALID (no range was added: the WARN of F-1912), and no fault's locked
 * stale check finds one in progress with its range still INVALID; and when the run
 * settles (VM destruction) no invalidation is left in progress.
 */
import { defineChecker, violation } from '../checker.js';
import type { Violation } from '../violation.js';

interface MmuBook {
  inProgress: number;
  rangeValid: boolean;
  beginStep: number;
}

/** The bookkeeping of MMU `actor` (created at its first fact). */
function book(books: Map<string, MmuBook>, actor: string): MmuBook {
  let b = books.get(actor);
  if (b === undefined) {
    b = { inProgress: 0, rangeValid: false, beginStep: 0 };
    books.set(actor, b);
  }
  return b;
}

/** The INV-7 checker. */
export const inv7 = defineChecker({
  id: 'INV-7',
  statement: 'invalidate begin/end are balanced, in_progress >= 0, a range is added before every end, none dangles at VM destruction',
  modes: ['*'],
  /** MMU actor -> its invalidation bookkeeping. */
  init: () => new Map<string, MmuBook>(),
  facts: {
    InvalidateBegin: (books, e) => {
      const b = book(books, e.actor);
      if (b.inProgress === 0) {
        b.rangeValid = false;
        b.beginStep = e.step;
      }
      b.inProgress = e.data.inProgress;
      return [];
    },
    RangeAdded: (books, e) => {
      const b = book(books, e.actor);
      b.rangeValid = true;
      if (b.inProgress <= 0) return [violation('INV-7', e, `${e.actor}: range_add at step ${e.step} with no invalidation in progress`)];
      return [];
    },
    StaleCheck: (books, e) => {
      if (!e.data.locked) return [];
      // mmu_invalidate_retry_gfn under mmu_lock: an invalidation in progress must have a range.
      const b = book(books, e.actor);
      if (b.inProgress > 0 && !b.rangeValid) {
        return [
          violation(
            'INV-7',
            e,
            `${e.data.vcpu}'s locked stale check at step ${e.step} found an invalidation in progress since step ${b.beginStep} with no range added (WARN in mmu_invalidate_retry_gfn)`,
            [b.beginStep]
          )
        ];
      }
      return [];
    },
    InvalidateEnd: (books, e) => {
      const b = book(books, e.actor);
      const inProgress = e.data.inProgress;
      const out: Violation[] = [];
      if (inProgress < 0) out.push(violation('INV-7', e, `${e.actor}: mmu_invalidate_in_progress went negative (${inProgress}) at step ${e.step}`));
      if (!b.rangeValid) {
        out.push(violation('INV-7', e, `${e.actor}: invalidation begun at step ${b.beginStep} ended at step ${e.step} without any range added`, [b.beginStep]));
      }
      b.inProgress = inProgress;
      return out;
    }
  },
  sched: {
    End: (books, e) => {
      if (e.data.reason !== 'quiescent' && e.data.reason !== 'deadlock') return [];
      const out: Violation[] = [];
      for (const [actor, b] of books) {
        if (b.inProgress !== 0) {
          out.push(
            violation('INV-7', e, `${actor}: ${b.inProgress} invalidation(s) still in progress at VM destruction (begun at step ${b.beginStep})`, [b.beginStep])
          );
        }
      }
      return out;
    }
  }
});
