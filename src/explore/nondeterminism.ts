/**
 * Nondeterminism check: a schedule's log must be a function of its plan. The
 * schedule is replayed from its recorded choices (`Deliver` causes) and the two
 * logs are compared entry by entry; the first difference is an error of the
 * model (hidden state, iteration over unordered data, a clock...), never a
 * protocol violation, and is reported as {@link NondeterminismError} (a
 * {@link ModelError}: exit 4).
 */
import { formatEntry } from '../events/logEntry.js';
import { type ProtocolChoice, protocolOf, runSchedule } from '../run/runner.js';
import { ReplayDivergence, ReplayStrategy } from '../runtime/scheduler.js';
import { ModelError } from '../runtime/world.js';
import type { SchedulePlan } from './plan.js';

/** Where two executions of one schedule first differed. */
export interface NondeterminismReport {
  readonly schedule: number;
  /** 1-based entry number (header excluded). */
  readonly entry: number;
  readonly expected: string | null;
  readonly actual: string | null;
}

/** A schedule did not reproduce: a gmemsim bug. */
export class NondeterminismError extends ModelError {
  constructor(readonly report: NondeterminismReport) {
    super(
      `nondeterministic model: schedule ${report.schedule} differs at entry ${report.entry} on replay (expected ${report.expected ?? '<end>'}, got ${report.actual ?? '<end>'})`,
      0
    );
    this.name = 'NondeterminismError';
  }
}

/** Replays `plan` from the choices in `lines` (its first run) and compares; null if identical. */
export function checkDeterminism(
  plan: SchedulePlan,
  variant: string | null,
  lines: readonly string[],
  maxSteps?: number,
  protocol: ProtocolChoice = {}
): NondeterminismReport | null {
  const choices: number[] = [];
  for (const l of lines) {
    if (l.includes('"type":"Deliver"')) {
      const e = JSON.parse(l) as { cause: number };
      choices.push(e.cause);
    }
  }
  let i = 0;
  let report: NondeterminismReport | null = null;
  try {
    runSchedule({
      scenario: plan.scenario,
      seed: plan.seed,
      variant,
      ...protocolOf(protocol),
      strategy: new ReplayStrategy(choices),
      ...(maxSteps === undefined ? {} : { maxSteps }),
      sink: {
        header: () => undefined,
        entry: (e) => {
          const actual = formatEntry(e);
          const expected = lines[i] ?? null;
          i++;
          if (actual !== expected) {
            report ??= { schedule: plan.index, entry: i, expected, actual };
            return false;
          }
          return true;
        }
      }
    });
  } catch (e) {
    if (!(e instanceof ReplayDivergence) && !(e instanceof ModelError)) throw e;
    report ??= { schedule: plan.index, entry: i + 1, expected: lines[i] ?? null, actual: null };
  }
  if (report === null && i < lines.length) report = { schedule: plan.index, entry: i + 1, expected: lines[i] ?? null, actual: null };
  return report;
}
