/**
 * A design of one's own: a patch over an existing design (a built-in mode or
 * another defined one), e.g. "the in-place RFC with the refcount check moved
 * outside the invalidate lock". Its runs use the base design's scenarios and
 * checkers (its mode *family*); the log header names it (`design`).
 */
import type { ModeTable, ProtocolPatch } from './table.js';

/** What a design's author writes. */
export interface ModeInput {
  /** The design's id (`--mode ID`); must not be a built-in mode id. */
  readonly id: string;
  /** The design it patches: a built-in mode id or the id of another defined design. */
  readonly base: string;
  /** One line on the design, for `gmemsim modes`. */
  readonly summary: string;
  /** What differs from the base design: kernel paths replaced or wrapped, owner options. */
  readonly patch: ProtocolPatch;
  /** Overrides the base's HugeTLB capability. */
  readonly hugetlbAllocator?: boolean;
  /** Overrides which singleton owners exist. */
  readonly actors?: Partial<ModeTable['actors']>;
}

/** A design, as {@link defineMode} returns it. */
export interface ModeDef extends ModeInput {
  readonly kind: 'mode';
}

/** Declares a design as a patch over `base` (export what this returns from a plugin). */
export function defineMode(def: ModeInput): ModeDef {
  return { ...def, kind: 'mode' };
}
