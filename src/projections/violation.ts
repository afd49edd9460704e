/**
 * A broken invariant, as checkers report it.
 */

/** One violation. */
export interface Violation {
  /** Stable invariant id: `INV-1` ... `INV-21`, `EXPECT`, `DEADLOCK`. */
  readonly invariant: string;
  /** Scheduler step of the entry that exposed it. */
  readonly step: number;
  /** `seq` of that entry. */
  readonly seq: number;
  /** One line in domain words. */
  readonly message: string;
  /** Steps involved (e.g. the commit and the mapping), ascending. */
  readonly steps: readonly number[];
}
