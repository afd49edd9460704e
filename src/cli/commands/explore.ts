/**
 * `gmemsim explore`: many schedules (random, PCT, POS, swarm, portfolio, or a
 * DPOR search); stops at the first violation, saves its log, shrinks it, and
 * prints the commands that reproduce both. Statistics and coverage at the end;
 * a progress bar on a terminal (never with `--json`).
 */
import { mkdirSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { type ExploreResult } from '../../explore/explore.js';
import { isStrategyKind, STRATEGY_KINDS, type StrategyKind } from '../../explore/plan.js';
import { exploreParallel } from '../../explore/workers.js';
import { EXIT, type ExitCode } from '../exitCodes.js';
import { BUILTIN_CATALOGUE, type Catalogue } from '../../run/catalogue.js';
import { pluginFlags, resolveTarget, UsageError } from '../options.js';
import { describeViolation, type Out, violationSummary } from '../output.js';

/** Options of `explore`. */
export interface ExploreCommandOptions {
  readonly scenario?: string;
  readonly mode?: string;
  readonly variant?: string;
  readonly seed: number;
  readonly schedules?: number;
  readonly timeBudget?: number;
  readonly out: string;
  readonly force?: boolean;
  readonly strategy?: string;
  readonly workers?: number;
  readonly checkDeterminism?: number;
  /** commander sets `shrink: false` for `--no-shrink`. */
  readonly shrink?: boolean;
  readonly maxSteps?: number;
  readonly preemptionBound?: number;
}

/** Default schedule count when neither a count nor a budget is given. */
export const DEFAULT_SCHEDULES = 1000;

function progressBar(out: Out, total: number): { update(done: number): void; stop(): void } | null {
  if (out.json || process.stdout.isTTY !== true || !Number.isFinite(total) || total > 1e9) return null;
  const bar = new cliProgress.SingleBar(
    { format: 'explore [{bar}] {value}/{total} schedules | {steps} steps', clearOnComplete: true, hideCursor: true },
    cliProgress.Presets.shades_classic
  );
  bar.start(total, 0, { steps: 0 });
  return {
    update: (done) => bar.update(done),
    stop: () => bar.stop()
  };
}

function printStats(out: Out, r: ExploreResult, elapsedMs: number): void {
  const avg = r.schedules === 0 ? 0 : Math.round(r.steps / r.schedules);
  out.line(`steps: ${r.steps} total, min ${r.stepsMin}, avg ${avg}, max ${r.stepsMax}; ${Math.round((r.steps * 1000) / Math.max(1, elapsedMs))} steps/s`);
  out.line(
    `strategy ${r.strategy}: ${Object.entries(r.kinds)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}; maxSteps hit by ${r.boundHits}${r.strategy === 'dpor' ? '' : `; PCT k ${r.pctK}`}`
  );
  const c = r.coverage;
  out.line(`coverage: ${c.transitionsCovered}/${c.transitionsDefined} (machine, state, event) transitions, ${c.distinctStates} distinct states`);
  if (r.determinismChecks > 0) out.line(`nondeterminism check: ${r.determinismChecks} schedules replayed identically`);
  const d = r.dpor;
  if (d !== null) {
    out.line(
      `dpor: ${d.executions} executions, ${d.sleepBlocked} sleep-set blocked, ${d.pruned} branches pruned, ${d.complete ? 'complete' : `incomplete (${d.incompleteReason ?? ''})`}${d.preemptionBounded ? ' within the preemption bound' : ''}`
    );
  }
}

/** Runs the command. */
export async function exploreCommand(o: ExploreCommandOptions, out: Out, now: () => number, catalogue: Catalogue = BUILTIN_CATALOGUE): Promise<ExitCode> {
  const t0 = now();
  const { scenario, design, variant } = resolveTarget(o, catalogue);
  const strategyName = o.strategy ?? 'portfolio';
  if (!isStrategyKind(strategyName)) throw new UsageError(`unknown strategy ${strategyName} (strategies: ${STRATEGY_KINDS.join(', ')})`);
  const strategy: StrategyKind = strategyName;
  mkdirSync(o.out, { recursive: true });
  const schedules = o.schedules ?? (o.timeBudget === undefined ? DEFAULT_SCHEDULES : Number.MAX_SAFE_INTEGER);
  const workers = o.workers ?? 1;
  const bar = progressBar(out, schedules);
  let r: ExploreResult;
  try {
    r = await exploreParallel({
      scenario,
      variant,
      catalogue,
      design,
      pluginFiles: catalogue.plugins.map((p) => p.file),
      seed: o.seed,
      schedules,
      ...(o.timeBudget === undefined ? {} : { timeBudgetMs: o.timeBudget * 1000 }),
      outDir: o.out,
      force: o.force ?? false,
      now,
      strategy,
      workers,
      shrink: o.shrink !== false,
      ...(o.checkDeterminism === undefined ? {} : { checkDeterminism: o.checkDeterminism }),
      ...(o.maxSteps === undefined ? {} : { maxSteps: o.maxSteps }),
      ...(o.preemptionBound === undefined ? {} : { preemptionBound: o.preemptionBound }),
      ...(bar === null ? {} : { onSchedule: (done: number) => bar.update(done) })
    });
  } finally {
    bar?.stop();
  }
  const elapsedMs = now() - t0;
  out.line(
    `explored ${r.schedules} ${strategy === 'dpor' ? 'executions' : 'schedules'} of ${scenario.name} (mode ${design}${variant === null ? '' : `, variant ${variant}`}), seed ${o.seed}`
  );
  printStats(out, r, elapsedMs);
  const f = r.found;
  if (f !== null) {
    out.line(describeViolation(f.violation));
    out.line(`schedule ${f.schedule} (${f.kind}, seed ${f.seed}); log: ${f.log}`);
    out.line(`reproduce: gmemsim replay ${f.log}${pluginFlags(catalogue)}`);
    if (f.kind === 'random') {
      out.line(
        `       or: gmemsim run --scenario ${scenario.name} --mode ${design}${variant === null ? '' : ` --variant ${variant}`} --seed ${f.seed}${pluginFlags(catalogue)}`
      );
    }
    const s = f.shrunk;
    if (s !== null) {
      out.line(
        `shrunk (${s.runs} runs${s.fixpoint ? ', fixpoint' : ', budget spent'}): steps ${s.before.steps} -> ${s.after.steps}, ops ${s.before.ops} -> ${s.after.ops}, choices ${s.before.choices} -> ${s.after.choices}, context switches ${s.before.contextSwitches} -> ${s.after.contextSwitches}`
      );
      out.line(`shrunk log: ${s.log}`);
      out.line(`reproduce: gmemsim replay ${s.log}${pluginFlags(catalogue)}`);
    }
  } else out.line(`no violation (stopped by ${r.stoppedBy})`);
  out.summary({
    command: 'explore',
    scenario: scenario.name,
    mode: scenario.mode,
    ...(design === scenario.mode ? {} : { design }),
    variant,
    violations: f === null ? [] : [violationSummary(f.violation, f.log)],
    schedules: r.schedules,
    steps: r.steps,
    seed: o.seed,
    elapsedMs,
    strategy,
    workers,
    stoppedBy: r.stoppedBy,
    stepsMin: r.stepsMin,
    stepsAvg: r.schedules === 0 ? 0 : r.steps / r.schedules,
    stepsMax: r.stepsMax,
    stepsPerSec: (r.steps * 1000) / Math.max(1, elapsedMs),
    boundHits: r.boundHits,
    kinds: r.kinds,
    pctK: r.pctK,
    coverage: r.coverage,
    determinismChecks: r.determinismChecks,
    firstViolation: f === null ? null : { schedule: f.schedule, kind: f.kind, seed: f.seed },
    shrunk: f?.shrunk ?? null,
    dpor:
      r.dpor === null
        ? null
        : {
            executions: r.dpor.executions,
            sleepBlocked: r.dpor.sleepBlocked,
            pruned: r.dpor.pruned,
            complete: r.dpor.complete,
            preemptionBounded: r.dpor.preemptionBounded
          }
  });
  return f === null ? EXIT.ok : EXIT.violation;
}
