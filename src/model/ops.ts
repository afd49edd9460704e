/**
 * The workload vocabulary: operations a VMM thread performs, in order. Each op
 * may carry the outcome the scenario expects (`expect`: one rc or a list of
 * acceptable rcs); a different outcome is reported as an `EXPECT` violation.
 */
import { z } from 'zod';

const nat = z.number().int().nonnegative();
const rcs = z.union([z.string(), z.array(z.string()).min(1)]);

const common = {
  /** Acceptable return codes, e.g. `"0"`, `"-EAGAIN"`, `"SIGBUS"`. */
  expect: rcs.optional(),
  /** Expected `error_offset` (bytes) when the op returns `-EAGAIN`. */
  expectErrorOffset: nat.optional()
};

/** Host access to page `index` of the VMM's shared mmap of the guest_memfd (faults it in if needed). */
export const accessOpSchema = z
  .object({ op: z.literal('access'), index: nat, write: z.boolean().default(false), value: nat.optional(), expectValue: nat.optional(), ...common })
  .strict();
/** In-place conversion ioctl on `[offset, offset+size)` bytes of the guest_memfd. */
export const convertOpSchema = z
  .object({ op: z.literal('convert'), offset: nat, size: nat, to: z.enum(['private', 'shared']), ...common })
  .strict();
/** GUP on page `index`: FOLL_PIN (`pin`, optionally FOLL_LONGTERM) or FOLL_GET (`get`, e.g. vmsplice). */
export const pinOpSchema = z
  .object({ op: z.literal('pin'), index: nat, pin: z.string().min(1), kind: z.enum(['pin', 'get']).default('pin'), longterm: z.boolean().default(false), ...common })
  .strict();
/** Drops the reference taken by the `pin` op named `pin`. */
export const unpinOpSchema = z.object({ op: z.literal('unpin'), pin: z.string().min(1), ...common }).strict();
/** munmap / MADV_DONTNEED of `npages` pages from `index`: zaps host PTEs. */
export const munmapOpSchema = z.object({ op: z.literal('munmap'), index: nat, npages: z.number().int().positive().default(1), ...common }).strict();
/** fallocate(PUNCH_HOLE|KEEP_SIZE) on `[offset, offset+size)` bytes. */
export const punchHoleOpSchema = z.object({ op: z.literal('punchHole'), offset: nat, size: nat, ...common }).strict();

/** fallocate(KEEP_SIZE) allocation of `[offset, offset+size)` bytes (O3); `keepSize: false` is the unsupported mode (`-EOPNOTSUPP`). */
export const fallocateOpSchema = z
  .object({ op: z.literal('fallocate'), offset: nat, size: nat, keepSize: z.boolean().default(true), ...common })
  .strict();

/** Any VMM thread op. */
export const vmmOpSchema = z.discriminatedUnion('op', [accessOpSchema, convertOpSchema, pinOpSchema, unpinOpSchema, munmapOpSchema, punchHoleOpSchema, fallocateOpSchema]);

/** A VMM thread op, after defaults are applied. */
export type VmmOp = z.infer<typeof vmmOpSchema>;
/** A VMM thread op as written (defaults optional). */
export type VmmOpInput = z.input<typeof vmmOpSchema>;

/** What an op returned. */
export interface OpResult {
  /** `"0"`, a negative errno name (`"-EAGAIN"`), or a signal (`"SIGBUS"`). */
  readonly rc: string;
  /** `error_offset` in bytes, for conversions that failed with `-EAGAIN`. */
  readonly errorOffset?: number | null;
  /** Value read by an `access`. */
  readonly value?: number | null;
}
