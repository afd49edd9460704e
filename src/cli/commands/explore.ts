/**
 * `gmemsim explore`: many seeded schedules; stops at the first violation,
 * saves its log and prints the command that reproduces it.
 */
import { mkdirSync } from 'node:fs';
import { explore } from '../../explore/explore.js';
import { EXIT, type ExitCode } from '../exitCodes.js';
import { resolveTarget } from '../options.js';
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
}

/** Default schedule count when neither a count nor a budget is given. */
export const DEFAULT_SCHEDULES = 1000;

/** Runs the command. */
export function exploreCommand(o: ExploreCommandOptions, out: Out, now: () => number): ExitCode {
  const t0 = now();
  const { scenario, variant } = resolveTarget(o);
  mkdirSync(o.out, { recursive: true });
  const schedules = o.schedules ?? (o.timeBudget === undefined ? DEFAULT_SCHEDULES : Number.MAX_SAFE_INTEGER);
  const r = explore({
    scenario,
    variant,
    seed: o.seed,
    schedules,
    ...(o.timeBudget === undefined ? {} : { timeBudgetMs: o.timeBudget * 1000 }),
    outDir: o.out,
    force: o.force ?? false,
    now
  });
  const elapsedMs = now() - t0;
  out.line(`explored ${r.schedules} schedules of ${scenario.name} (mode ${scenario.mode}${variant === null ? '' : `, variant ${variant}`}), seed ${o.seed}`);
  out.line(`steps: ${r.steps} total, min ${r.stepsMin}, avg ${r.schedules === 0 ? 0 : Math.round(r.steps / r.schedules)}, max ${r.stepsMax}; ${Math.round((r.steps * 1000) / Math.max(1, elapsedMs))} steps/s`);
  const f = r.found;
  if (f !== null) {
    out.line(describeViolation(f.violation));
    out.line(`schedule ${f.schedule} (seed ${f.seed}); log: ${f.log}`);
    out.line(`reproduce: gmemsim replay ${f.log}`);
    out.line(`       or: gmemsim run --scenario ${scenario.name} --mode ${scenario.mode}${variant === null ? '' : ` --variant ${variant}`} --seed ${f.seed}`);
  } else out.line(`no violation (stopped by ${r.stoppedBy})`);
  out.summary({
    command: 'explore',
    scenario: scenario.name,
    mode: scenario.mode,
    variant,
    violations: f === null ? [] : [violationSummary(f.violation, f.log)],
    schedules: r.schedules,
    steps: r.steps,
    seed: o.seed,
    elapsedMs
  });
  return f === null ? EXIT.ok : EXIT.violation;
}
