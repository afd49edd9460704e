/**
 * POS, partial-order sampling (Yuan, Yang, Gu, CAV 2018), adapted to message
 * deliveries: every deliverable message gets a random priority when it first
 * becomes deliverable; the highest-priority one is delivered; then every other
 * deliverable message *racing* with it (one to the same receiving actor, whose
 * state both touch) gets a fresh random priority. This samples partial orders
 * far more uniformly than a uniform random walk.
 */
import { Prng } from '../../runtime/prng.js';
import type { Pending, Strategy } from '../../runtime/scheduler.js';

/** The POS strategy of one schedule. */
export class PosStrategy implements Strategy {
  readonly name = 'pos';
  private readonly prng: Prng;
  private readonly priorities = new Map<number, number>();

  constructor(seed: number) {
    this.prng = new Prng(seed);
  }

  pick(pending: readonly Pending[]): number {
    let best = 0;
    let bestPriority = -1;
    for (let i = 0; i < pending.length; i++) {
      const seq = (pending[i] as Pending).seq;
      let p = this.priorities.get(seq);
      if (p === undefined) {
        p = this.prng.float();
        this.priorities.set(seq, p);
      }
      if (p > bestPriority) {
        bestPriority = p;
        best = i;
      }
    }
    const chosen = pending[best] as Pending;
    this.priorities.delete(chosen.seq);
    for (const q of pending) {
      if (q.seq !== chosen.seq && q.to === chosen.to) this.priorities.set(q.seq, this.prng.float());
    }
    return best;
  }
}
