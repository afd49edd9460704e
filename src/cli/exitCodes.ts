/**
 * Exit codes of every command: a contract scripts rely on. Codes are only ever added.
 */
export const EXIT = {
  /** No violation (or nothing to report). */
  ok: 0,
  /** An invariant was violated. */
  violation: 1,
  /** Bad input: usage, flag, scenario file, malformed or torn log, refused overwrite. */
  badInput: 2,
  /** A replay diverged from its log. */
  diverged: 3,
  /** An error of the model itself (an actor threw): a gmemsim bug, not a protocol violation. */
  internal: 4
} as const;

/** An exit code. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
