/**
 * A kernel worker: runs deferred kernel work queued by an owner, as a program
 * of one op (spec §7.2: "between fput-to-zero and GmemReleased" must be a
 * separate scheduling point). The guest_memfd inode spawns one when the last
 * file reference goes (`__fput` -> `kvm_gmem_release`, O5).
 */
import type { KworkerOp } from '../model/actors.js';
import { createProgramMachine } from './programMachine.js';

/** The kernel-worker machine (its op dispatch: `runKworkerOp` in `src/procedures/dispatch.ts`). */
export const kworkerMachine = createProgramMachine<KworkerOp>('kworker');
