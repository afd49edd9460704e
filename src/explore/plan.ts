/**
 * The plan of schedule `i` of an exploration: which strategy, which seed and
 * which configuration. A plan is a pure function of the exploration's options,
 * `i` and the PCT step estimate `k` of i's batch, so every worker derives the
 * same schedule i and `run`/`replay` can reproduce it.
 */
import type { Scenario } from '../scenarios/schema.js';
import { deriveSeed } from '../runtime/prng.js';
import { RandomStrategy, type Strategy } from '../runtime/scheduler.js';
import { PCT_DEPTH_MAX, PctStrategy } from './strategies/pct.js';
import { PosStrategy } from './strategies/pos.js';
import { type SwarmBounds, swarmScenario } from './swarm.js';

/** Strategies of `explore --strategy`. */
export const STRATEGY_KINDS = ['random', 'pct', 'pos', 'dpor', 'portfolio'] as const;
/** A strategy of `explore --strategy`. */
export type StrategyKind = (typeof STRATEGY_KINDS)[number];
/** What one sampled schedule runs (DPOR is a systematic search, not a sampled schedule). */
export type ScheduleKind = 'random' | 'pct' | 'pos' | 'swarm';
/** The order in which the portfolio interleaves strategies: schedule i runs `PORTFOLIO[i % 4]`. */
export const PORTFOLIO: readonly ScheduleKind[] = ['pct', 'pos', 'random', 'swarm'];

/** Initial PCT estimate of choice steps per run, before any run was measured. */
export const PCT_K_INITIAL = 32;

/** True if `s` names a strategy. */
export function isStrategyKind(s: string): s is StrategyKind {
  return (STRATEGY_KINDS as readonly string[]).includes(s);
}

/** The seed of schedule `i` of an exploration seeded with `seed`. */
export function scheduleSeed(seed: number, i: number): number {
  return deriveSeed(seed, i);
}

/** Options a plan depends on. */
export interface PlanOptions {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly strategy: Exclude<StrategyKind, 'dpor'>;
  readonly swarm?: SwarmBounds;
}

/** Schedule i, planned. */
export interface SchedulePlan {
  readonly index: number;
  readonly kind: ScheduleKind;
  readonly seed: number;
  readonly scenario: Scenario;
  /** PCT depth (kind pct only). */
  readonly depth: number | null;
  /** PCT step estimate used (kind pct only). */
  readonly k: number | null;
  /** A fresh strategy object for one run of this schedule. */
  strategy(): Strategy;
}

/** The kind of schedule i. */
export function scheduleKind(strategy: Exclude<StrategyKind, 'dpor'>, i: number): ScheduleKind {
  return strategy === 'portfolio' ? (PORTFOLIO[i % PORTFOLIO.length] as ScheduleKind) : strategy;
}

/**
 * PCT depth of schedule i: iterative deepening d = 1, 2, 3, 1, 2, 3, ... over
 * the PCT schedules of the exploration.
 */
export function pctDepth(strategy: Exclude<StrategyKind, 'dpor'>, i: number): number {
  const j = strategy === 'portfolio' ? Math.floor(i / PORTFOLIO.length) : i;
  return 1 + (j % PCT_DEPTH_MAX);
}

/** Plans schedule `i` with PCT estimate `k`. */
export function planSchedule(opts: PlanOptions, i: number, k: number): SchedulePlan {
  const kind = scheduleKind(opts.strategy, i);
  const seed = scheduleSeed(opts.seed, i);
  const base = { index: i, kind, seed, depth: null, k: null };
  switch (kind) {
    case 'random':
      return { ...base, scenario: opts.scenario, strategy: () => new RandomStrategy(seed) };
    case 'pos':
      return { ...base, scenario: opts.scenario, strategy: () => new PosStrategy(seed) };
    case 'swarm':
      return { ...base, scenario: swarmScenario(opts.scenario, seed, opts.swarm), strategy: () => new RandomStrategy(seed) };
    case 'pct': {
      const depth = pctDepth(opts.strategy, i);
      return { ...base, depth, k, scenario: opts.scenario, strategy: () => new PctStrategy(seed, depth, k) };
    }
  }
}
