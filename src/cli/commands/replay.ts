/**
 * `gmemsim replay LOG` and `gmemsim check LOG`.
 */
import { checkLog } from '../../replay/check.js';
import { replayLog } from '../../replay/replay.js';
import { BUILTIN_CATALOGUE, type Catalogue } from '../../run/catalogue.js';
import { EXIT, type ExitCode } from '../exitCodes.js';
import { describeViolation, type Out, violationSummary } from '../output.js';

/** Runs `replay`. */
export function replayCommand(log: string, out: Out, now: () => number, catalogue: Catalogue = BUILTIN_CATALOGUE): ExitCode {
  const t0 = now();
  const r = replayLog(log, { catalogue });
  const elapsedMs = now() - t0;
  const d = r.divergence;
  if (d !== null) {
    out.line(`replay diverged at ${log}:${d.line}: ${d.reason}`);
    out.line(`  expected: ${d.expected ?? '(end of log)'}`);
    out.line(`  actual:   ${d.actual ?? '(end of replay)'}`);
  } else {
    out.line(`replayed ${r.entries} entries (${r.steps} steps) of ${log} identically`);
    for (const v of r.violations) out.line(describeViolation(v));
  }
  if (r.torn !== null) out.line(`torn tail at ${log}:${r.torn.line} (${r.torn.bytes} bytes); replayed the complete entries`);
  out.summary({
    command: 'replay',
    log,
    identical: d === null,
    divergence: d,
    entries: r.entries,
    steps: r.steps,
    violations: r.violations.map((v) => violationSummary(v, log)),
    torn: r.torn,
    elapsedMs
  });
  if (d !== null) return EXIT.diverged;
  if (r.torn !== null) return EXIT.badInput;
  return r.violations.length > 0 ? EXIT.violation : EXIT.ok;
}

/** Runs `check`. */
export function checkCommand(log: string, out: Out, now: () => number, catalogue: Catalogue = BUILTIN_CATALOGUE): ExitCode {
  const t0 = now();
  const r = checkLog(log, { catalogue });
  const elapsedMs = now() - t0;
  out.line(`checked ${r.entries} entries of ${log} (scenario ${r.scenario}, mode ${r.mode})`);
  for (const v of r.violations) out.line(describeViolation(v));
  if (r.torn !== null) out.error(`${log}:${r.torn.line}: torn tail (${r.torn.bytes} bytes of an incomplete entry); every complete entry was checked`);
  if (r.violations.length === 0) out.line('no violation');
  out.summary({ command: 'check', log, entries: r.entries, violations: r.violations.map((v) => violationSummary(v, log)), torn: r.torn, elapsedMs });
  if (r.torn !== null) return EXIT.badInput;
  return r.violations.length > 0 ? EXIT.violation : EXIT.ok;
}
