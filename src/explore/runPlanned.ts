/**
 * Runs one planned schedule and returns a plain, structured-cloneable outcome
 * (so worker threads can return it): statistics, the first violation, covered
 * transitions, visited state ids and, when asked, the result of the
 * nondeterminism check.
 */
import { formatEntry } from '../events/logEntry.js';
import type { Violation } from '../projections/violation.js';
import { type ProtocolChoice, protocolOf, runSchedule } from '../run/runner.js';
import type { Pending, Strategy } from '../runtime/scheduler.js';
import { ModelError } from '../runtime/world.js';
import { CoverageObserver } from './coverage.js';
import { checkDeterminism, type NondeterminismReport } from './nondeterminism.js';
import type { ScheduleKind, SchedulePlan } from './plan.js';

/** Outcome of one schedule. */
export interface ScheduleOutcome {
  readonly index: number;
  readonly kind: ScheduleKind;
  readonly seed: number;
  readonly steps: number;
  /** Steps with more than one deliverable message. */
  readonly choiceSteps: number;
  /** The run hit `maxSteps`. */
  readonly boundHit: boolean;
  readonly violation: Violation | null;
  /** Covered `machine|state|descriptor` triples (empty without coverage). */
  readonly covered: readonly string[];
  /** Defined triples of the machines this run instantiated. */
  readonly defined: readonly string[];
  /** Visited global-state ids. */
  readonly states: readonly number[];
  readonly nondeterminism: NondeterminismReport | null;
  readonly modelError: { readonly message: string; readonly step: number } | null;
}

/** What to measure in a run. */
export interface RunPlannedOptions extends ProtocolChoice {
  readonly variant: string | null;
  readonly maxSteps?: number;
  readonly coverage: boolean;
  /** Re-run and replay this schedule and compare step by step. */
  readonly checkDeterminism: boolean;
}

/** Counts choice steps around another strategy. */
export class CountingStrategy implements Strategy {
  choiceSteps = 0;
  readonly name: string;
  constructor(private readonly inner: Strategy) {
    this.name = inner.name;
  }
  pick(pending: readonly Pending[], step: number): number {
    if (pending.length > 1) this.choiceSteps++;
    return this.inner.pick(pending, step);
  }
}

/** Runs schedule `plan`. */
export function runPlanned(plan: SchedulePlan, opts: RunPlannedOptions): ScheduleOutcome {
  const observer = opts.coverage ? new CoverageObserver() : null;
  const strategy = new CountingStrategy(plan.strategy());
  const base = { index: plan.index, kind: plan.kind, seed: plan.seed };
  const lines: string[] | null = opts.checkDeterminism ? [] : null;
  try {
    const r = runSchedule({
      scenario: plan.scenario,
      seed: plan.seed,
      variant: opts.variant,
      ...protocolOf(opts),
      strategy,
      ...(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps }),
      ...(observer === null ? {} : { observer }),
      ...(lines === null ? {} : { sink: { header: () => undefined, entry: (e) => void lines.push(formatEntry(e)) } })
    });
    const nondeterminism = lines === null ? null : checkDeterminism(plan, opts.variant, lines, opts.maxSteps, opts);
    return {
      ...base,
      steps: r.steps,
      choiceSteps: strategy.choiceSteps,
      boundHit: r.reason === 'maxSteps',
      violation: r.violations[0] ?? null,
      covered: observer === null ? [] : [...observer.covered],
      defined: observer === null ? [] : [...observer.defined],
      states: observer === null ? [] : [...observer.states],
      nondeterminism,
      modelError: null
    };
  } catch (e) {
    if (!(e instanceof ModelError)) throw e;
    return {
      ...base,
      steps: e.step,
      choiceSteps: strategy.choiceSteps,
      boundHit: false,
      violation: null,
      covered: [],
      defined: [],
      states: [],
      nondeterminism: null,
      modelError: { message: e.message, step: e.step }
    };
  }
}
