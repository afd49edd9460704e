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
import type { CheckerSpec } from '../checker.js';
import { violation } from '../checker.js';

/** Default bound on the steps an operation may take while alone. */
export const LIVENESS_STEPS_MAX = 2000;

interface Pending {
  readonly op: number;
  readonly name: string;
  readonly startStep: number;
  alone: number;
}

/** The liveness checker. */
export const livenessChecker: CheckerSpec = {
  id: 'LIVENESS',
  statement: 'an operation completes within a bounded number of steps once nothing conflicting is in flight',
  modes: ['*'],
  on: ['Deliver', 'OpReturned', 'OpStarted'],
  create: (header) => {
    const spec = header.scenarioSpec as { livenessStepsMax?: unknown } | null;
    const bound = typeof spec?.livenessStepsMax === 'number' ? spec.livenessStepsMax : LIVENESS_STEPS_MAX;
    const pending = new Map<string, Pending>();
    let reported = false;
    return {
      id: 'LIVENESS',
      check(_view, e) {
        if (e.kind === 'fact' && e.type === 'OpStarted') {
          pending.set(e.data['thread'] as string, { op: e.data['op'] as number, name: e.data['name'] as string, startStep: e.step, alone: 0 });
          for (const p of pending.values()) p.alone = 0;
          return [];
        }
        if (e.kind === 'fact' && e.type === 'OpReturned') {
          pending.delete(e.data['thread'] as string);
          return [];
        }
        if (e.kind !== 'sched' || e.type !== 'Deliver' || pending.size !== 1 || reported) return [];
        const [thread, p] = pending.entries().next().value as [string, Pending];
        p.alone++;
        if (p.alone <= bound) return [];
        reported = true;
        return [
          violation(
            'LIVENESS',
            e,
            `${thread} op ${p.op} (${p.name}) started at step ${p.startStep} is still pending after ${p.alone} steps with nothing else in flight (bound ${bound})`,
            [p.startStep]
          )
        ];
      }
    };
  }
};
