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
import type { LockMode, LockName, Message } from '../events/messages.js';
import { type AnyRequest, isReplyTo, type ReplyOf } from '../events/protocol/index.js';
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

/**
 * Sends `msg` to `to` and returns the reply untyped.
 * TODO(protocol modules): every owner gets a typed protocol; then this goes.
 */
export function* callAny(to: string, msg: Message): Proc<Message> {
  return yield { kind: 'call', to, msg };
}

/** Takes `lock` owned by actor `owner` in `mode`, waiting until granted. */
export function* lock(owner: string, name: LockName, mode: LockMode): Proc<void> {
  yield* callAny(owner, { type: 'lock.acquire', lock: name, mode });
}

/** Releases `lock` owned by actor `owner`. */
export function* unlock(owner: string, name: LockName, mode: LockMode): Proc<void> {
  yield* callAny(owner, { type: 'lock.release', lock: name, mode });
}

/** Reads a numeric field of an untyped reply, failing loudly if the owner sent something else. */
export function num(m: Message, field: string): number {
  const v = m[field];
  if (typeof v !== 'number') throw new Error(`reply ${m.type} has no numeric ${field}`);
  return v;
}

/** Reads a string field of an untyped reply. */
export function str(m: Message, field: string): string {
  const v = m[field];
  if (typeof v !== 'string') throw new Error(`reply ${m.type} has no string ${field}`);
  return v;
}

/** Reads a boolean field of an untyped reply. */
export function bool(m: Message, field: string): boolean {
  const v = m[field];
  if (typeof v !== 'boolean') throw new Error(`reply ${m.type} has no boolean ${field}`);
  return v;
}

/** Reads a string-list field of an untyped reply. */
export function strs(m: Message, field: string): readonly string[] {
  const v = m[field];
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string')) throw new Error(`reply ${m.type} has no string list ${field}`);
  return v;
}

/** Reads a number-list field of an untyped reply. */
export function nums(m: Message, field: string): readonly number[] {
  const v = m[field];
  if (!Array.isArray(v) || !v.every((x): x is number => typeof x === 'number')) throw new Error(`reply ${m.type} has no number list ${field}`);
  return v;
}

/** Reads a boolean-list field of an untyped reply. */
export function bools(m: Message, field: string): readonly boolean[] {
  const v = m[field];
  if (!Array.isArray(v) || !v.every((x): x is boolean => typeof x === 'boolean')) throw new Error(`reply ${m.type} has no boolean list ${field}`);
  return v;
}
