/**
 * A variant: a catalogued bug reintroduced as a patch over a design's protocol
 * table (spec §5 and the bugs found since). A variant never records a
 * violation itself: the violation must arise from the changed behaviour under
 * some interleaving.
 */
import type { Mode } from '../model/modes.js';
import type { ProtocolPatch } from '../modes/table.js';

/** Catalogue data of a variant (what `gmemsim variants` lists). */
export interface VariantInfo {
  /** Id on the command line and in log headers (e.g. `B10`). */
  readonly id: string;
  /** One line on the bug. */
  readonly name: string;
  /** What the variant changes, in kernel terms (the function, the fix it undoes). */
  readonly change: string;
  /** Modes the variant applies to. */
  readonly modes: readonly Mode[];
  /** The invariant exploration is expected to find broken. */
  readonly breaks: string;
  /** Other invariants the same bug breaks first under some interleavings. */
  readonly alsoBreaks?: readonly string[];
  /** A built-in scenario that exposes it (its home scenario). */
  readonly scenario: string;
}

/** A variant: its catalogue entry and the patch that reintroduces the bug. */
export interface VariantDef extends VariantInfo {
  readonly patch: ProtocolPatch;
}

/** Declares a variant (identity: the type checks the patch against the kernel paths' signatures). */
export function defineVariant(def: VariantDef): VariantDef {
  return def;
}
