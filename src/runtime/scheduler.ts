/**
 * Scheduling strategies: which pending message is delivered next.
 *
 * A strategy sees the deliverable messages (the head of every non-empty
 * channel, oldest first) and returns the index of the one to deliver. Every
 * choice is recorded in the log as a `Deliver` entry naming the message's `seq`,
 * which is all {@link ReplayStrategy} needs to re-execute a run.
 */
import { Prng } from './prng.js';

/** A deliverable message, as a strategy sees it. */
export interface Pending {
  /** `seq` of the message's log entry. */
  readonly seq: number;
  readonly from: string;
  readonly to: string;
  readonly type: string;
}

/** Picks the next delivery. */
export interface Strategy {
  /** Name written in the log header. */
  readonly name: string;
  /** Index into `pending` (non-empty, oldest first) of the message to deliver. */
  pick(pending: readonly Pending[], step: number): number;
}

/** Uniform random choice among the deliverable messages, from a seed. */
export class RandomStrategy implements Strategy {
  readonly name = 'random';
  private readonly prng: Prng;
  constructor(seed: number) {
    this.prng = new Prng(seed);
  }
  pick(pending: readonly Pending[]): number {
    return pending.length === 1 ? 0 : this.prng.int(pending.length);
  }
}

/** Raised when a replayed run offers no message the log says was delivered. */
export class ReplayDivergence extends Error {
  constructor(
    readonly step: number,
    readonly expectedSeq: number
  ) {
    super(`step ${step}: the log delivers message ${expectedSeq}, which is not deliverable in the replay`);
    this.name = 'ReplayDivergence';
  }
}

/** Re-executes recorded choices: at step k, delivers the message whose seq the log names. */
export class ReplayStrategy implements Strategy {
  readonly name = 'replay';
  constructor(private readonly choices: readonly number[]) {}
  pick(pending: readonly Pending[], step: number): number {
    const want = this.choices[step];
    if (want === undefined) throw new ReplayDivergence(step + 1, -1);
    const i = pending.findIndex((p) => p.seq === want);
    if (i < 0) throw new ReplayDivergence(step + 1, want);
    return i;
  }
}
