/**
 * Exploration: many schedules of one scenario until a violation, the schedule
 * count or the time budget.
 *
 * Sampled strategies (random, PCT, POS, swarm, and the portfolio interleaving
 * them) run schedules in fixed batches of {@link EXPLORE_BATCH}: schedule i is a
 * pure function of (options, i, the PCT estimate k of its batch), and k is
 * re-estimated between batches from the longest run seen so far (in choice
 * steps). Outcomes are aggregated in index order and aggregation stops at the
 * lowest-index violation, so the result (schedules counted, statistics,
 * coverage, first violation) is the same whether the batch ran here or on N
 * worker threads ({@link exploreParallel}). DPOR (`strategy: 'dpor'`) is a
 * systematic search instead ({@link dpor}).
 *
 * The first violation's schedule is re-run with a log writer (runs are
 * deterministic, so it is the same schedule), its log saved, and then shrunk
 * ({@link shrink}) to a second, replayable log.
 */
import { join } from 'node:path';
import type { LogEntry, LogHeader } from '../events/logEntry.js';
import { NdjsonLogWriter } from '../log/ndjsonWriter.js';
import type { Violation } from '../projections/violation.js';
import { type ProtocolChoice, protocolOf, runSchedule } from '../run/runner.js';
import type { Pending, Strategy } from '../runtime/scheduler.js';
import { ModelError } from '../runtime/world.js';
import type { Scenario } from '../scenarios/schema.js';
import { channelOf, choiceKeysOfEntries } from './choice.js';
import { CoverageObserver, type CoverageSummary } from './coverage.js';
import { dpor, type DporResult } from './dpor.js';
import { NondeterminismError } from './nondeterminism.js';
import { type PlanOptions, PCT_K_INITIAL, planSchedule, type ScheduleKind, scheduleSeed, type StrategyKind } from './plan.js';
import { runPlanned, type ScheduleOutcome } from './runPlanned.js';
import { type CounterexampleSize, shrink, type ShrinkOptions, writeShrunkLog } from './shrink.js';
import type { SwarmBounds } from './swarm.js';

export { scheduleSeed };

/** Schedules per batch (the unit of PCT re-estimation and of work handed to workers). */
export const EXPLORE_BATCH = 32;
/** Distinct states counted at most (memory bound); beyond it the count is a lower bound. */
export const DISTINCT_STATES_MAX = 2_000_000;

/** Options of {@link explore}. */
export interface ExploreOptions extends ProtocolChoice {
  readonly scenario: Scenario;
  readonly variant: string | null;
  /**
   * The plugin files `catalogue` was loaded from (`loadPlugins`): worker
   * threads load them again, since a catalogue (functions) cannot cross threads.
   */
  readonly pluginFiles?: readonly string[];
  readonly seed: number;
  /** Schedules to run (for DPOR: the execution budget). */
  readonly schedules: number;
  /** Stop starting new batches after this many milliseconds (checked between batches). */
  readonly timeBudgetMs?: number;
  /** Where the violation's log goes (created by the caller). */
  readonly outDir: string;
  readonly force?: boolean;
  /** Milliseconds since some fixed point; injected so the core stays clock-free. */
  readonly now?: () => number;
  /** Called as schedules complete (progress), in index order. */
  readonly onSchedule?: (done: number, steps: number) => void;
  /**
   * Strategy. Default `random` here (the foundation API's behaviour); the CLI
   * and {@link assertNoViolation} default to `portfolio`.
   */
  readonly strategy?: StrategyKind;
  /** Steps per schedule (default: the scenario's `maxSteps`). */
  readonly maxSteps?: number;
  /** Shrink the violation found (default true); options give the shrink budget. */
  readonly shrink?: boolean | ShrinkOptions;
  /** Replay every Nth schedule (index % N === 0) and compare step by step; 0 or absent: off. */
  readonly checkDeterminism?: number;
  /** Collect coverage and distinct states (default true). */
  readonly coverage?: boolean;
  /** Bounds of swarm schedules. */
  readonly swarm?: SwarmBounds;
  /** DPOR preemption bound. */
  readonly preemptionBound?: number;
}

/** A shrunk counterexample, saved. */
export interface ShrunkCounterexample {
  readonly log: string;
  readonly invariant: string;
  readonly before: CounterexampleSize;
  readonly after: CounterexampleSize;
  readonly runs: number;
  readonly fixpoint: boolean;
}

