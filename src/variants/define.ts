/**
 * A variant: a catalogued bug reintroduced as a patch over a design's protocol
 * table (spec §5 and the bugs found since). A variant never records a
 * violation itself: the violation must arise from the changed behaviour under
 * some interleaving.
 */
import type { ProtocolPatch } from '../modes/table.js';

/** Catalogue data of a variant (what `gmemsim variants` lists). */
export interface VariantInfo {
  /** Id on the command line and in log headers (e.g. `B10`). */
  readonly id: string;
  /** One line on the bug. */
  readonly name: string;
  /** What the variant changes, in kernel terms (the function, the fix it undoes). */
  readonly change: string;
  /** Mode ids the variant applies to (designs built on one of them included). */
  readonly modes: readonly string[];
  /** The invariant exploration is expected to find broken. */
  readonly breaks: string;
  /** Other invariants the same bug breaks first under some interleavings. */
  readonly alsoBreaks?: readonly string[];
  /** A built-in scenario that exposes it (its home scenario). */
  readonly scenario: string;
}

/** What a variant's author writes: its catalogue entry and the patch that reintroduces the bug. */
export interface VariantInput extends VariantInfo {
  /** The change, over the named kernel paths and owner options of the designs in `modes` (`src/modes/table.ts`). */
  readonly patch: ProtocolPatch;
}

/** A variant, as {@link defineVariant} returns it. */
export interface VariantDef extends VariantInput {
  readonly kind: 'variant';
}

/**
 * Declares a variant. The type checks the patch against the kernel paths'
 * signatures and the owner options; `gmemsim --plugin FILE` finds a variant by
 * its `kind`, so export what this returns.
 */
export function defineVariant(def: VariantInput): VariantDef {
  return { ...def, kind: 'variant' };
}
