/**
 * Listing commands: `scenarios`, `variants`, `invariants`, `modes` (the
 * built-ins and what `--plugin` files add, marked with their plugin).
 */
import { IMPLEMENTED_MODES, isMode, MODES } from '../../model/modes.js';
import { BUILTIN_CATALOGUE, type Catalogue } from '../../run/catalogue.js';
import { DEFAULT_SCENARIO, MODE_DEFAULT_SCENARIO } from '../../scenarios/builtins.js';
import { EXIT, type ExitCode } from '../exitCodes.js';
import type { Out } from '../output.js';

/** ` (plugin FILE)` for a part a plugin added. */
function from(plugin: string | null | undefined): string {
  return plugin == null ? '' : ` (plugin ${plugin})`;
}

/** `gmemsim scenarios`. */
export function scenariosCommand(out: Out, catalogue: Catalogue = BUILTIN_CATALOGUE): ExitCode {
  const all = [...catalogue.scenarios.values()];
  for (const { scenario: s, plugin } of all) {
    out.line(
      `${s.name}${s.name === DEFAULT_SCENARIO ? ' (default)' : ''}${from(plugin)}  [${s.mode}, ${s.gmem.pages} pages of ${s.gmem.folioSize}, ${s.threads.length} thread(s)]`
    );
    out.line(`    ${s.description}`);
  }
  out.summary({
    command: 'scenarios',
    default: DEFAULT_SCENARIO,
    modeDefaults: MODE_DEFAULT_SCENARIO,
    scenarios: all.map(({ scenario: s, plugin }) => ({
      name: s.name,
      mode: s.mode,
      description: s.description,
      threads: s.threads.length,
      pages: s.gmem.pages,
      folioSize: s.gmem.folioSize,
      ...(plugin === null ? {} : { plugin })
    }))
  });
  return EXIT.ok;
}

/** `gmemsim variants`. */
export function variantsCommand(out: Out, catalogue: Catalogue = BUILTIN_CATALOGUE): ExitCode {
  const all = [...catalogue.variants.values()];
  for (const v of all)
    out.line(
      `${v.id}${from(v.plugin)}  ${v.name}\n    breaks ${[v.breaks, ...(v.alsoBreaks ?? [])].join(' or ')}; modes ${v.modes.join(', ')}; exposed by scenario ${v.scenario}\n    ${v.change}`
    );
  out.summary({
    command: 'variants',
    variants: all.map((v) => ({
      id: v.id,
      name: v.name,
      change: v.change,
      modes: v.modes,
      breaks: v.breaks,
      ...(v.alsoBreaks === undefined ? {} : { alsoBreaks: v.alsoBreaks }),
      scenario: v.scenario,
      ...(v.plugin === null ? {} : { plugin: v.plugin })
    }))
  });
  return EXIT.ok;
}

/** `gmemsim invariants`. */
export function invariantsCommand(out: Out, catalogue: Catalogue = BUILTIN_CATALOGUE): ExitCode {
  for (const c of catalogue.checkers) out.line(`${c.id}${from(c.plugin)}  ${c.statement}  [modes: ${c.modes.join(', ')}]`);
  out.summary({
    command: 'invariants',
    invariants: catalogue.checkers.map((c) => ({ id: c.id, statement: c.statement, modes: c.modes, ...(c.plugin == null ? {} : { plugin: c.plugin }) }))
  });
  return EXIT.ok;
}

/** `gmemsim modes`. */
export function modesCommand(out: Out, catalogue: Catalogue = BUILTIN_CATALOGUE): ExitCode {
  const rows = [
    ...MODES.map((m) => ({ id: m, implemented: IMPLEMENTED_MODES.includes(m), summary: catalogue.designs.get(m)?.summary ?? '', base: null, plugin: null })),
    ...[...catalogue.designs.values()]
      .filter((d) => !isMode(d.id))
      .map((d) => ({ id: d.id, implemented: true, summary: d.summary, base: d.family, plugin: d.plugin }))
  ];
  for (const r of rows)
    out.line(`${r.id}${r.implemented ? '' : ' (not implemented yet)'}${from(r.plugin)}${r.base === null ? '' : ` [built on ${r.base}]`}  ${r.summary}`);
  out.summary({
    command: 'modes',
    modes: rows.map((r) => ({
      id: r.id,
      implemented: r.implemented,
      summary: r.summary,
      ...(r.base === null ? {} : { family: r.base }),
      ...(r.plugin === null ? {} : { plugin: r.plugin })
    }))
  });
  return EXIT.ok;
}