/** A violation found by exploration, with its saved log. */
export interface FoundViolation {
  readonly violation: Violation;
  readonly schedule: number;
  /** Seed of that schedule (what `run --seed` takes for random schedules). */
  readonly seed: number;
  readonly log: string;
  /** What schedule it was (`dpor` for a DPOR execution). */
  readonly kind: ScheduleKind | 'dpor';
  /** The shrunk counterexample (null if shrinking was off or did not reproduce). */
  readonly shrunk: ShrunkCounterexample | null;
}

/** Result of an exploration. */
export interface ExploreResult {
  readonly schedules: number;
  readonly steps: number;
  readonly stepsMin: number;
  readonly stepsMax: number;
  readonly found: FoundViolation | null;
  readonly stoppedBy: 'violation' | 'schedules' | 'timeBudget' | 'complete';
  readonly strategy: StrategyKind;
  /** Schedules per kind. */
  readonly kinds: Readonly<Record<string, number>>;
  /** Schedules that hit `maxSteps`. */
  readonly boundHits: number;
  readonly coverage: CoverageSummary;
  /** Final PCT estimate of choice steps per run. */
  readonly pctK: number;
  /** Schedules replayed by the nondeterminism check. */
  readonly determinismChecks: number;
  /** DPOR statistics (strategy dpor only). */
  readonly dpor: DporResult | null;
}

/** A batch of schedules to run: indices `[from, to)` with PCT estimate `k`. */
export interface BatchRequest {
  readonly from: number;
  readonly to: number;
  readonly k: number;
}

/** The aggregate of the schedules up to the first violation. */
interface Aggregate {
  schedules: number;
  steps: number;
  stepsMin: number;
  stepsMax: number;
  boundHits: number;
  determinismChecks: number;
  readonly kinds: Record<string, number>;
  readonly covered: Set<string>;
  readonly defined: Set<string>;
  readonly states: Set<number>;
  k: number;
  found: { outcome: ScheduleOutcome; k: number } | null;
  stoppedBy: ExploreResult['stoppedBy'];
}

/** The plan options of an exploration. */
export function planOptionsOf(opts: ExploreOptions): PlanOptions {
  const strategy = opts.strategy ?? 'random';
  if (strategy === 'dpor') throw new Error('planOptionsOf: dpor has no sampled plans');
  return { scenario: opts.scenario, seed: opts.seed, strategy, ...(opts.swarm === undefined ? {} : { swarm: opts.swarm }) };
}

/** Runs schedules `[from, to)` in this thread, stopping after the first one that violates (or fails). */
export function runBatch(opts: ExploreOptions, req: BatchRequest): ScheduleOutcome[] {
  const planOpts = planOptionsOf(opts);
  const out: ScheduleOutcome[] = [];
  for (let i = req.from; i < req.to; i++) {
    out.push(
      runPlanned(planSchedule(planOpts, i, req.k), {
        variant: opts.variant,
        ...protocolOf(opts),
        ...(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps }),
        coverage: opts.coverage !== false,
        checkDeterminism: opts.checkDeterminism !== undefined && opts.checkDeterminism > 0 && i % opts.checkDeterminism === 0
      })
    );
    // Later schedules of this slice cannot matter: aggregation stops at the lowest-index violation.
    const last = out[out.length - 1] as ScheduleOutcome;
    if (last.violation !== null || last.modelError !== null || last.nondeterminism !== null) break;
  }
  return out;
}

/**
 * The exploration loop as a generator: yields batches to run, receives their
 * outcomes (any order), returns the aggregate. Shared by the in-thread and the
 * worker-thread drivers so both give identical results.
 */
