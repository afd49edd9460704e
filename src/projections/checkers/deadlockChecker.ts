/**
 * DEADLOCK: the run ended with an actor blocked on a reply and nothing left to
 * deliver (the `End` entry says so).
 */
import type { CheckerSpec } from '../checker.js';
import { violation } from '../checker.js';

/** The DEADLOCK checker. */
export const deadlockChecker: CheckerSpec = {
  id: 'DEADLOCK',
  statement: 'no actor stays blocked when nothing is left to deliver',
  modes: ['*'],
  on: ['End'],
  create: () => ({
    id: 'DEADLOCK',
    check(_view, e) {
      if (e.kind !== 'sched' || e.type !== 'End' || e.data['reason'] !== 'deadlock') return [];
      const waiting = e.data['waiting'];
      const who = Array.isArray(waiting) ? waiting.join(', ') : 'some actor';
      return [violation('DEADLOCK', e, `deadlock at step ${e.step}: ${who} blocked with nothing left to deliver`)];
    }
  })
};
