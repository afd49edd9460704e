/**
 * The userspace-event protocol (spec §6.3: the selftest's `worker_ready` /
 * `recreate_slot` flags and `pthread_join` between VMM threads and vCPU
 * threads): named one-shot events that, once signalled, stay signalled (a flag
 * written with `WRITE_ONCE` and polled), so no wake-up is lost. Not kernel
 * code: the workload's own synchronisation (`tools/testing/selftests/kvm`).
 */
import type { PlainAck } from './folio.js';

/** `usync.signal{event}`: sets `event` and wakes its waiters (fact `UserEventSignalled`). */
export type UsyncSignal = { readonly type: 'usync.signal'; readonly event: string };
/** `usync.wait{event}`: answered once `event` is set (at once if it is, or if no op of the workload can set it). */
export type UsyncWait = { readonly type: 'usync.wait'; readonly event: string };
/** Reply to `usync.wait`: `event` is set. */
export type UsyncWoken = { readonly type: 'usync.woken'; readonly event: string };

/** Requests the userspace events serve, each with its reply. */
export type UsyncRequests = {
  'usync.signal': { req: UsyncSignal; reply: PlainAck };
  'usync.wait': { req: UsyncWait; reply: UsyncWoken };
};

/** Every message the userspace events accept. */
export type UsyncInbox = UsyncSignal | UsyncWait;
