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
import type { CheckerSpec } from '../checker.js';
import { violation } from '../checker.js';
import type { Violation } from '../violation.js';

/** The INV-14 SRCU checker (reports invariant `INV-14`). */
export const inv14Srcu: CheckerSpec = {
  id: 'INV-14-SRCU',
  statement: "no thread waits for a memslot update while holding the kvm->srcu read section that the update's synchronize_srcu waits for",
  modes: ['*'],
  on: ['MemslotValidWoken', 'MemslotWaitValid', 'SrcuReadLock', 'SrcuReadUnlock', 'SrcuSyncDone', 'SrcuSyncWaiting'],
  create: () => {
    /** session -> holder. */
    const open = new Map<number, string>();
    /** synchronizer -> sessions it waits for (and step). */
    const syncs = new Map<string, { sessions: Set<number>; step: number }>();
    /** holder -> step it started waiting for a valid slot. */
    const waiting = new Map<string, number>();
    const reported = new Set<string>();
    const cycles = (e: LogEntry): Violation[] => {
      const out: Violation[] = [];
      for (const [holder, since] of waiting) {
        const mine = [...open].filter(([, h]) => h === holder).map(([s]) => s);
        for (const [sync, w] of syncs) {
          const s = mine.find((x) => w.sessions.has(x));
          const key = `${holder}|${sync}`;
          if (s === undefined || reported.has(key)) continue;
          reported.add(key);
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
    };
    return {
      id: 'INV-14-SRCU',
      check(_view, e) {
        if (e.kind !== 'fact') return [];
        const d = e.data;
        switch (e.type) {
          case 'SrcuReadLock':
            open.set(d['session'] as number, d['holder'] as string);
            return [];
          case 'SrcuReadUnlock':
            open.delete(d['session'] as number);
            return [];
          case 'SrcuSyncWaiting':
            syncs.set(d['holder'] as string, { sessions: new Set(open.keys()), step: e.step });
            return cycles(e);
          case 'SrcuSyncDone':
            syncs.delete(d['holder'] as string);
            return [];
          case 'MemslotWaitValid':
            waiting.set(d['holder'] as string, e.step);
            return cycles(e);
          case 'MemslotValidWoken':
            waiting.delete(d['holder'] as string);
            return [];
          default:
            return [];
        }
      }
    };
  }
};
