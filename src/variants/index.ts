/**
 * The built-in variant catalogue: every catalogued bug as a patch over its
 * designs' protocol tables, one file per variant next to its catalogue entry.
 */
import type { VariantDef } from './define.js';
import { V_B1 } from './B1.js';
import { V_B10 } from './B10.js';
import { V_B11 } from './B11.js';
import { V_B12 } from './B12.js';
import { V_B13 } from './B13.js';
import { V_B13_INV } from './B13-INV.js';
import { V_B14 } from './B14.js';
import { V_B15 } from './B15.js';
import { V_B17 } from './B17.js';
import { V_B18 } from './B18.js';
import { V_B19 } from './B19.js';
import { V_B2 } from './B2.js';
import { V_B20 } from './B20.js';
import { V_B21 } from './B21.js';
import { V_B22 } from './B22.js';
import { V_B3 } from './B3.js';
import { V_B4 } from './B4.js';
import { V_B5 } from './B5.js';
import { V_B6 } from './B6.js';
import { V_B7 } from './B7.js';
import { V_B8 } from './B8.js';
import { V_B9 } from './B9.js';
import { V_NOCHECK } from './NOCHECK.js';

export { defineVariant, type VariantDef, type VariantInfo, type VariantInput } from './define.js';

/** Every built-in variant, in catalogue order. */
export const VARIANTS: readonly VariantDef[] = [
  V_B6,
  V_B19,
  V_B20,
  V_B12,
  V_B18,
  V_B4,
  V_B1,
  V_NOCHECK,
  V_B10,
  V_B11,
  V_B15,
  V_B17,
  V_B22,
  V_B2,
  V_B3,
  V_B5,
  V_B7,
  V_B13,
  V_B13_INV,
  V_B21,
  V_B8,
  V_B9,
  V_B14
];

/** Looks a built-in variant up by id. */
export function findVariant(id: string): VariantDef | undefined {
  return VARIANTS.find((v) => v.id === id);
}

/** An unknown variant id: an error of the caller (exit 2 on the command line), never a run of the correct protocol. */
export class UnknownVariantError extends Error {
  constructor(
    readonly variant: string,
    known: readonly string[] = VARIANTS.map((v) => v.id)
  ) {
    super(`unknown variant ${variant} (known: ${known.join(', ')})`);
    this.name = 'UnknownVariantError';
  }
}

/** A variant run in a design it does not apply to (its patch would change paths the design does not have). */
export class VariantModeError extends Error {
  constructor(
    readonly variant: VariantDef,
    readonly mode: string
  ) {
    super(`variant ${variant.id} does not apply to mode ${mode} (modes: ${variant.modes.join(', ')})`);
    this.name = 'VariantModeError';
  }
}
