/**
 * INV-14, SRCU clause (spec §2 rule, §4, B8): no thread waits for a memslot
 * update to complete (`MemslotWaitValid`: it needs an INVALID slot to go away)
 * while holding a `kvm->srcu` read section that a pending `synchronize_srcu` of
 * that update waits on. Folds `SrcuReadLock` / `SrcuReadUnlock` (open sessions
 * per holder), `SrcuSyncWaiting` (the sessions open at that moment are the ones
 * it waits for) / `SrcuSyncDone`, `MemslotWaitValid` / `MemslotValidWoken`; fires
 * when both sides of the cycle exist, whichever comes second. In the model only
 * memslot updates call `synchronize_srcu`.
 */
import type { LogEntry } from '../../events/logEntry.js';
import { defineChecker, violation } from '../checker.js';
import type { Violation } from '../violation.js';

interface State {
  /** session -> holder. */
  readonly open: Map<number, string>;
  /** synchronizer -> sessions it waits for (and step). */
  readonly syncs: Map<string, { sessions: Set<number>; step: number }>;
  /** holder -> step it started waiting for a valid slot. */
  readonly waiting: Map<string, number>;
  /** `holder|synchronizer` pairs already reported. */
  readonly reported: Set<string>;
}

/** The cycles (waiter holds a session a synchronizer waits for) not reported yet, reported at `e`. */
function cycles(st: State, e: Pick<LogEntry, 'step' | 'seq'>): Violation[] {
  const out: Violation[] = [];
  for (const [holder, since] of st.waiting) {
    const mine = [...st.open].filter(([, h]) => h === holder).map(([s]) => s);
    for (const [sync, w] of st.syncs) {
      const s = mine.find((x) => w.sessions.has(x));
      const key = `${holder}|${sync}`;
      if (s === undefined || st.reported.has(key)) continue;
      st.reported.add(key);
      out.push(
        violation(
          'INV-14',
          e,
          `${holder} waits (since step ${since}) for a memslot update while holding SRCU session ${s}, which ${sync}'s synchronize_srcu (since step ${w.step}) waits for: deadlock`,
          [since, w.step]
        )
      );
    }
  }
  return out;
}

/** The INV-14 SRCU checker (reports invariant `INV-14`). */
export const inv14Srcu = defineChecker({
  id: 'INV-14-SRCU',
  statement: "no thread waits for a memslot update while holding the kvm->srcu read section that the update's synchronize_srcu waits for",
  modes: ['*'],
  init: (): State => ({ open: new Map(), syncs: new Map(), waiting: new Map(), reported: new Set() }),
  facts: {
    SrcuReadLock: (s, e) => {
      s.open.set(e.data.session, e.data.holder);
      return [];
    },
    SrcuReadUnlock: (s, e) => {
      s.open.delete(e.data.session);
      return [];
    },
    SrcuSyncWaiting: (s, e) => {
      s.syncs.set(e.data.holder, { sessions: new Set(s.open.keys()), step: e.step });
      return cycles(s, e);
    },
    SrcuSyncDone: (s, e) => {
      s.syncs.delete(e.data.holder);
      return [];
    },
    MemslotWaitValid: (s, e) => {
      s.waiting.set(e.data.holder, e.step);
      return cycles(s, e);
    },
    MemslotValidWoken: (s, e) => {
      s.waiting.delete(e.data.holder);
      return [];
    }
  }
});
