/**
 * PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi,
 * Nagarakatte, ASPLOS 2010), adapted to message deliveries.
 *
 * - The "threads" are {@link chainOf chains}: the program-running actor (VMM
 *   thread or vCPU) a delivery advances, else the receiving owner actor. Each
 *   chain gets a random distinct priority when first seen (lazily, so actors
 *   spawned during the run get one too).
 * - At every step the deliverable message of the highest-priority chain is
 *   delivered (the oldest one if the chain has several).
 * - `depth - 1` change points are drawn uniformly in `[1, k]`, where `k` is the
 *   estimated number of *choice steps* (steps with more than one deliverable
 *   message; only those are counted). When the choice-step counter reaches
 *   change point `j`, the chain just picked drops to priority `j` (below every
 *   initial priority), so another chain runs.
 *
 * With `n` chains, a bug of depth `d` is found with probability at least
 * `1 / (n * k^(d-1))` per schedule.
 */
import { Prng } from '../../runtime/prng.js';
import type { Pending, Strategy } from '../../runtime/scheduler.js';
import { chainOf } from '../choice.js';

/** Largest PCT depth tried by iterative deepening. */
export const PCT_DEPTH_MAX = 3;

/** The PCT strategy of one schedule. */
export class PctStrategy implements Strategy {
  readonly name: string;
  private readonly prng: Prng;
  private readonly priorities = new Map<string, number>();
  /** Choice-step numbers (1-based) at which the running chain is demoted, ascending. */
  readonly changePoints: readonly number[];
  private choiceSteps = 0;

  /**
   * @param seed - the schedule's seed
   * @param depth - bug depth `d` (>= 1): `d - 1` change points
   * @param k - estimated number of choice steps of a run (>= 1)
   */
  constructor(seed: number, depth: number, k: number) {
    if (!(depth >= 1) || !(k >= 1)) throw new Error(`PctStrategy: bad depth ${depth} or k ${k}`);
    this.name = `pct-d${depth}`;
    this.prng = new Prng(seed);
    const points: number[] = [];
    for (let i = 0; i < depth - 1; i++) points.push(1 + this.prng.int(Math.floor(k)));
    this.changePoints = points;
  }

  /** Choice steps seen so far. */
  get choiceStepCount(): number {
    return this.choiceSteps;
  }

  pick(pending: readonly Pending[]): number {
    if (pending.length === 1) return 0;
    this.choiceSteps++;
    let best = 0;
    let bestPriority = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < pending.length; i++) {
      const prio = this.priorityOf(chainOf(pending[i] as Pending));
      if (prio > bestPriority) {
        bestPriority = prio;
        best = i;
      }
    }
    const j = this.changePoints.indexOf(this.choiceSteps);
    if (j >= 0) this.priorities.set(chainOf(pending[best] as Pending), j + 1 - this.changePoints.length - 1);
    return best;
  }

  private priorityOf(chain: string): number {
    let p = this.priorities.get(chain);
    if (p === undefined) {
      // Initial priorities are in [1, 2); demoted ones are <= 0.
      p = 1 + this.prng.float();
      this.priorities.set(chain, p);
    }
    return p;
  }
}
