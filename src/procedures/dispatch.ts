/**
 * Runs one op of a thread's program through the op table of the run's
 * protocol design (`ctx.kernel.vmmOps` / `vcpuOps` / `kworkerOps`). A switch per
 * op kind, so each op reaches its table entry with its own type.
 */
import type { KworkerOp } from '../model/actors.js';
import type { VcpuOp } from '../model/guestOps.js';
import type { OpResult, VmmOp } from '../model/ops.js';
import type { Proc, ProcContext } from './kernel.js';

/** The kernel path of VMM-thread op `op`. */
export function runVmmOp(op: VmmOp, ctx: ProcContext): Proc<OpResult> {
  const t = ctx.kernel.vmmOps;
  switch (op.op) {
    case 'access':
      return t.access(op, ctx);
    case 'convert':
      return t.convert(op, ctx);
    case 'pin':
      return t.pin(op, ctx);
    case 'unpin':
      return t.unpin(op, ctx);
    case 'munmap':
      return t.munmap(op, ctx);
    case 'punchHole':
      return t.punchHole(op, ctx);
    case 'fallocate':
      return t.fallocate(op, ctx);
    case 'setMemoryAttributes':
      return t.setMemoryAttributes(op, ctx);
    case 'injectAttrReserveFailure':
      return t.injectAttrReserveFailure(op, ctx);
    case 'signal':
      return t.signal(op, ctx);
    case 'createMemslot':
      return t.createMemslot(op, ctx);
    case 'deleteMemslot':
      return t.deleteMemslot(op, ctx);
    case 'createGmem':
      return t.createGmem(op, ctx);
    case 'close':
      return t.close(op, ctx);
    case 'fstat':
      return t.fstat(op, ctx);
    case 'fileIo':
      return t.fileIo(op, ctx);
    case 'mmap':
      return t.mmap(op, ctx);
    case 'madvise':
      return t.madvise(op, ctx);
    case 'uaccess':
      return t.uaccess(op, ctx);
    case 'umunmap':
      return t.umunmap(op, ctx);
    case 'signalEvent':
      return t.signalEvent(op, ctx);
    case 'waitEvent':
      return t.waitEvent(op, ctx);
    case 'markVmDead':
      return t.markVmDead(op, ctx);
    case 'populate':
      return t.populate(op, ctx);
    case 'memoryFailure':
      return t.memoryFailure(op, ctx);
    case 'kvmRun':
      return t.kvmRun(op, ctx);
  }
}

/** The kernel path of vCPU op `op`. */
export function runVcpuOp(op: VcpuOp, ctx: ProcContext): Proc<OpResult> {
  const t = ctx.kernel.vcpuOps;
  switch (op.op) {
    case 'preFault':
      return t.preFault(op, ctx);
    case 'preFaultTest':
      return t.preFaultTest(op, ctx);
    case 'setVcpuMode':
      return t.setVcpuMode(op, ctx);
    case 'injectRootAllocFailure':
      return t.injectRootAllocFailure(op, ctx);
    case 'signalVcpu':
      return t.signalVcpu(op, ctx);
    case 'waitEvent':
      return t.waitEvent(op, ctx);
    case 'signalEvent':
      return t.signalEvent(op, ctx);
    case 'guestAccess':
      return t.guestAccess(op, ctx);
    case 'mapGpaRange':
      return t.mapGpaRange(op, ctx);
  }
}

/** The kernel path of kernel-worker op `op`. */
export function runKworkerOp(op: KworkerOp, ctx: ProcContext): Proc<OpResult> {
  return ctx.kernel.kworkerOps[op.op](op, ctx);
}
