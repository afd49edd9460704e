/**
 * The built-in protocol designs, by mode id, and the table a run uses (its
 * mode's, patched by its variant).
 */
import type { Mode } from '../model/modes.js';
import { FD_2022 } from './fd2022.js';
import { RFC_1G_V1 } from './rfc1gV1.js';
import { RFC_1G_V2 } from './rfc1gV2.js';
import { RFC_INPLACE_V8 } from './rfcInplaceV8.js';
import type { ModeTable } from './table.js';
import { UPSTREAM_6_18, UPSTREAM_6_8 } from './upstream.js';

export { applyPatch, type ModeTable, type PathChange, type PathName, type PathPatch, type ProtocolPatch } from './table.js';

/** Every built-in design, by mode id. */
export const MODE_TABLES: { readonly [M in Mode]: ModeTable } = {
  'rfc-inplace-v8': RFC_INPLACE_V8,
  'rfc-1g-v2': RFC_1G_V2,
  'rfc-1g-v1': RFC_1G_V1,
  'upstream-6.8': UPSTREAM_6_8,
  'upstream-6.18': UPSTREAM_6_18,
  'fd-2022': FD_2022
};
