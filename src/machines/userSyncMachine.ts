/**
 * Userspace synchronisation between the VMM's threads (spec §6.3: the
 * selftest's `worker_ready` / `recreate_slot` flags and `pthread_join`): named
 * one-shot events. An event, once signalled, stays signalled (a flag written with
 * WRITE_ONCE), so no wake-up is lost. Actor id `usync`, spawned only by scenarios
 * that use events.
 *
 * ```
 *   event: unsignalled ── usync.signal ──► signalled   (waiters answered `usync.woken`)
 * ```
 *
 * Requests: `usync.signal{event}` -> `ack` (`UserEventSignalled{event, by}`),
 * `usync.wait{event}` -> `usync.woken{event}` once signalled. A wait on an event no op of the run's
 * workload can signal (`signallable`, e.g. a swarm schedule dropped the signalling op) returns at once: the
 * workload, not the kernel, would hang.
 */
import { assign, setup } from 'xstate';
import { type Delivered, replyTarget } from '../events/messages.js';
import type { ActorPort } from '../events/actorPort.js';

/** Context of the userspace synchronisation. */
export interface UserSyncContext {
  readonly port: ActorPort;
  readonly signalled: ReadonlySet<string>;
  /** Event -> threads waiting for it. */
  readonly waiters: ReadonlyMap<string, readonly string[]>;
  /** Events some op of the workload signals (absent: all). */
  readonly signallable: ReadonlySet<string> | null;
}

/** Input of the userspace synchronisation. */
export interface UserSyncInput {
  readonly port: ActorPort;
  readonly signallable?: readonly string[];
}

function onRequest(ctx: UserSyncContext, m: Delivered): Partial<UserSyncContext> {
  const to = replyTarget(m);
  const event = m['event'] as string;
  switch (m.type) {
    case 'usync.signal': {
      ctx.port.record('UserEventSignalled', { event, by: m.from });
      ctx.port.send(to, { type: 'ack' });
      for (const w of ctx.waiters.get(event) ?? []) ctx.port.send(w, { type: 'usync.woken', event });
      const waiters = new Map(ctx.waiters);
      waiters.delete(event);
      return { signalled: new Set([...ctx.signalled, event]), waiters };
    }
    case 'usync.wait': {
      if (ctx.signalled.has(event) || (ctx.signallable !== null && !ctx.signallable.has(event))) {
        ctx.port.send(to, { type: 'usync.woken', event });
        return {};
      }
      const waiters = new Map(ctx.waiters);
      waiters.set(event, [...(ctx.waiters.get(event) ?? []), to]);
      return { waiters };
    }
    default:
      throw new Error(`${ctx.port.id}: unexpected message ${m.type} from ${m.from}`);
  }
}

/** The userspace-synchronisation machine. */
export const userSyncMachine = setup({
  types: { context: {} as UserSyncContext, events: {} as Delivered, input: {} as UserSyncInput },
  actions: { serve: assign(({ context, event }) => onRequest(context, event)) }
}).createMachine({
  id: 'userSync',
  context: ({ input }) => ({
    port: input.port,
    signalled: new Set(),
    waiters: new Map(),
    signallable: input.signallable === undefined ? null : new Set(input.signallable)
  }),
  on: { '*': { actions: 'serve' } }
});
