/**
 * Runs one schedule of a scenario: builds the world, wires the log stream to the
 * monitor and the sinks, drives the scheduler and returns the verdict.
 */
import type { LogEntry, LogHeader } from '../events/logEntry.js';
import { LOG_FORMAT_VERSION } from '../events/logEntry.js';
import { ACTOR, type MemslotConfig, type ModelEnv, type VmConfig } from '../model/env.js';
import { MODE_TABLES } from '../modes/index.js';
import type { ModeTable } from '../modes/table.js';
import { BUILTIN_CATALOGUE, type Catalogue, designOf, type PluginRef, tableOf } from './catalogue.js';
import { ScenarioError } from '../scenarios/load.js';
import { Monitor } from '../projections/monitor.js';
import type { Violation } from '../projections/violation.js';
import { folioOrderOf, modeProblem, type Scenario, threadId } from '../scenarios/schema.js';
import { GMEMSIM_VERSION } from '../version.js';
import { vcpuId } from '../model/guestOps.js';
import { actorFactories } from './actors.js';
import { RandomStrategy, type Strategy } from '../runtime/scheduler.js';
import { type DeliveryObserver, type StopReason, World } from '../runtime/world.js';

/** Options of {@link runSchedule}. */
export interface RunOptions {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly variant?: string | null;
  /** Defaults to a {@link RandomStrategy} seeded with `seed`. */
  readonly strategy?: Strategy;
  /**
   * Receives the header first, then every entry (e.g. a log writer). An `entry`
   * that returns false stops the run after the current step (e.g. a replay that
   * diverged).
   */
  readonly sink?: { header(h: LogHeader): void; entry(e: LogEntry): boolean | void };
  /** Called with each violation as it is found (e.g. to flush a log writer). */
  readonly onViolation?: (v: readonly Violation[]) => void;
  /** Stop at the first violation (default true). */
  readonly stopOnViolation?: boolean;
  /** Invariant ids whose checkers are left out (e.g. to see the deeper consequence of a variant). */
  readonly ignore?: readonly string[];
  /** Run the invariant checkers (default true). */
  readonly check?: boolean;
  readonly maxSteps?: number;
  /** Sees every delivery (coverage, state hashing). */
  readonly observer?: DeliveryObserver;
  /** Where designs, variants and checkers come from (default: the built-in ones; plugins extend it). */
  readonly catalogue?: Catalogue;
  /** The design to run (default: the scenario's mode); a plugin's design must be built on the scenario's mode. */
  readonly design?: string;
}

/** Which protocol a run uses besides the variant: the catalogue it draws from and the design (see {@link RunOptions}). */
export interface ProtocolChoice {
  readonly catalogue?: Catalogue;
  readonly design?: string;
}

/** The defined fields of `o`'s protocol choice (to spread into {@link RunOptions}). */
export function protocolOf(o: ProtocolChoice): ProtocolChoice {
  return { ...(o.catalogue === undefined ? {} : { catalogue: o.catalogue }), ...(o.design === undefined ? {} : { design: o.design }) };
}

/** Outcome of one schedule. */
export interface RunResult {
  readonly header: LogHeader;
  readonly reason: StopReason;
  readonly steps: number;
  readonly entries: number;
  readonly violations: readonly Violation[];
}

/** The environment a scenario describes, run with protocol table `table`. */
export function envOf(scenario: Scenario, variant: string | null, table: ModeTable = MODE_TABLES[scenario.mode]): ModelEnv {
  const g = scenario.gmem;
  return {
    mode: scenario.mode,
    variant,
    pages: g.pages,
    folioOrder: folioOrderOf(g.folioSize),
    initShared: g.initShared,
    binding: g.bound ? { slot: 0, baseGfn: g.baseGfn, pgoff: 0, npages: Math.min(g.bindPages ?? g.pages, g.pages) } : null,
    ...(g.hugePool === undefined ? {} : { hugePoolPages: g.hugePool }),
    ...(g.mmap ? { gmemMmap: true } : {}),
    ...(scenario.vm === undefined ? {} : { vm: vmConfigOf(scenario) }),
    ...(scenario.threads.some((t) => t.ops.some((o) => o.op === 'memoryFailure')) ? { hwpoison: true } : {}),
    ...(table.hugetlbAllocator ? { hugetlbAllocator: true } : {})
  };
}

/** The VM a scenario describes (`vm`), defaults filled in. */
function vmConfigOf(scenario: Scenario): VmConfig {
  const g = scenario.gmem;
  const v = scenario.vm;
  const level = { '4K': 1, '2M': 2, '1G': 3 } as const;
  const memslots: MemslotConfig[] =
    v?.memslots?.map((m) => ({
      id: m.id,
      asId: m.asId,
      baseGfn: m.baseGfn,
      npages: m.npages,
      gmem: m.guestMemfd ? ACTOR.gmem : null,
      pgoff: m.pgoff,
      userspacePage: m.userspacePage ?? 0x40000 + m.id * 0x40000,
      sharedLevel: level[m.sharedPageSize]
    })) ??
    (g.bound
      ? [
          {
            id: 0,
            asId: 0,
            baseGfn: g.baseGfn,
            npages: Math.min(g.bindPages ?? g.pages, g.pages),
            gmem: ACTOR.gmem,
            pgoff: 0,
            userspacePage: 0x40000,
            sharedLevel: 1
          }
        ]
      : []);
  return { type: v?.type ?? (g.initShared && g.mmap ? 'DEFAULT' : 'SW_PROTECTED'), gfnBase: v?.gfnBase ?? g.baseGfn, memslots };
}