function* loop(opts: ExploreOptions): Generator<BatchRequest, Aggregate, readonly ScheduleOutcome[]> {
  const now = opts.now ?? (() => 0);
  const start = now();
  const agg: Aggregate = {
    schedules: 0,
    steps: 0,
    stepsMin: Number.POSITIVE_INFINITY,
    stepsMax: 0,
    boundHits: 0,
    determinismChecks: 0,
    kinds: {},
    covered: new Set(),
    defined: new Set(),
    states: new Set(),
    k: PCT_K_INITIAL,
    found: null,
    stoppedBy: 'schedules'
  };
  for (let from = 0; from < opts.schedules; from += EXPLORE_BATCH) {
    if (opts.timeBudgetMs !== undefined && now() - start >= opts.timeBudgetMs) {
      agg.stoppedBy = 'timeBudget';
      break;
    }
    const req: BatchRequest = { from, to: Math.min(opts.schedules, from + EXPLORE_BATCH), k: agg.k };
    const outcomes = [...(yield req)].sort((a, b) => a.index - b.index);
    let longest = 0;
    for (const o of outcomes) {
      if (o.modelError !== null) throw new ModelError(`schedule ${o.index} (seed ${o.seed}): ${o.modelError.message}`, o.modelError.step);
      if (o.nondeterminism !== null) throw new NondeterminismError(o.nondeterminism);
      if (o.nondeterminism === null && opts.checkDeterminism !== undefined && opts.checkDeterminism > 0 && o.index % opts.checkDeterminism === 0) {
        agg.determinismChecks++;
      }
      agg.schedules++;
      agg.steps += o.steps;
      agg.stepsMin = Math.min(agg.stepsMin, o.steps);
      agg.stepsMax = Math.max(agg.stepsMax, o.steps);
      if (o.boundHit) agg.boundHits++;
      agg.kinds[o.kind] = (agg.kinds[o.kind] ?? 0) + 1;
      for (const t of o.covered) agg.covered.add(t);
      for (const t of o.defined) agg.defined.add(t);
      for (const s of o.states) if (agg.states.size < DISTINCT_STATES_MAX) agg.states.add(s);
      longest = Math.max(longest, o.choiceSteps);
      opts.onSchedule?.(agg.schedules, agg.steps);
      if (o.violation !== null) {
        agg.found = { outcome: o, k: req.k };
        agg.stoppedBy = 'violation';
        return agg;
      }
    }
    // k re-estimated from longer runs: the longest run so far, in choice steps.
    agg.k = Math.max(agg.k, longest);
  }
  return agg;
}

/** Drives {@link loop} with a batch runner (sync). */
function driveSync(opts: ExploreOptions): Aggregate {
  const gen = loop(opts);
  let r = gen.next();
  for (let guard = 0; guard < Number.MAX_SAFE_INTEGER && r.done !== true; guard++) r = gen.next(runBatch(opts, r.value));
  return r.value as Aggregate;
}

/** Drives {@link loop} with an asynchronous batch runner (worker threads). */
export async function driveAsync(opts: ExploreOptions, run: (req: BatchRequest) => Promise<readonly ScheduleOutcome[]>): Promise<ExploreResult> {
  const gen = loop(opts);
  let r = gen.next();
  for (let guard = 0; guard < Number.MAX_SAFE_INTEGER && r.done !== true; guard++) r = gen.next(await run(r.value));
  return finish(opts, r.value as Aggregate);
}

function logPath(opts: ExploreOptions, seed: number, suffix = ''): string {
  const design = opts.design === undefined || opts.design === opts.scenario.mode ? '' : `-${opts.design}`;
  return join(opts.outDir, `${opts.scenario.name}${design}-${opts.variant ?? 'correct'}-${seed}${suffix}.ndjson`);
}

/** Runs `scenario` with `strategy`, saving the log to `path` and returning its entries. */
function saveRun(
  path: string,
  force: boolean,
  scenario: Scenario,
  seed: number,
  variant: string | null,
  strategy: Strategy,
  maxSteps: number | undefined,
  protocol: ProtocolChoice
): LogEntry[] {
  const writer = NdjsonLogWriter.create(path, { force });
  const entries: LogEntry[] = [];
  try {
    runSchedule({
      scenario,
      seed,
      variant,
      ...protocolOf(protocol),
      strategy,
      ...(maxSteps === undefined ? {} : { maxSteps }),
      sink: {
        header: (h: LogHeader) => writer.header(h),
        entry: (e: LogEntry) => {
          entries.push(e);
          writer.entry(e);
        }
      },
      onViolation: () => writer.flush()
    });
  } finally {
    writer.close();
  }
  return entries;
}

function shrinkAndSave(
  opts: ExploreOptions,
  scenario: Scenario,
  seed: number,
  violation: Violation,
  entries: readonly LogEntry[]
): ShrunkCounterexample | null {
  if (opts.shrink === false) return null;
  const r = shrink(
    {
      scenario,
      variant: opts.variant,
      ...protocolOf(opts),
      invariant: violation.invariant,
      choices: choiceKeysOfEntries(entries),
      ...(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps })
    },
    typeof opts.shrink === 'object' ? opts.shrink : {}
  );
  if (r === null) return null;
  const log = logPath(opts, seed, '.shrunk');
  writeShrunkLog(r, log, { seed, force: opts.force ?? false });
  return { log, invariant: r.violation.invariant, before: r.before, after: r.after, runs: r.runs, fixpoint: r.fixpoint };
}

