/**
 * The checker contract: an invariant checker is a projection that reads the
 * world view after each entry was folded in and returns the violations that
 * entry exposed.
 */
import type { LogEntry, LogHeader } from '../events/logEntry.js';
import type { Violation } from './violation.js';
import type { WorldView } from './worldView.js';

/** A running checker. */
export interface Checker {
  /** Invariant id (`INV-1`, `EXPECT`, ...). */
  readonly id: string;
  /** Inspects entry `e`, already folded into `view`. */
  check(view: WorldView, e: LogEntry): readonly Violation[];
}

/** Static description and factory of a checker. */
export interface CheckerSpec {
  readonly id: string;
  /** One-line statement of the invariant. */
  readonly statement: string;
  /** Modes it applies to (`*` = all). */
  readonly modes: readonly string[];
  /**
   * Entry types it inspects (facts, or `Deliver`/`End`). The monitor hands it
   * only those entries; absent = every entry.
   */
  readonly on?: readonly string[];
  /** Creates the checker for a run or log described by `header`. */
  create(header: LogHeader): Checker;
}

/** Builds a violation for entry `e`. */
export function violation(id: string, e: LogEntry, message: string, steps: readonly number[] = []): Violation {
  const all = [...new Set([...steps, e.step])].sort((a, b) => a - b);
  return { invariant: id, step: e.step, seq: e.seq, message, steps: all };
}

/** Hex index as the spec writes it. */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
