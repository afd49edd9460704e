/**
 * gmemsim as a library, for vitest and fast-check users: scenarios, modes and
 * variants as values; one schedule ({@link runSchedule}); exploration with the
 * random / PCT / POS / swarm / portfolio strategies ({@link explore},
 * {@link exploreParallel}) or DPOR ({@link dpor}); shrinking ({@link shrink});
 * replay and check of saved logs; a fast-check arbitrary for workloads
 * ({@link workloadArbitrary}) and a property helper ({@link assertNoViolation}).
 *
 * @packageDocumentation
 */
export { BUILTIN_SCENARIOS, DEFAULT_SCENARIO, findScenario } from './scenarios/builtins.js';
export { scenarioSchema } from './scenarios/schema.js';
export type { Scenario, ScenarioInput } from './scenarios/schema.js';
export { IMPLEMENTED_MODES, MODES, isMode } from './model/modes.js';
export type { Mode } from './model/modes.js';
export { VARIANTS, findVariant } from './variants/index.js';
export type { VariantInfo } from './variants/index.js';
export { runSchedule } from './run/runner.js';
export type { RunOptions, RunResult } from './run/runner.js';
export { ModelError } from './runtime/world.js';
export type { Violation } from './projections/violation.js';
export { replayLog } from './replay/replay.js';
export type { ReplayResult, Divergence } from './replay/replay.js';
export { checkLog } from './replay/check.js';
export type { CheckResult } from './replay/check.js';
export { explore, EXPLORE_BATCH, scheduleSeed } from './explore/explore.js';
export type { ExploreOptions, ExploreResult, FoundViolation, ShrunkCounterexample } from './explore/explore.js';
export { exploreParallel } from './explore/workers.js';
export type { ParallelExploreOptions } from './explore/workers.js';
export { STRATEGY_KINDS, PORTFOLIO, planSchedule } from './explore/plan.js';
export type { StrategyKind, ScheduleKind, SchedulePlan, PlanOptions } from './explore/plan.js';
export { PctStrategy } from './explore/strategies/pct.js';
export { PosStrategy } from './explore/strategies/pos.js';
export { FallbackReplayStrategy } from './explore/strategies/fallback.js';
export { dpor } from './explore/dpor.js';
export type { DporOptions, DporResult } from './explore/dpor.js';
export { shrink, writeShrunkLog } from './explore/shrink.js';
export type { ShrinkInput, ShrinkOptions, ShrinkResult, CounterexampleSize } from './explore/shrink.js';
export { swarmScenario } from './explore/swarm.js';
export type { SwarmBounds } from './explore/swarm.js';
export type { CoverageSummary } from './explore/coverage.js';
export { NondeterminismError } from './explore/nondeterminism.js';
export { workloadArbitrary } from './explore/arbitraries.js';
export type { WorkloadConstraints } from './explore/arbitraries.js';
export { assertNoViolation, GmemsimViolationError } from './explore/property.js';
export type { NoViolationOptions } from './explore/property.js';
