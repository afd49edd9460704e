/**
 * Property helpers for vitest / fast-check users: explore a scenario (or every
 * scenario an arbitrary generates) and fail with everything needed to
 * reproduce: the exploration seed, fast-check's seed and path, the saved log
 * and its `gmemsim replay` command.
 */
import { mkdirSync } from 'node:fs';
import fc from 'fast-check';
import type { Scenario } from '../scenarios/schema.js';
import { explore, type ExploreResult, type FoundViolation } from './explore.js';
import type { StrategyKind } from './plan.js';

/** What {@link assertNoViolation} explores. */
export interface NoViolationOptions {
  /** One scenario to explore (give this or `arbitrary`). */
  readonly scenario?: Scenario;
  /** Workloads to generate (e.g. {@link workloadArbitrary}); each is explored. */
  readonly arbitrary?: fc.Arbitrary<Scenario>;
  /** Variant id (null or absent: the correct protocol). */
  readonly variant?: string | null;
  /** Schedules per scenario (default 200). */
  readonly schedules?: number;
  /** Exploration master seed (default 1); also fast-check's seed if `fcSeed` is absent. */
  readonly seed?: number;
  /** fast-check seed (default: fast-check's global configuration, else `seed`). */
  readonly fcSeed?: number;
  /** fast-check runs (default 20). */
  readonly numRuns?: number;
  /** Strategy (default portfolio; dpor works for small scenarios). */
  readonly strategy?: StrategyKind;
  /** Where violation logs go (default `gmemsim-out`). */
  readonly outDir?: string;
}

/** Thrown by {@link assertNoViolation}: the message says how to reproduce. */
export class GmemsimViolationError extends Error {
  constructor(
    readonly found: FoundViolation,
    readonly seed: number
  ) {
    super(
      `${found.violation.invariant} violated at step ${found.violation.step}: ${found.violation.message}\n` +
        `  exploration seed ${seed}, schedule ${found.schedule} (${found.kind}, schedule seed ${found.seed})\n` +
        `  log: ${found.log}\n` +
        `  reproduce: gmemsim replay ${found.log}` +
        (found.shrunk === null ? '' : `\n  shrunk: gmemsim replay ${found.shrunk.log}`)
    );
    this.name = 'GmemsimViolationError';
  }
}

function exploreOne(scenario: Scenario, opts: NoViolationOptions, outDir: string, shrink: boolean): ExploreResult {
  return explore({
    scenario,
    variant: opts.variant ?? null,
    seed: opts.seed ?? 1,
    schedules: opts.schedules ?? 200,
    outDir,
    force: true,
    shrink,
    strategy: opts.strategy ?? 'portfolio'
  });
}

/**
 * Explores and throws {@link GmemsimViolationError} on the first violation.
 * With an arbitrary, runs a fast-check property: the thrown error is
 * fast-check's, whose message has fast-check's seed and path and, below, ours.
 */
export function assertNoViolation(opts: NoViolationOptions): void {
  const outDir = opts.outDir ?? 'gmemsim-out';
  mkdirSync(outDir, { recursive: true });
  const seed = opts.seed ?? 1;
  if (opts.scenario !== undefined) {
    const r = exploreOne(opts.scenario, opts, outDir, true);
    if (r.found !== null) throw new GmemsimViolationError(r.found, seed);
    return;
  }
  if (opts.arbitrary === undefined) throw new Error('assertNoViolation: give a scenario or an arbitrary');
  const fcSeed = opts.fcSeed ?? (fc.readConfigureGlobal().seed === undefined ? seed : undefined);
  fc.assert(
    fc.property(opts.arbitrary, (scenario) => {
      // fast-check shrinks the workload itself; gmemsim's shrinker stays off here.
      const r = exploreOne(scenario, opts, outDir, false);
      if (r.found !== null) throw new GmemsimViolationError(r.found, seed);
    }),
    { numRuns: opts.numRuns ?? 20, ...(fcSeed === undefined ? {} : { seed: fcSeed }) }
  );
}
