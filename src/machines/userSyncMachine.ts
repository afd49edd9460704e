/**
 * Userspace synchronisation between the VMM's threads (spec §6.3: the
 * selftest's `worker_ready` / `recreate_slot` flags and `pthread_join`): named
 * one-shot events. An event, once signalled, stays signalled (a flag written with
 * WRITE_ONCE), so no wake-up is lost. Actor id `usync`, spawned only by scenarios
 * that use events. Not kernel state: the workload's own (`tools/testing/selftests/kvm`).
 *
 * ```
 *          usync.wait (signalled, or never signallable) / usync.signal
 *   idle ── usync.wait (not signalled) ──► blocked ── usync.signal waking the last blocked thread ──► idle
 *                                          blocked: usync.wait, usync.signal of another event
 * ```
 *
 * States: `idle`: no thread is blocked in a wait; `blocked`: some thread waits
 * for an event not yet signalled. Per event, unsignalled / signalled is kept in
 * context (`signalled`: events are named at run time, so they cannot be states).
 *
 * Requests (protocol `src/events/protocol/usync.ts`): `usync.signal{event}` ->
 * `ack` (`UserEventSignalled{event, by}`), `usync.wait{event}` ->
 * `usync.woken{event}` once signalled. A wait on an event no op of the run's
 * workload can signal (`signallable`, e.g. a swarm schedule dropped the signalling
 * op) returns at once: the workload, not the kernel, would hang.
 */
import { assertEvent, assign, setup } from 'xstate';
import type { ActorPort } from '../events/actorPort.js';
import { type Delivered, replyTarget } from '../events/messages.js';
import { respond, type UsyncInbox } from '../events/protocol/index.js';
import { typeHint } from '../model/typeHint.js';

/** Context of the userspace synchronisation. */
export interface UserSyncContext {
  readonly port: ActorPort;
  readonly signalled: ReadonlySet<string>;
  /** Event -> where the threads waiting for it are answered. */
  readonly waiters: ReadonlyMap<string, readonly string[]>;
  /** Events some op of the workload signals (null: all). */
  readonly signallable: ReadonlySet<string> | null;
}

/** Input of the userspace synchronisation. */
export interface UserSyncInput {
  readonly port: ActorPort;
  readonly signallable?: readonly string[];
}

/** The userspace-synchronisation machine. */
export const userSyncMachine = setup({
  types: { context: typeHint<UserSyncContext>(), events: typeHint<Delivered<UsyncInbox>>(), input: typeHint<UserSyncInput>() },
  actions: {
    /** Sets the event (fact `UserEventSignalled`), acknowledges, and wakes its waiters. */
    signal: assign(({ context, event }) => {
      assertEvent(event, 'usync.signal');
      context.port.record('UserEventSignalled', { event: event.event, by: event.from });
      respond(context.port, event, { type: 'ack' });
      for (const w of context.waiters.get(event.event) ?? []) context.port.send(w, { type: 'usync.woken', event: event.event });
      const waiters = new Map(context.waiters);
      waiters.delete(event.event);
      return { signalled: new Set([...context.signalled, event.event]), waiters };
    }),
    /** A wait that returns at once. */
    wake: ({ context, event }) => {
      assertEvent(event, 'usync.wait');
      respond(context.port, event, { type: 'usync.woken', event: event.event });
    },
    /** The waiting thread blocks until the event is signalled. */
    block: assign(({ context, event }) => {
      assertEvent(event, 'usync.wait');
      const waiters = new Map(context.waiters);
      waiters.set(event.event, [...(context.waiters.get(event.event) ?? []), replyTarget(event)]);
      return { waiters };
    })
  },
  guards: {
    /** The event is not set and some op of the workload can set it: the wait blocks. */
    mustBlock: ({ context, event }) => {
      assertEvent(event, 'usync.wait');
      return !context.signalled.has(event.event) && (context.signallable === null || context.signallable.has(event.event));
    },
    /** Signalling this event wakes every blocked thread. */
    wakesAll: ({ context, event }) => {
      assertEvent(event, 'usync.signal');
      return context.waiters.size === (context.waiters.has(event.event) ? 1 : 0);
    }
  }
}).createMachine({
  id: 'userSync',
  context: ({ input }) => ({
    port: input.port,
    signalled: new Set(),
    waiters: new Map(),
    signallable: input.signallable === undefined ? null : new Set(input.signallable)
  }),
  initial: 'idle',
  states: {
    // No thread blocked in a wait.
    idle: {
      on: {
        'usync.signal': { actions: 'signal' },
        'usync.wait': [{ guard: 'mustBlock', target: 'blocked', actions: 'block' }, { actions: 'wake' }]
      }
    },
    // Some thread waits for an event not yet signalled.
    blocked: {
      on: {
        'usync.signal': [{ guard: 'wakesAll', target: 'idle', actions: 'signal' }, { actions: 'signal' }],
        'usync.wait': [{ guard: 'mustBlock', actions: 'block' }, { actions: 'wake' }]
      }
    }
  }
});
