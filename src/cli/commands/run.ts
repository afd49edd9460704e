/**
 * `gmemsim run`: one schedule of a scenario, optionally saved as a log.
 */
import { NdjsonLogWriter } from '../../log/ndjsonWriter.js';
import { scheduleSeed } from '../../explore/explore.js';
import { runSchedule } from '../../run/runner.js';
import { EXIT, type ExitCode } from '../exitCodes.js';
import { BUILTIN_CATALOGUE, type Catalogue } from '../../run/catalogue.js';
import { pluginFlags, resolveTarget } from '../options.js';
import { describeViolation, type Out, violationSummary } from '../output.js';

/** Options of `run`. */
export interface RunCommandOptions {
  readonly scenario?: string;
  readonly mode?: string;
  readonly variant?: string;
  readonly seed: number;
  readonly schedule?: number;
  readonly out?: string;
  readonly force?: boolean;
  readonly maxSteps?: number;
}

/** Runs the command. */
export function runCommand(o: RunCommandOptions, out: Out, now: () => number, catalogue: Catalogue = BUILTIN_CATALOGUE): ExitCode {
  const t0 = now();
  const { scenario, design, variant } = resolveTarget(o, catalogue);
  const seed = o.schedule === undefined ? o.seed : scheduleSeed(o.seed, o.schedule);
  const writer = o.out === undefined ? null : NdjsonLogWriter.create(o.out, { force: o.force ?? false });
  let result;
  try {
    result = runSchedule({
      scenario,
      seed,
      variant,
      catalogue,
      design,
      ...(writer === null ? {} : { sink: writer, onViolation: () => writer.flush() }),
      ...(o.maxSteps === undefined ? {} : { maxSteps: o.maxSteps })
    });
  } finally {
    writer?.close();
  }
  const elapsedMs = now() - t0;
  out.line(`scenario ${scenario.name} (mode ${design}${variant === null ? '' : `, variant ${variant}`}), seed ${seed}`);
  out.line(`${result.steps} steps, ${result.entries} log entries, stopped: ${result.reason}`);
  for (const v of result.violations) out.line(describeViolation(v));
  if (writer !== null) out.line(`log: ${writer.path}`);
  if (result.violations.length > 0) {
    out.line(
      `reproduce: gmemsim run --scenario ${scenario.name} --mode ${design}${variant === null ? '' : ` --variant ${variant}`} --seed ${seed}${pluginFlags(catalogue)}`
    );
  }
  out.summary({
    command: 'run',
    scenario: scenario.name,
    mode: scenario.mode,
    ...(design === scenario.mode ? {} : { design }),
    variant,
    seed,
    steps: result.steps,
    entries: result.entries,
    reason: result.reason,
    violations: result.violations.map((v) => violationSummary(v, writer?.path ?? null)),
    log: writer?.path ?? null,
    elapsedMs
  });
  return result.violations.length > 0 ? EXIT.violation : EXIT.ok;
}
