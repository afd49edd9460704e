/**
 * Signals of a VMM thread (`signal_pending(current)`): the `signal` op makes
 * one pending; an interruptible kernel loop that sees it returns `-EINTR`, and
 * the signal is delivered (consumed) on the way back to userspace. The vCPU
 * thread's signals for KVM_PRE_FAULT_MEMORY live in prefault.ts.
 */
import type { ProcContext } from '../machines/programMachine.js';
import type { OpResult } from '../model/ops.js';
import type { Proc } from './proc.js';

const SIGNAL = 'vmm:signal';

/** A signal becomes pending for this VMM thread. */
export function* raiseSignal(ctx: ProcContext): Proc<OpResult> {
  ctx.locals.set(SIGNAL, { pending: 1 });
  yield* [];
  return { rc: '0' };
}

/** `signal_pending(current)`; a pending signal is consumed (the caller returns `-EINTR` and the handler runs). */
export function takeSignal(ctx: ProcContext): boolean {
  if (!ctx.locals.has(SIGNAL)) return false;
  ctx.locals.delete(SIGNAL);
  return true;
}
