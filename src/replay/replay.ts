/**
 * `gmemsim replay LOG`: re-executes the scheduling choices a log records and
 * compares the new log with the old one entry by entry, byte for byte. The
 * first difference is a divergence (exit 3); an identical replay reports the
 * violations the checkers find (exit 1) or none (exit 0).
 */
import { formatEntry, type LogHeader } from '../events/logEntry.js';
import { LineReader } from '../log/lineReader.js';
import { LogFormatError } from '../log/logErrors.js';
import { readLog, type TornTail } from '../log/ndjsonReader.js';
import { isMode } from '../model/modes.js';
import type { Violation } from '../projections/violation.js';
import { BUILTIN_CATALOGUE, type Catalogue } from '../run/catalogue.js';
import { requirePlugins } from '../run/plugins.js';
import { runSchedule } from '../run/runner.js';
import { ReplayDivergence, ReplayStrategy } from '../runtime/scheduler.js';
import { type Scenario, scenarioSchema } from '../scenarios/schema.js';

/** Where a replay first differed from the log. */
export interface Divergence {
  readonly line: number;
  /** The recorded line, or null if the log ended first. */
  readonly expected: string | null;
  /** The replayed line, or null if the replay ended first. */
  readonly actual: string | null;
  readonly reason: string;
}

/** Result of a replay. */
export interface ReplayResult {
  readonly header: LogHeader;
  readonly entries: number;
  readonly steps: number;
  readonly divergence: Divergence | null;
  readonly violations: readonly Violation[];
  readonly torn: TornTail | null;
}

/** The scenario a header embeds, validated. */
export function scenarioOfHeader(file: string, header: LogHeader): Scenario {
  const r = scenarioSchema.safeParse(header.scenarioSpec);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new LogFormatError(file, 1, `scenarioSpec.${issue?.path.map(String).join('.') ?? ''}`, issue?.message ?? 'invalid scenario');
  }
  if (!isMode(header.mode)) throw new LogFormatError(file, 1, 'mode', `unknown mode ${header.mode}`);
  return { ...r.data, mode: header.mode };
}

/** Options of {@link replayLog} and `checkLog`. */
export interface LogReadOptions {
  /** Where designs, variants and checkers come from: the plugins the log names must be in it (default: built-ins only). */
  readonly catalogue?: Catalogue;
}

/**
 * Replays `file`. Throws LogFormatError if the log is malformed,
 * MissingPluginError if it needs a plugin `opts.catalogue` lacks.
 */
export function replayLog(file: string, opts: LogReadOptions = {}): ReplayResult {
  const catalogue = opts.catalogue ?? BUILTIN_CATALOGUE;
  const choices: number[] = [];
  const summary = readLog(file, {
    entry: (e, line) => {
      if (e.kind === 'sched' && e.type === 'Deliver') {
        if (e.step !== choices.length + 1 || e.cause === null) throw new LogFormatError(file, line, 'step', `Deliver entries must number steps 1, 2, ...`);
        choices.push(e.cause);
      }
    }
  });
  const header = summary.header;
  requirePlugins(file, header, catalogue);
  const scenario = scenarioOfHeader(file, header);
  const recorded = new LineReader(file)[Symbol.iterator]();
  recorded.next(); // header
  let divergence: Divergence | null = null;
  let compared = 0;
  let line = 1;
  const limit = summary.entries;
  const diverge = (d: Divergence): false => {
    divergence ??= d;
    return false;
  };
  let result: ReturnType<typeof runSchedule> | null = null;
  try {
    result = runSchedule({
      scenario,
      seed: header.seed,
      variant: header.variant,
      catalogue,
      ...(header.design === undefined ? {} : { design: header.design }),
      strategy: new ReplayStrategy(choices),
      sink: {
        header: () => undefined,
        entry: (e) => {
          if (divergence !== null) return false;
          const actual = formatEntry(e);
          if (compared >= limit) {
            return summary.torn === null ? diverge({ line: line + 1, expected: null, actual, reason: 'the replay goes on after the log ends' }) : false;
          }
          const next = recorded.next();
          line++;
          compared++;
          const expected = next.done === true ? null : next.value.text;
          if (expected !== actual) return diverge({ line, expected, actual, reason: 'entries differ' });
          return true;
        }
      }
    });
  } catch (e) {
    if (!(e instanceof ReplayDivergence)) throw e;
    if (summary.torn === null) divergence ??= { line: line + 1, expected: null, actual: null, reason: e.message };
  }
  if (divergence === null && result !== null && compared < limit) {
    const next = recorded.next();
    divergence = { line: line + 1, expected: next.done === true ? null : next.value.text, actual: null, reason: 'the replay ended before the log' };
  }
  recorded.return?.(undefined);
  return {
    header,
    entries: compared,
    steps: result?.steps ?? choices.length,
    divergence,
    violations: divergence === null ? (result?.violations ?? []) : [],
    torn: summary.torn
  };
}
