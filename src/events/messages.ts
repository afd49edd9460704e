/**
 * Messages: what actors send each other (commands `actor.verb` and replies).
 *
 * A message is a flat object with a `type`. The receiver replies to the sender
 * unless the message names another actor in `replyTo` (used when a request fans
 * out, e.g. the address space asks each folio to acknowledge a zap directly to
 * the thread that zapped).
 */
import type { Value } from './logEntry.js';

/** Any message. */
export interface Message {
  readonly type: string;
  readonly [field: string]: Value;
}

/** A message as delivered: the world adds the sender's id. */
export type Delivered<M extends Message = Message> = M & { readonly from: string };

/** The actor a reply to `m` goes to: `replyTo` when the request names one, else the sender. */
export function replyTarget(m: { readonly from: string; readonly replyTo?: unknown }): string {
  return typeof m.replyTo === 'string' ? m.replyTo : m.from;
}

/** Lock names used by the model (spec §2). */
export type LockName = 'invalidate' | 'mmu' | 'folio' | 'slots' | 'mmap';

/** Lock modes: shared (read) or exclusive (write). */
export type LockMode = 'R' | 'W';

/** Messages every lock owner accepts. */
export type LockMessage =
  | { readonly type: 'lock.acquire'; readonly lock: LockName; readonly mode: LockMode }
  | { readonly type: 'lock.release'; readonly lock: LockName; readonly mode: LockMode };

/** Reply to `lock.acquire` once the lock is held, and to `lock.release`. */
export type LockReply =
  { readonly type: 'lock.granted'; readonly lock: LockName; readonly mode: LockMode } | { readonly type: 'lock.released'; readonly lock: LockName };

/** Start signal the world sends each program-running actor (threads, vCPUs). */
export interface RunMessage {
  readonly type: 'thread.run';
}
