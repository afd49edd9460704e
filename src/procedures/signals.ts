/**
 * Signals of a thread (`signal_pending(current)`): the `signal` op (VMM
 * threads) or `signalVcpu` (the vCPU thread) makes one pending; an interruptible
 * kernel loop that sees it returns `-EINTR` (fallocate, KVM_PRE_FAULT_MEMORY),
 * and the signal is delivered (consumed) on the way back to userspace.
 */
import type { OpResult } from '../model/ops.js';
import type { Proc, ProcContext } from './kernel.js';

const SIGNAL = 'signal';

/** A signal becomes pending for this thread. */
export function* raiseSignal(ctx: ProcContext): Proc<OpResult> {
  ctx.locals.set(SIGNAL, { pending: 1 });
  yield* [];
  return { rc: '0' };
}

/** `signal_pending(current)`. */
export function signalPending(ctx: ProcContext): boolean {
  return ctx.locals.has(SIGNAL);
}

/** The pending signal, if any, is delivered on the way back to userspace (its handler runs). */
export function deliverSignal(ctx: ProcContext): void {
  ctx.locals.delete(SIGNAL);
}

/** `signal_pending(current)`, delivering the signal at once (the caller returns `-EINTR` to userspace). */
export function takeSignal(ctx: ProcContext): boolean {
  if (!signalPending(ctx)) return false;
  deliverSignal(ctx);
  return true;
}
