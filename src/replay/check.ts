/**
 * `gmemsim check LOG`: folds the invariant projections over the recorded facts
 * alone (streamed, never loaded whole). Works on logs from any tool that writes
 * the format.
 */
import { readLog, type TornTail } from '../log/ndjsonReader.js';
import { Monitor } from '../projections/monitor.js';
import { BUILTIN_CATALOGUE } from '../run/catalogue.js';
import { requirePlugins } from '../run/plugins.js';
import type { LogReadOptions } from './replay.js';
import type { Violation } from '../projections/violation.js';

/** Result of checking a log. */
export interface CheckResult {
  readonly scenario: string;
  readonly mode: string;
  readonly entries: number;
  readonly violations: readonly Violation[];
  readonly torn: TornTail | null;
}

/**
 * Checks every complete entry of `file` with the catalogue's checkers (default:
 * the built-in ones). Throws LogFormatError on corruption, MissingPluginError if
 * the log names a plugin the catalogue lacks.
 */
export function checkLog(file: string, opts: LogReadOptions = {}): CheckResult {
  const catalogue = opts.catalogue ?? BUILTIN_CATALOGUE;
  const state: { monitor: Monitor | null } = { monitor: null };
  const summary = readLog(file, {
    header: (h) => {
      requirePlugins(file, h, catalogue);
      state.monitor = new Monitor(h, catalogue.checkers);
    },
    entry: (e) => {
      state.monitor?.push(e);
    }
  });
  const m = state.monitor;
  return {
    scenario: summary.header.scenario,
    mode: summary.header.mode,
    entries: summary.entries,
    violations: m?.violations ?? [],
    torn: summary.torn
  };
}
