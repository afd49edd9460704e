/**
 * A VMM thread (spec §1.10): runs its program of ops (host accesses and faults,
 * GUP pin/unpin, munmap, conversion ioctls, PUNCH_HOLE), one kernel path at a
 * time. The machine is the shared program machine (see programMachine.ts for the
 * state diagram); this file maps each op to its kernel-path procedure.
 */
import type { VmmOp } from '../model/ops.js';
import { convert } from '../procedures/convert.js';
import { fallocate } from '../procedures/fallocate.js';
import { gupPin, gupUnpin, munmap } from '../procedures/gup.js';
import { hostAccess } from '../procedures/hostAccess.js';
import type { Proc, ProcContext } from '../procedures/proc.js';
import { memoryFailure } from '../procedures/memoryFailure.js';
import { populate } from '../procedures/populate.js';
import { markVmDead, signalEvent, waitEvent } from '../procedures/userSync.js';
import { punchHole } from '../procedures/punchHole.js';
import type { OpResult } from '../model/ops.js';
import { createProgramMachine } from './programMachine.js';
import { raiseSignal } from '../procedures/signals.js';
import {
  closeFd,
  createGmem,
  createMemslot,
  deleteMemslot,
  fileIo,
  fstat,
  kvmRun,
  madviseGmem,
  mmapGmem,
  setMemoryAttributes,
  injectAttrReserveFailure,
  uaccess,
  umunmap
} from '../procedures/vmOps.js';

/** The kernel path that runs `op`. */
export function runVmmOp(op: VmmOp, ctx: ProcContext): Proc<OpResult> {
  switch (op.op) {
    case 'access':
      return hostAccess(op, ctx);
    case 'convert':
      return convert(op, ctx);
    case 'pin':
      return gupPin(op, ctx);
    case 'unpin':
      return gupUnpin(op, ctx);
    case 'munmap':
      return munmap(op);
    case 'punchHole':
      return punchHole(op, ctx);
    case 'fallocate':
      return fallocate(op, ctx);
    case 'setMemoryAttributes':
      return setMemoryAttributes(op, ctx);
    case 'injectAttrReserveFailure':
      return injectAttrReserveFailure(op.count, ctx);
    case 'signal':
      return raiseSignal(ctx);
    case 'createMemslot':
      return createMemslot(op, ctx);
    case 'deleteMemslot':
      return deleteMemslot(op, ctx);
    case 'createGmem':
      return createGmem(op, ctx);
    case 'close':
      return closeFd(op, ctx);
    case 'fstat':
      return fstat(op, ctx);
    case 'fileIo':
      return fileIo(op, ctx);
    case 'mmap':
      return mmapGmem(op, ctx);
    case 'madvise':
      return madviseGmem(op);
    case 'uaccess':
      return uaccess(op);
    case 'umunmap':
      return umunmap(op);
    case 'signalEvent':
      return signalEvent(op);
    case 'waitEvent':
      return waitEvent(op);
    case 'markVmDead':
      return markVmDead(op, ctx);
    case 'populate':
      return populate(op, ctx);
    case 'memoryFailure':
      return memoryFailure(op, ctx);
    case 'kvmRun':
      return kvmRun(op, ctx);
  }
}

/** The VMM thread machine. */
export const vmmThreadMachine = createProgramMachine<VmmOp>('vmmThread');
