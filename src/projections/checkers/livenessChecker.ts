/**
 * LIVENESS (bounded, spec §7.3): an operation (VMM ioctl or fault, vCPU access,
 * pre-fault, conversion) must complete within a bounded number of steps once
 * nothing conflicting is in flight. The monitor is hot for an operation while it
 * is pending and the only operation in flight; every delivery in that state
 * counts, and more than `livenessStepsMax` (scenario field, default
 * {@link LIVENESS_STEPS_MAX}) is a violation. Catches livelocks such as B1's
 * dangling invalidation (faults retry forever), B8, B15's leaked reference and
 * B18's spurious -EAGAIN loop.
 */
import { defineChecker, violation } from '../checker.js';

/** Default bound on the steps an operation may take while alone. */
export const LIVENESS_STEPS_MAX = 2000;

interface Pending {
  readonly op: number;
  readonly name: string;
  readonly startStep: number;
  alone: number;
}

interface State {
  /** Most steps an operation may take while alone. */
  readonly bound: number;
  /** thread -> its pending operation */
  readonly pending: Map<string, Pending>;
  reported: boolean;
}

/** The scenario's `livenessStepsMax`, read from the raw spec (hand-written headers may carry only that field). */
function boundOf(spec: unknown): number {
  if (typeof spec === 'object' && spec !== null && 'livenessStepsMax' in spec && typeof spec.livenessStepsMax === 'number') return spec.livenessStepsMax;
  return LIVENESS_STEPS_MAX;
}

/** The liveness checker. */
export const livenessChecker = defineChecker({
  id: 'LIVENESS',
  statement: 'an operation completes within a bounded number of steps once nothing conflicting is in flight',
  modes: ['*'],
  init: (header): State => ({ bound: boundOf(header.scenarioSpec), pending: new Map(), reported: false }),
  facts: {
    OpStarted: (s, e) => {
      s.pending.set(e.data.thread, { op: e.data.op, name: e.data.name, startStep: e.step, alone: 0 });
      for (const p of s.pending.values()) p.alone = 0;
      return [];
    },
    OpReturned: (s, e) => {
      s.pending.delete(e.data.thread);
      return [];
    }
  },
  sched: {
    Deliver: (s, e) => {
      if (s.pending.size !== 1 || s.reported) return [];
      const [first] = s.pending;
      if (first === undefined) return [];
      const [thread, p] = first;
      p.alone++;
      if (p.alone <= s.bound) return [];
      s.reported = true;
      return [
        violation(
          'LIVENESS',
          e,
          `${thread} op ${p.op} (${p.name}) started at step ${p.startStep} is still pending after ${p.alone} steps with nothing else in flight (bound ${s.bound})`,
          [p.startStep]
        )
      ];
    }
  }
});
