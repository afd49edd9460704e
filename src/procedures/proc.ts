/**
 * Kernel code paths as generator procedures.
 *
 * A thread (VMM thread or vCPU) runs a procedure; every `yield` sends one
 * request to the actor that owns the state it touches and waits for the reply.
 * Each yield is therefore a scheduling point: other actors may run between the
 * request and the reply, exactly where the kernel could be preempted or race.
 */
import type { LockMode, LockName, Message } from '../events/messages.js';

/** What a procedure yields. */
export type Yielded = { readonly kind: 'call'; readonly to: string; readonly msg: Message } | { readonly kind: 'await'; readonly n: number };

/** The value a yield resumes with: the reply, or the batch of awaited messages. */
export type Resume = Message | readonly Message[];

/** A running procedure returning `R`. */
export type Proc<R> = Generator<Yielded, R, Resume>;

/** Sends `msg` to `to` and returns its reply. */
export function* call(to: string, msg: Message): Proc<Message> {
  return (yield { kind: 'call', to, msg }) as Message;
}

/** Waits for `n` more messages (e.g. acknowledgements of a fan-out). */
export function* awaitMessages(n: number): Proc<readonly Message[]> {
  if (n === 0) return [];
  return (yield { kind: 'await', n }) as readonly Message[];
}

/** Takes `lock` owned by actor `owner` in `mode`, waiting until granted. */
export function* lock(owner: string, name: LockName, mode: LockMode): Proc<void> {
  yield* call(owner, { type: 'lock.acquire', lock: name, mode });
}

/** Releases `lock` owned by actor `owner`. */
export function* unlock(owner: string, name: LockName, mode: LockMode): Proc<void> {
  yield* call(owner, { type: 'lock.release', lock: name, mode });
}

/** Reads a numeric field of a reply, failing loudly if the owner sent something else. */
export function num(m: Message, field: string): number {
  const v = m[field];
  if (typeof v !== 'number') throw new Error(`reply ${m.type} has no numeric ${field}`);
  return v;
}

/** Reads a string field of a reply. */
export function str(m: Message, field: string): string {
  const v = m[field];
  if (typeof v !== 'string') throw new Error(`reply ${m.type} has no string ${field}`);
  return v;
}

/** Reads a boolean field of a reply. */
export function bool(m: Message, field: string): boolean {
  const v = m[field];
  if (typeof v !== 'boolean') throw new Error(`reply ${m.type} has no boolean ${field}`);
  return v;
}

/** Reads a string-list field of a reply. */
export function strs(m: Message, field: string): readonly string[] {
  const v = m[field];
  if (!Array.isArray(v)) throw new Error(`reply ${m.type} has no list ${field}`);
  return v as readonly string[];
}

/** Reads a number-list field of a reply. */
export function nums(m: Message, field: string): readonly number[] {
  const v = m[field];
  if (!Array.isArray(v)) throw new Error(`reply ${m.type} has no list ${field}`);
  return v as readonly number[];
}
