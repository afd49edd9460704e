/**
 * `gmemsim shrink LOG [--out FILE]`: shrinks the counterexample a saved log
 * records (workload, then choices, then context switches) and saves the result
 * as a normal replayable log. Exit 1 if the shrunk log still violates (it
 * should), 0 if the log had no violation to shrink, 2 on bad input.
 */
import type { LogEntry } from '../../events/logEntry.js';
import { choiceKeysOfEntries } from '../../explore/choice.js';
import { shrink, writeShrunkLog } from '../../explore/shrink.js';
import { readLog } from '../../log/ndjsonReader.js';
import { replayLog, scenarioOfHeader } from '../../replay/replay.js';
import { EXIT, type ExitCode } from '../exitCodes.js';
import { BUILTIN_CATALOGUE, type Catalogue } from '../../run/catalogue.js';
import { pluginFlags, UsageError } from '../options.js';
import { describeViolation, type Out, violationSummary } from '../output.js';

/** Options of `shrink`. */
export interface ShrinkCommandOptions {
  readonly out?: string;
  readonly force?: boolean;
  readonly maxRuns?: number;
}

/** Runs the command. */
export function shrinkCommand(log: string, o: ShrinkCommandOptions, out: Out, now: () => number, catalogue: Catalogue = BUILTIN_CATALOGUE): ExitCode {
  const t0 = now();
  const entries: LogEntry[] = [];
  const summary = readLog(log, { entry: (e) => void entries.push(e) });
  const scenario = scenarioOfHeader(log, summary.header);
  const replay = replayLog(log, { catalogue });
  const target = replay.violations[0];
  if (target === undefined) {
    out.line(`${log}: no violation to shrink`);
    out.summary({ command: 'shrink', log, violations: [], shrunk: null, elapsedMs: now() - t0 });
    return EXIT.ok;
  }
  const r = shrink(
    {
      scenario,
      variant: summary.header.variant,
      catalogue,
      ...(summary.header.design === undefined ? {} : { design: summary.header.design }),
      invariant: target.invariant,
      choices: choiceKeysOfEntries(entries)
    },
    o.maxRuns === undefined ? {} : { maxRuns: o.maxRuns }
  );
  if (r === null) throw new UsageError(`${log}: the recorded choices do not reproduce ${target.invariant} under fallback replay`);
  const path = o.out ?? log.replace(/(\.ndjson)?$/, '.shrunk.ndjson');
  writeShrunkLog(r, path, { seed: summary.header.seed, force: o.force ?? false });
  const check = replayLog(path, { catalogue });
  const v = check.violations[0] ?? null;
  out.line(`shrunk ${log} (${r.runs} runs${r.fixpoint ? ', fixpoint' : ', budget spent'})`);
  out.line(
    `steps ${r.before.steps} -> ${r.after.steps}, ops ${r.before.ops} -> ${r.after.ops}, choices ${r.before.choices} -> ${r.after.choices}, context switches ${r.before.contextSwitches} -> ${r.after.contextSwitches}`
  );
  if (v !== null) out.line(describeViolation(v));
  out.line(`shrunk log: ${path}`);
  out.line(`reproduce: gmemsim replay ${path}${pluginFlags(catalogue)}`);
  out.summary({
    command: 'shrink',
    log,
    out: path,
    invariant: target.invariant,
    violations: v === null ? [] : [violationSummary(v, path)],
    before: r.before,
    after: r.after,
    runs: r.runs,
    fixpoint: r.fixpoint,
    elapsedMs: now() - t0
  });
  return v === null ? EXIT.ok : EXIT.violation;
}
