/**
 * Test helpers: run a scenario and look at its log.
 */
import { formatEntry, type LogEntry } from '../../src/events/logEntry.js';
import { runSchedule, type RunResult } from '../../src/run/runner.js';
import { findScenario } from '../../src/scenarios/builtins.js';
import type { Scenario } from '../../src/scenarios/schema.js';

/** A run with its entries kept in memory. */
export interface RecordedRun {
  readonly result: RunResult;
  readonly entries: readonly LogEntry[];
  /** The log as NDJSON lines (header excluded). */
  readonly lines: readonly string[];
}

/** Runs one schedule of `scenario` (a built-in name or a scenario) and records its log. */
export function record(scenario: string | Scenario, seed: number, variant: string | null = null): RecordedRun {
  const sc = typeof scenario === 'string' ? findScenario(scenario) : scenario;
  if (sc === undefined) throw new Error(`no built-in scenario ${typeof scenario === 'string' ? scenario : scenario.name}`);
  const entries: LogEntry[] = [];
  const result = runSchedule({
    scenario: sc,
    seed,
    variant,
    sink: {
      header: () => undefined,
      entry: (e) => {
        entries.push(e);
      }
    }
  });
  return { result, entries, lines: entries.map(formatEntry) };
}

/** Facts of type `type` in a recorded run. */
export function facts(run: RecordedRun, type: string): LogEntry[] {
  return run.entries.filter((e) => e.kind === 'fact' && e.type === type);
}

/** The `OpReturned` facts of thread `thread`, in order. */
export function returns(run: RecordedRun, thread: string): LogEntry[] {
  return facts(run, 'OpReturned').filter((e) => e.data['thread'] === thread);
}
