/**
 * Exploration: many schedules of one scenario, each from a seed derived from
 * (master seed, schedule index), until a violation, the schedule count or the
 * time budget. The first violation's schedule is re-run with a log writer (runs
 * are deterministic, so it is the same schedule) and its log saved.
 */
import { join } from 'node:path';
import { NdjsonLogWriter } from '../log/ndjsonWriter.js';
import type { Violation } from '../projections/violation.js';
import { deriveSeed } from '../runtime/prng.js';
import { runSchedule } from '../runtime/runner.js';
import type { Scenario } from '../scenarios/schema.js';

/** Options of {@link explore}. */
export interface ExploreOptions {
  readonly scenario: Scenario;
  readonly variant: string | null;
  readonly seed: number;
  readonly schedules: number;
  /** Stop starting new schedules after this many milliseconds (checked between schedules). */
  readonly timeBudgetMs?: number;
  /** Where the violation's log goes (created by the caller). */
  readonly outDir: string;
  readonly force?: boolean;
  /** Milliseconds since some fixed point; injected so the core stays clock-free. */
  readonly now?: () => number;
  /** Called after each schedule (progress). */
  readonly onSchedule?: (done: number, steps: number) => void;
}

/** A violation found by exploration, with its saved log. */
export interface FoundViolation {
  readonly violation: Violation;
  readonly schedule: number;
  /** Seed of that schedule (what `run --seed` takes). */
  readonly seed: number;
  readonly log: string;
}

/** Result of an exploration. */
export interface ExploreResult {
  readonly schedules: number;
  readonly steps: number;
  readonly stepsMin: number;
  readonly stepsMax: number;
  readonly found: FoundViolation | null;
  readonly stoppedBy: 'violation' | 'schedules' | 'timeBudget';
}

/** The seed of schedule `i` of an exploration seeded with `seed`. */
export function scheduleSeed(seed: number, i: number): number {
  return deriveSeed(seed, i);
}

/** Explores schedules until a violation, the count or the budget. */
export function explore(opts: ExploreOptions): ExploreResult {
  const now = opts.now ?? (() => 0);
  const start = now();
  let steps = 0;
  let stepsMin = Number.POSITIVE_INFINITY;
  let stepsMax = 0;
  let done = 0;
  for (let i = 0; i < opts.schedules; i++) {
    if (opts.timeBudgetMs !== undefined && now() - start >= opts.timeBudgetMs) {
      return { schedules: done, steps, stepsMin: done === 0 ? 0 : stepsMin, stepsMax, found: null, stoppedBy: 'timeBudget' };
    }
    const seed = scheduleSeed(opts.seed, i);
    const r = runSchedule({ scenario: opts.scenario, seed, variant: opts.variant });
    done++;
    steps += r.steps;
    stepsMin = Math.min(stepsMin, r.steps);
    stepsMax = Math.max(stepsMax, r.steps);
    opts.onSchedule?.(done, steps);
    const v = r.violations[0];
    if (v !== undefined) {
      const log = join(opts.outDir, `${opts.scenario.name}-${opts.variant ?? 'correct'}-${seed}.ndjson`);
      const writer = NdjsonLogWriter.create(log, { force: opts.force ?? false });
      try {
        runSchedule({ scenario: opts.scenario, seed, variant: opts.variant, sink: writer, onViolation: () => writer.flush() });
      } finally {
        writer.close();
      }
      return { schedules: done, steps, stepsMin, stepsMax, found: { violation: v, schedule: i, seed, log }, stoppedBy: 'violation' };
    }
  }
  return { schedules: done, steps, stepsMin: done === 0 ? 0 : stepsMin, stepsMax, found: null, stoppedBy: 'schedules' };
}
