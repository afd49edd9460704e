/**
 * A VMM thread (spec §1.10): runs its program of ops (host accesses and faults,
 * GUP pin/unpin, munmap, conversion ioctls, PUNCH_HOLE), one kernel path at a
 * time. The machine is the shared program machine (see programMachine.ts for the
 * state diagram); the op table of the run's protocol design maps each op to its
 * kernel path.
 */
import type { VmmOp } from '../model/ops.js';
import { createProgramMachine } from './programMachine.js';

/** The VMM thread machine (its op dispatch: `runVmmOp` in `src/procedures/dispatch.ts`, through the run's protocol table). */
export const vmmThreadMachine = createProgramMachine<VmmOp>('vmmThread');
