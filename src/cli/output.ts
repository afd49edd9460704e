/**
 * Output of the commands: human text, or with `--json` one JSON object as the
 * last line of stdout.
 */
import type { Violation } from '../projections/violation.js';

/** Where a command writes. */
export interface Out {
  readonly json: boolean;
  /** A human line (suppressed with --json). */
  line(text: string): void;
  /** The summary: printed as JSON with --json, else nothing. */
  summary(obj: Readonly<Record<string, unknown>>): void;
  /** An error line on stderr. */
  error(text: string): void;
}

/** Builds the output for a command invocation. */
export function makeOut(
  json: boolean,
  write: (s: string) => void = (s) => process.stdout.write(s),
  writeErr: (s: string) => void = (s) => process.stderr.write(s)
): Out {
  return {
    json,
    line: (text) => {
      if (!json) write(`${text}\n`);
    },
    summary: (obj) => {
      if (json) write(`${JSON.stringify(obj)}\n`);
    },
    error: (text) => writeErr(`gmemsim: ${text}\n`)
  };
}

/** A violation as summaries list it. */
export function violationSummary(v: Violation, log: string | null): Record<string, unknown> {
  return { invariant: v.invariant, step: v.step, message: v.message, steps: v.steps, log };
}

/** Human report of a violation. */
export function describeViolation(v: Violation): string {
  return `violation ${v.invariant} at step ${v.step}: ${v.message}${v.steps.length > 1 ? ` (steps ${v.steps.join(', ')})` : ''}`;
}
