/**
 * Fallback replay of a choice sequence by {@link ChoiceKey}: at step `s` the
 * message whose key is `choices[s]` is delivered if one is deliverable (the
 * oldest such); otherwise, and after the sequence ends, the *canonical* choice
 * is taken: the oldest deliverable message of the chain the previous step
 * advanced (no context switch), else the oldest deliverable message. A `null`
 * choice means "canonical".
 * Used by the shrinker, where workload and choice edits make the recorded
 * sequence only approximately applicable.
 */
import type { Pending, Strategy } from '../../runtime/scheduler.js';
import { chainOf, type ChoiceKey, choiceKey } from '../choice.js';

/** Replays choice keys, falling back to the oldest deliverable message. */
export class FallbackReplayStrategy implements Strategy {
  readonly name = 'shrunk';
  /** Keys actually delivered, one per step. */
  readonly taken: ChoiceKey[] = [];
  /** Chains actually advanced, one per step. */
  readonly chains: string[] = [];
  /** Per step: true if the delivery was not the canonical one. */
  readonly nonCanonical: boolean[] = [];

  constructor(private readonly choices: readonly (ChoiceKey | null)[]) {}

  pick(pending: readonly Pending[], step: number): number {
    const want = this.choices[step];
    const prev = this.chains[this.chains.length - 1];
    const same = prev === undefined ? -1 : pending.findIndex((p) => chainOf(p) === prev);
    const canonical = same >= 0 ? same : 0;
    let index = canonical;
    if (want !== undefined && want !== null) {
      const i = pending.findIndex((p) => choiceKey(p) === want);
      if (i >= 0) index = i;
    }
    const p = pending[index] as Pending;
    this.taken.push(choiceKey(p));
    this.chains.push(chainOf(p));
    this.nonCanonical.push(index !== canonical);
    return index;
  }
}