/** True if threads synchronise through userspace events (spec §6.3's slot worker). */
function usesUserEvents(s: Scenario): boolean {
  return (
    s.threads.some((t) => t.ops.some((o) => o.op === 'signalEvent' || o.op === 'waitEvent')) ||
    s.vcpus.some((v) => v.ops.some((o) => o.op === 'waitEvent' || o.op === 'signalEvent' || (o.op === 'preFaultTest' && o.sync !== undefined)))
  );
}

/** Events some op of `s` signals (a `preFaultTest` with `sync` signals `<sync>:go` and `<sync>:recreate`). */
function signallableEvents(s: Scenario): string[] {
  const out: string[] = [];
  for (const t of s.threads) for (const o of t.ops) if (o.op === 'signalEvent') out.push(o.event);
  for (const v of s.vcpus) {
    for (const o of v.ops) {
      if (o.op === 'signalEvent') out.push(o.event);
      if (o.op === 'preFaultTest' && o.sync !== undefined) out.push(`${o.sync}:go`, `${o.sync}:recreate`);
    }
  }
  return out;
}

/** What a run adds to its header beyond the scenario: the design (when not the scenario's mode) and the plugins. */
export interface HeaderExtras {
  readonly design?: string;
  readonly plugins?: readonly PluginRef[];
}

/** The log header of a run. */
export function headerOf(scenario: Scenario, seed: number, variant: string | null, strategy: string, extras: HeaderExtras = {}): LogHeader {
  const design = extras.design !== undefined && extras.design !== scenario.mode ? { design: extras.design } : {};
  const plugins = extras.plugins !== undefined && extras.plugins.length > 0 ? { plugins: extras.plugins } : {};
  return {
    kind: 'header',
    format: LOG_FORMAT_VERSION,
    gmemsim: GMEMSIM_VERSION,
    mode: scenario.mode,
    variant,
    scenario: scenario.name,
    seed,
    strategy,
    scenarioSpec: scenario,
    ...design,
    ...plugins
  };
}

/** Runs one schedule. */
export function runSchedule(opts: RunOptions): RunResult {
  const variant = opts.variant ?? null;
  const problem = modeProblem(opts.scenario);
  if (problem !== null) throw new ScenarioError(problem);
  const catalogue = opts.catalogue ?? BUILTIN_CATALOGUE;
  const design = designOf(catalogue, opts.design ?? opts.scenario.mode);
  if (design.family !== opts.scenario.mode) {
    throw new ScenarioError(`mode ${design.id} is built on ${design.family}; scenario ${opts.scenario.name} is for mode ${opts.scenario.mode}`);
  }
  // The design's table, patched by the variant, chosen once for the run (throws on an unknown variant).
  const table = tableOf(catalogue, design, variant);
  const strategy = opts.strategy ?? new RandomStrategy(opts.seed);
  const env = envOf(opts.scenario, variant, table);
  const header = headerOf(opts.scenario, opts.seed, variant, strategy.name, { design: design.id, plugins: catalogue.plugins });
  const world = new World({ strategy, factories: actorFactories(env, table), ...(opts.observer === undefined ? {} : { observer: opts.observer }) });
  const ignore = opts.ignore ?? [];
  const monitor =
    opts.check === false ? null : new Monitor(header, ignore.length === 0 ? catalogue.checkers : catalogue.checkers.filter((c) => !ignore.includes(c.id)));
  const stopOnViolation = opts.stopOnViolation !== false;
  let entries = 0;
  opts.sink?.header(header);
  world.entries$.subscribe((e) => {
    entries++;
    if (opts.sink?.entry(e) === false) world.stop();
    if (monitor === null) return;
    const found = monitor.push(e);
    if (found.length === 0) return;
    opts.onViolation?.(found);
    if (stopOnViolation) world.stop();
  });
  world.spawn('kvm', ACTOR.kvm, {});
  world.spawn('gmem', ACTOR.gmem, {});
  // Userspace memory behind userspace_addr: the shared backing of the upstream KVM (rfc-1g-v1 included) and of fd-2022.
  if (table.actors.shm) world.spawn('shm', ACTOR.shm, {});
  world.spawn('mm', ACTOR.mm, { gmem: ACTOR.gmem });
  world.spawn('mmu', ACTOR.mmu, {});
  if (table.actors.lru) world.spawn('lru', ACTOR.lru, {});
  if (usesUserEvents(opts.scenario)) world.spawn('usync', ACTOR.usync, { signallable: signallableEvents(opts.scenario) });
  if (env.hwpoison === true) world.spawn('hwpoison', ACTOR.hwpoison, {});
  opts.scenario.threads.forEach((t, i) => world.spawn('vmmThread', threadId(i), { program: t.ops }));
  opts.scenario.threads.forEach((_t, i) => world.post('world', threadId(i), { type: 'thread.run' }));
  opts.scenario.vcpus.forEach((v, i) => world.spawn('vcpu', vcpuId(i), { program: v.ops }));
  opts.scenario.vcpus.forEach((_v, i) => world.post('world', vcpuId(i), { type: 'thread.run' }));
  const reason = world.run(opts.maxSteps ?? opts.scenario.maxSteps);
  world.end(reason);
  return { header, reason, steps: world.steps, entries, violations: monitor?.violations ?? [] };
}
