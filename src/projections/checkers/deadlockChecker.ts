/**
 * DEADLOCK: the run ended with an actor blocked on a reply and nothing left to
 * deliver (the `End` entry says so).
 */
import { defineChecker, violation } from '../checker.js';

/** The DEADLOCK checker. */
export const deadlockChecker = defineChecker({
  id: 'DEADLOCK',
  statement: 'no actor stays blocked when nothing is left to deliver',
  modes: ['*'],
  init: () => undefined,
  facts: {},
  sched: {
    End: (_s, e) =>
      e.data.reason !== 'deadlock'
        ? []
        : [violation('DEADLOCK', e, `deadlock at step ${e.step}: ${e.data.waiting.join(', ')} blocked with nothing left to deliver`)]
  }
});
