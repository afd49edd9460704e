/**
 * The VM's SRCU domain `kvm->srcu` (spec §1.6, §2): read sections
 * (`srcu_read_lock` / `srcu_read_unlock`, vCPU faults and mmu-notifiers) and
 * `synchronize_srcu` callers (memslot updates) waiting for the readers that
 * were inside when they asked. One part of the VM owner (`kvm.srcu.*`).
 *
 * ```
 *          kvm.srcu.lock                    kvm.srcu.synchronize (readers inside)
 *   idle ─────────────────► reading ───────────────────────────────────────► syncing
 *    ▲ ◄── last reader leaves ─┘ ▲ ◄── the last waiter's readers left, others remain ─┘ │
 *    └────────────────────── the last reader leaves (every waiter answered) ◄────────────┘
 *   idle: kvm.srcu.synchronize is answered at once (no reader to wait for)
 * ```
 *
 * `idle`: no read section; `reading`: readers inside, nobody synchronizing;
 * `syncing`: a `synchronize_srcu` waits for readers that were inside when it
 * asked (later readers do not hold it up). Sessions are numbered per VM.
 * Leaving a section the caller is not in is a model error.
 *
 * Requests: `kvm.srcu.lock` -> `kvm.srcu.locked{session}` (`SrcuReadLock`),
 * `kvm.srcu.unlock{session}` -> `ack` (`SrcuReadUnlock`; each waiter it
 * releases: `SrcuSyncDone` + `kvm.srcu.synchronized`), `kvm.srcu.synchronize`
 * -> `kvm.srcu.synchronized` (`SrcuSyncWaiting{readers}`, then `SrcuSyncDone`).
 * Kernel: `kernel/rcu/srcutree.c`, `virt/kvm/kvm_main.c` (`kvm_swap_active_memslots`).
 */
import { assertEvent, assign, setup } from 'xstate';
import type { ActorPort } from '../../events/actorPort.js';
import { type Delivered, replyTarget } from '../../events/messages.js';
import { type KvmSrcuInbox, type KvmSrcuSynchronized, respond } from '../../events/protocol/index.js';
import { typeHint } from '../../model/typeHint.js';

/** A `synchronize_srcu` caller and the read sections it waits for. */
type SyncWaiter = { readonly to: string; readonly sessions: readonly number[] };

/** Context of `kvm->srcu`. */
export type KvmSrcuContext = {
  readonly port: ActorPort;
  /** Read sections: session -> holder. */
  readonly readers: ReadonlyMap<number, string>;
  readonly nextSession: number;
  readonly syncWaiters: readonly SyncWaiter[];
};

/** Input of `kvm->srcu`. */
export type KvmSrcuInput = { readonly port: ActorPort };

/** Who is left after unlock `event`: the readers, and the waiters some of whose readers are still inside. */
function afterUnlock(ctx: KvmSrcuContext, event: Delivered<KvmSrcuInbox>): { readers: Map<number, string>; still: SyncWaiter[]; done: SyncWaiter[] } {
  assertEvent(event, 'kvm.srcu.unlock');
  const readers = new Map(ctx.readers);
  readers.delete(event.session);
  const still: SyncWaiter[] = [];
  const done: SyncWaiter[] = [];
  for (const w of ctx.syncWaiters) (w.sessions.some((x) => readers.has(x)) ? still : done).push(w);
  return { readers, still, done };
}

const SYNCHRONIZED: KvmSrcuSynchronized = { type: 'kvm.srcu.synchronized' };

/** The `kvm->srcu` machine. */
export const kvmSrcuMachine = setup({
  types: { context: typeHint<KvmSrcuContext>(), events: typeHint<Delivered<KvmSrcuInbox>>(), input: typeHint<KvmSrcuInput>() },
  actions: {
    /** `srcu_read_lock`: a new read section of the sender. */
    readLock: assign(({ context, event }) => {
      assertEvent(event, 'kvm.srcu.lock');
      const session = context.nextSession;
      const readers = new Map(context.readers);
      readers.set(session, event.from);
      context.port.record('SrcuReadLock', { vm: context.port.id, holder: event.from, session });
      respond(context.port, event, { type: 'kvm.srcu.locked', session });
      return { readers, nextSession: session + 1 };
    }),
    /** `srcu_read_unlock`; answers every `synchronize_srcu` none of whose readers is left. */
    readUnlock: assign(({ context, event }) => {
      assertEvent(event, 'kvm.srcu.unlock');
      const id = context.port.id;
      if (context.readers.get(event.session) !== event.from) throw new Error(`${id}: ${event.from} leaves SRCU session ${event.session} it is not in`);
      const { readers, still, done } = afterUnlock(context, event);
      context.port.record('SrcuReadUnlock', { vm: id, holder: event.from, session: event.session });
      respond(context.port, event, { type: 'ack' });
      for (const w of done) {
        context.port.record('SrcuSyncDone', { vm: id, holder: w.to });
        context.port.send(w.to, SYNCHRONIZED);
      }
      return { readers, syncWaiters: still };
    }),
    /** `synchronize_srcu`: waits for the readers inside now (answered at once when there are none). */
    synchronize: assign(({ context, event }) => {
      assertEvent(event, 'kvm.srcu.synchronize');
      const to = replyTarget(event);
      const sessions = [...context.readers.keys()];
      context.port.record('SrcuSyncWaiting', { vm: context.port.id, holder: to, readers: sessions.length });
      if (sessions.length === 0) {
        context.port.record('SrcuSyncDone', { vm: context.port.id, holder: to });
        respond(context.port, event, SYNCHRONIZED);
        return {};
      }
      return { syncWaiters: [...context.syncWaiters, { to, sessions }] };
    })
  },
  guards: {
    /** After this unlock no reader is inside. */
    leavesIdle: ({ context, event }) => afterUnlock(context, event).readers.size === 0,
    /** After this unlock a `synchronize_srcu` still waits. */
    leavesSyncing: ({ context, event }) => afterUnlock(context, event).still.length > 0
  }
}).createMachine({
  id: 'kvmSrcu',
  context: ({ input }) => ({ port: input.port, readers: new Map(), nextSession: 1, syncWaiters: [] }),
  initial: 'idle',
  states: {
    idle: {
      on: {
        'kvm.srcu.lock': { target: 'reading', actions: 'readLock' },
        'kvm.srcu.synchronize': { actions: 'synchronize' }
      }
    },
    reading: {
      on: {
        'kvm.srcu.lock': { actions: 'readLock' },
        'kvm.srcu.unlock': [{ guard: 'leavesIdle', target: 'idle', actions: 'readUnlock' }, { actions: 'readUnlock' }],
        'kvm.srcu.synchronize': { target: 'syncing', actions: 'synchronize' }
      }
    },
    syncing: {
      on: {
        'kvm.srcu.lock': { actions: 'readLock' },
        'kvm.srcu.unlock': [
          { guard: 'leavesIdle', target: 'idle', actions: 'readUnlock' },
          { guard: 'leavesSyncing', actions: 'readUnlock' },
          { target: 'reading', actions: 'readUnlock' }
        ],
        'kvm.srcu.synchronize': { actions: 'synchronize' }
      }
    }
  }
});
