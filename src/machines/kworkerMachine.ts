/**
 * A kernel worker: runs deferred kernel work queued by an owner, as a program
 * of one op (spec §7.2: "between fput-to-zero and GmemReleased" must be a
 * separate scheduling point). The guest_memfd inode spawns one when the last
 * file reference goes (`__fput` -> `kvm_gmem_release`, O5).
 */
import type { KworkerOp } from '../model/actors.js';
import type { OpResult } from '../model/ops.js';
import { gmemRelease } from '../procedures/gmemRelease.js';
import type { Proc, ProcContext } from '../procedures/proc.js';
import { createProgramMachine } from './programMachine.js';

/** The kernel path of a worker op (`KworkerOp`, `src/model/actors.ts`: what the inode's last `fput` spawns a worker with). */
export function runKworkerOp(op: KworkerOp, ctx: ProcContext): Proc<OpResult> {
  switch (op.op) {
    case 'gmemRelease':
      return gmemRelease(op.gmem, ctx);
  }
}

/** The kernel-worker machine. */
export const kworkerMachine = createProgramMachine<KworkerOp>('kworker');
