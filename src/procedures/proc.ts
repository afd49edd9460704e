/**
 * The procedure DSL: kernel code paths as generator procedures.
 *
 * A thread (VMM thread, vCPU, kernel worker) runs a procedure; every `yield`
 * sends one request to the actor that owns the state it touches and waits for
 * the reply. Each yield is therefore a scheduling point: other actors may run
 * between the request and the reply, exactly where the kernel could be
 * preempted or race.
 *
 * `call` is typed by the protocol (`src/events/protocol`): the request must
 * have the fields its owner expects, and the reply has the type the protocol
 * gives it (checked at run time: a reply of another type is a model error).
 */
import type { LockMode, LockName } from '../events/messages.js';
import { type AnyRequest, type GmemError, isReplyTo, type ReplyOf } from '../events/protocol/index.js';
import type { Proc } from './kernel.js';

export type { Proc, ProcContext, ProcFactory, Resume, ThreadLocals, Yielded } from './kernel.js';

/**
 * Sends request `msg` to actor `to` and returns its reply, typed by the
 * protocol. Throws if the owner answers with a message the protocol does not
 * allow for this request.
 */
export function* call<M extends AnyRequest>(to: string, msg: M): Proc<ReplyOf<M['type']>> {
  const reply = yield { kind: 'call', to, msg };
  if (!isReplyTo(msg.type, reply)) throw new Error(`${to} answered ${msg.type} with ${reply.type}`);
  return reply;
}

/** True unless `r` is the `gmem.error` of a guest_memfd whose creation failed. */
function isNotGmemError<R extends { readonly type: string }>(r: R): r is Exclude<R, GmemError> {
  return r.type !== 'gmem.error';
}

/**
 * {@link call} to a guest_memfd that must exist: a `gmem.error` reply (the
 * file's creation failed) is a model error here. Paths that can meet a failed
 * file use {@link call} and handle `gmem.error`.
 */
export function* callGmem<M extends AnyRequest>(gmem: string, msg: M): Proc<Exclude<ReplyOf<M['type']>, GmemError>> {
  const reply = yield* call(gmem, msg);
  if (!isNotGmemError(reply)) throw new Error(`${gmem} answered ${msg.type} with gmem.error: the file does not exist`);
  return reply;
}

/** Takes `lock` owned by actor `owner` in `mode`, waiting until granted. */
export function* lock(owner: string, name: LockName, mode: LockMode): Proc<void> {
  yield* call(owner, { type: 'lock.acquire', lock: name, mode });
}

/** Releases `lock` owned by actor `owner`. */
export function* unlock(owner: string, name: LockName, mode: LockMode): Proc<void> {
  yield* call(owner, { type: 'lock.release', lock: name, mode });
}
