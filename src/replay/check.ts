/**
 * `gmemsim check LOG`: folds the invariant projections over the recorded facts
 * alone (streamed, never loaded whole). Works on logs from any tool that writes
 * the format.
 */
import { readLog, type TornTail } from '../log/ndjsonReader.js';
import { Monitor } from '../projections/monitor.js';
import type { Violation } from '../projections/violation.js';

/** Result of checking a log. */
export interface CheckResult {
  readonly scenario: string;
  readonly mode: string;
  readonly entries: number;
  readonly violations: readonly Violation[];
  readonly torn: TornTail | null;
}

/** Checks every complete entry of `file`. Throws LogFormatError on corruption. */
export function checkLog(file: string): CheckResult {
  const state: { monitor: Monitor | null } = { monitor: null };
  const summary = readLog(file, {
    header: (h) => {
      state.monitor = new Monitor(h);
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
