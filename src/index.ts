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

// ---- Extension API: your own variants, designs, checkers and scenarios (docs/write-a-variant.md)

export { defineVariant } from './variants/define.js';
export type { VariantDef, VariantInfo as VariantCatalogueEntry, VariantInput } from './variants/define.js';
export { defineMode } from './modes/define.js';
export type { ModeDef, ModeInput } from './modes/define.js';
export { applyPatch, MODE_TABLES } from './modes/index.js';
export type { ModeTable, OptionOwner, OwnerOptions, OwnerPatch, PathChange, PathName, PathPatch, ProtocolPatch } from './modes/table.js';
export { BASE_OWNERS, BASE_PATHS } from './modes/base.js';
export { defineChecker, hex, violation } from './projections/checker.js';
export type {
  CheckerDefinition,
  CheckerFold,
  CheckerSpec,
  EvolveHandler,
  FactHandler,
  FactHandlers,
  SchedHandler,
  SchedHandlers
} from './projections/checker.js';
export type { WorldView } from './projections/worldView.js';
export { defineScenario } from './scenarios/schema.js';
export type { ScenarioDef } from './scenarios/schema.js';
export { BUILTIN_CATALOGUE, extendCatalogue, PluginError, UnknownDesignError } from './run/catalogue.js';
export type { Catalogue, CatalogueVariant, Design, PluginRef } from './run/catalogue.js';
export { fileSha256, loadPlugins, MissingPluginError } from './run/plugins.js';
export type { LogReadOptions } from './replay/replay.js';
export type { ProtocolChoice } from './run/runner.js';

// ---- the typed protocol: messages per owner, facts, scheduler entries
export type * from './events/protocol/index.js';
export { isReplyTo, REPLY_TYPES } from './events/protocol/index.js';
export type { AnyFactEntry, FactData, FactEntry, FactType } from './events/facts.js';
export { factSchemas, isFact } from './events/facts.js';
export type { SchedData, SchedEntry, SchedType } from './events/sched.js';
export type { LogEntry, LogHeader } from './events/logEntry.js';
export type { ActorPort } from './events/actorPort.js';
export { ACTOR, PAGE_SIZE } from './model/env.js';
export type { ModelEnv } from './model/env.js';

// ---- the procedure DSL and the kernel paths a patch builds on
export { call, callGmem, lock, unlock } from './procedures/proc.js';
export type { KernelPaths, OpPaths, Proc, ProcContext, ThreadLocals } from './procedures/kernel.js';
export type { FaultOutcome, FaultRequest, FaultResult, GfnRanges, HeldFolio, HugepageState, LookupOptions, ZapFilter } from './procedures/types.js';
export type { OpResult, VmmOp } from './model/ops.js';
export type { VcpuOp } from './model/guestOps.js';
export {
  folioPut,
  folioRefFreeze,
  folioRefUnfreeze,
  folioUnlockPut,
  getFolio,
  getFolioOrErr,
  LOOKUP_RETRIES_MAX,
  unmapMappingPages
} from './procedures/filemap.js';
export { gmemInvalidateEnd, invalidateBeginRanges, kvmGmemInvalidateBegin, rangesOf } from './procedures/gmemInvalidate.js';
export { archInvalidateRange, hugepagesIn, invalidateBeginFileRanges, mergeHugepage, splitHugepage, truncateFolio, zapRanges } from './procedures/hugepage.js';
export { kvmGmemFaultUserMapping } from './procedures/hostFault.js';
export type { HostFaultOptions } from './procedures/hostFault.js';
export { convertRange } from './procedures/convert.js';
export { kvmGmemCheckConversion, kvmGmemIsSafeForConversion, kvmGmemSetAttributes, lruAddDrainAll } from './procedures/convertInPlace.js';
export { gupPin, gupUnpin, munmap } from './procedures/gup.js';
