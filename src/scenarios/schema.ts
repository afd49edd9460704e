/**
 * The scenario format: a guest_memfd configuration, the programs of the VMM
 * threads and, per op, the expected outcome. Built-in scenarios and scenario
 * files (JSON) are both validated by {@link scenarioSchema}.
 */
import { z } from 'zod';
import { MODES } from '../model/modes.js';
import { vmmOpSchema } from '../model/ops.js';
import { guestOpSchema } from '../model/guestOps.js';

const nat = z.number().int().nonnegative();

/** zod schema of a scenario. */
export const scenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case words joined by -'),
    description: z.string().default(''),
    mode: z.enum(MODES).default('rfc-inplace-v8'),
    gmem: z
      .object({
        pages: z.number().int().positive().max(2 ** 30),
        folioSize: z.enum(['4K', '2M', '1G']).default('4K'),
        initShared: z.boolean().default(true),
        bound: z.boolean().default(true),
        /** Pages of the file the memslot binds, from offset 0 (default: all). */
        bindPages: z.number().int().positive().optional(),
        baseGfn: nat.default(0x100000),
        /** Free hugepages of the host-global HugeTLB pool (rfc-1g-v2); absent = exactly the reservation. */
        hugePool: nat.optional()
      })
      .strict(),
    threads: z
      .array(z.object({ ops: z.array(vmmOpSchema).min(1) }).strict())
      .min(1)
      .max(64),
    /** vCPUs (`vcpu0`, ...), each running a guest program. */
    vcpus: z
      .array(z.object({ ops: z.array(guestOpSchema).min(1) }).strict())
      .max(64)
      .default([]),
    maxSteps: z.number().int().positive().default(200_000),
    /** Bound of the LIVENESS monitor: steps an operation may take while it is the only one in flight. */
    livenessStepsMax: z.number().int().positive().optional()
  })
  .strict()
  .superRefine((s, ctx) => {
    s.threads.forEach((t, ti) => {
      const names = new Set<string>();
      t.ops.forEach((op, oi) => {
        if (op.op === 'pin') {
          if (names.has(op.pin)) ctx.addIssue({ code: 'custom', path: ['threads', ti, 'ops', oi, 'pin'], message: `pin name ${op.pin} used twice` });
          names.add(op.pin);
        }
      });
    });
  });

/** A scenario after defaults are applied. */
export type Scenario = z.infer<typeof scenarioSchema>;
/** A scenario as written. */
export type ScenarioInput = z.input<typeof scenarioSchema>;

/** Folio order of a folio size. */
export function folioOrderOf(size: Scenario['gmem']['folioSize']): number {
  return size === '4K' ? 0 : size === '2M' ? 9 : 18;
}

/** Id of VMM thread `i`. */
export function threadId(i: number): string {
  return `t${i}`;
}