function coverageOf(covered: ReadonlySet<string>, defined: ReadonlySet<string>, states: number): CoverageSummary {
  let inDefined = 0;
  for (const t of covered) if (defined.has(t)) inDefined++;
  return { transitionsCovered: inDefined, transitionsDefined: defined.size, distinctStates: states };
}

function finish(opts: ExploreOptions, agg: Aggregate): ExploreResult {
  let found: FoundViolation | null = null;
  if (agg.found !== null) {
    const o = agg.found.outcome;
    const plan = planSchedule(planOptionsOf(opts), o.index, agg.found.k);
    const log = logPath(opts, plan.seed);
    const entries = saveRun(log, opts.force ?? false, plan.scenario, plan.seed, opts.variant, plan.strategy(), opts.maxSteps, opts);
    const violation = o.violation as Violation;
    found = { violation, schedule: o.index, seed: plan.seed, log, kind: o.kind, shrunk: shrinkAndSave(opts, plan.scenario, plan.seed, violation, entries) };
  }
  return {
    schedules: agg.schedules,
    steps: agg.steps,
    stepsMin: agg.schedules === 0 ? 0 : agg.stepsMin,
    stepsMax: agg.stepsMax,
    found,
    stoppedBy: agg.stoppedBy,
    strategy: opts.strategy ?? 'random',
    kinds: agg.kinds,
    boundHits: agg.boundHits,
    coverage: coverageOf(agg.covered, agg.defined, agg.states.size),
    pctK: agg.k,
    determinismChecks: agg.determinismChecks,
    dpor: null
  };
}

/** Replays a channel sequence (`sender>receiver` per step), as DPOR found it. */
class ChannelReplayStrategy implements Strategy {
  readonly name = 'dpor';
  constructor(private readonly channels: readonly string[]) {}
  pick(pending: readonly Pending[], step: number): number {
    const want = this.channels[step];
    const i = want === undefined ? 0 : pending.findIndex((p) => channelOf(p) === want);
    if (i < 0) throw new ModelError(`dpor replay: channel ${want ?? ''} not deliverable at step ${step + 1}`, step + 1);
    return i;
  }
}

function exploreDpor(opts: ExploreOptions): ExploreResult {
  const observer = opts.coverage === false ? undefined : new CoverageObserver();
  const r = dpor({
    scenario: opts.scenario,
    variant: opts.variant,
    ...protocolOf(opts),
    maxExecutions: opts.schedules,
    ...(opts.preemptionBound === undefined ? {} : { preemptionBound: opts.preemptionBound }),
    ...(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps }),
    ...(observer === undefined ? {} : { observer }),
    ...(opts.onSchedule === undefined ? {} : { onExecution: opts.onSchedule })
  });
  let found: FoundViolation | null = null;
  if (r.found !== null) {
    const log = logPath(opts, opts.seed, '.dpor');
    const entries = saveRun(log, opts.force ?? false, opts.scenario, opts.seed, opts.variant, new ChannelReplayStrategy(r.found.channels), opts.maxSteps, opts);
    found = {
      violation: r.found.violation,
      schedule: r.found.execution - 1,
      seed: opts.seed,
      log,
      kind: 'dpor',
      shrunk: shrinkAndSave(opts, opts.scenario, opts.seed, r.found.violation, entries)
    };
  }
  return {
    schedules: r.executions,
    steps: r.steps,
    stepsMin: r.stepsMin,
    stepsMax: r.stepsMax,
    found,
    stoppedBy: found !== null ? 'violation' : r.complete ? 'complete' : r.incompleteReason === 'executions' ? 'schedules' : 'complete',
    strategy: 'dpor',
    kinds: { dpor: r.executions },
    boundHits: r.incompleteReason === 'maxSteps' ? 1 : 0,
    coverage:
      observer === undefined
        ? { transitionsCovered: 0, transitionsDefined: 0, distinctStates: 0 }
        : coverageOf(observer.covered, observer.defined, observer.states.size),
    pctK: 0,
    determinismChecks: 0,
    dpor: r
  };
}

/** Explores schedules until a violation, the count or the budget (in this thread). */
export function explore(opts: ExploreOptions): ExploreResult {
  if ((opts.strategy ?? 'random') === 'dpor') return exploreDpor(opts);
  return finish(opts, driveSync(opts));
}
