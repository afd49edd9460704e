/**
 * Listing commands: `scenarios`, `variants`, `invariants`, `modes`.
 */
import { IMPLEMENTED_MODES, MODE_SUMMARY, MODES } from '../../model/modes.js';
import { VARIANTS } from '../../variants/index.js';
import { CHECKERS } from '../../projections/monitor.js';
import { BUILTIN_SCENARIOS, DEFAULT_SCENARIO, MODE_DEFAULT_SCENARIO } from '../../scenarios/builtins.js';
import { EXIT, type ExitCode } from '../exitCodes.js';
import type { Out } from '../output.js';

/** `gmemsim scenarios`. */
export function scenariosCommand(out: Out): ExitCode {
  for (const s of BUILTIN_SCENARIOS) {
    out.line(
      `${s.name}${s.name === DEFAULT_SCENARIO ? ' (default)' : ''}  [${s.mode}, ${s.gmem.pages} pages of ${s.gmem.folioSize}, ${s.threads.length} thread(s)]`
    );
    out.line(`    ${s.description}`);
  }
  out.summary({
    command: 'scenarios',
    default: DEFAULT_SCENARIO,
    modeDefaults: MODE_DEFAULT_SCENARIO,
    scenarios: BUILTIN_SCENARIOS.map((s) => ({
      name: s.name,
      mode: s.mode,
      description: s.description,
      threads: s.threads.length,
      pages: s.gmem.pages,
      folioSize: s.gmem.folioSize
    }))
  });
  return EXIT.ok;
}

/** `gmemsim variants`. */
export function variantsCommand(out: Out): ExitCode {
  for (const v of VARIANTS)
    out.line(
      `${v.id}  ${v.name}\n    breaks ${[v.breaks, ...(v.alsoBreaks ?? [])].join(' or ')}; modes ${v.modes.join(', ')}; exposed by scenario ${v.scenario}\n    ${v.change}`
    );
  out.summary({ command: 'variants', variants: VARIANTS });
  return EXIT.ok;
}

/** `gmemsim invariants`. */
export function invariantsCommand(out: Out): ExitCode {
  for (const c of CHECKERS) out.line(`${c.id}  ${c.statement}  [modes: ${c.modes.join(', ')}]`);
  out.summary({ command: 'invariants', invariants: CHECKERS.map((c) => ({ id: c.id, statement: c.statement, modes: c.modes })) });
  return EXIT.ok;
}

/** `gmemsim modes`. */
export function modesCommand(out: Out): ExitCode {
  for (const m of MODES) out.line(`${m}${IMPLEMENTED_MODES.includes(m) ? '' : ' (not implemented yet)'}  ${MODE_SUMMARY[m]}`);
  out.summary({ command: 'modes', modes: MODES.map((m) => ({ id: m, implemented: IMPLEMENTED_MODES.includes(m), summary: MODE_SUMMARY[m] })) });
  return EXIT.ok;
}
