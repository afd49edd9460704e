/**
 * Userspace synchronisation ops of VMM threads (spec §6.3's slot worker:
 * `worker_ready`, `recreate_slot`, `pthread_join`) over the `usync` actor
 * (userSyncMachine.ts), and `markVmDead` (`kvm_vm_dead`, the -EIO path of O13).
 */
import { ACTOR } from '../model/env.js';
import type { OpResult, VmmOp } from '../model/ops.js';
import type { Proc, ProcContext } from './kernel.js';
import { call } from './proc.js';

type Op<K extends VmmOp['op']> = Extract<VmmOp, { op: K }>;

/** Sets event `event` (wakes its waiters). */
export function* signalEvent(op: Op<'signalEvent'>, _ctx: ProcContext): Proc<OpResult> {
  yield* call(ACTOR.usync, { type: 'usync.signal', event: op.event });
  return { rc: '0' };
}

/** Waits until event `event` is set. */
export function* waitEvent(op: Op<'waitEvent'>, _ctx: ProcContext): Proc<OpResult> {
  yield* call(ACTOR.usync, { type: 'usync.wait', event: op.event });
  return { rc: '0' };
}

/** `kvm_vm_dead()` (e.g. after a KVM_BUG_ON): every later vCPU ioctl path sees KVM_REQ_VM_DEAD. */
export function* markVmDead(_op: Op<'markVmDead'>, _ctx: ProcContext): Proc<OpResult> {
  yield* call(ACTOR.kvm, { type: 'kvm.vm.markDead' });
  return { rc: '0' };
}
