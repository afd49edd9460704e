/**
 * The VM's count of mmu-notifier invalidations in flight,
 * `kvm->mn_active_invalidate_count` (spec O8), and the memslot updates waiting
 * for it to drop to 0 (`kvm_swap_active_memslots`). One part of the VM owner
 * (`kvm.mn.*`).
 *
 * ```
 *          kvm.mn.start                     kvm.mn.end (count 1 -> 0: waiters answered)
 *   idle ─────────────────► active ──────────────────────────────────────────────► idle
 *     │ kvm.mn.wait: answered at once    │ kvm.mn.start / kvm.mn.end (count stays > 0) / kvm.mn.wait (queued)
 *     └──► idle                          └──► active
 * ```
 *
 * `idle`: count 0; `active`: `invalidate_range_start` ran without its
 * `invalidate_range_end` (count > 0). An `end` without a `start` is a model
 * error (not accepted in `idle`).
 *
 * Requests: `kvm.mn.start` -> `ack` (`MmuNotifierStart{count}`), `kvm.mn.end`
 * -> `ack` (`MmuNotifierEnd{count}`), `kvm.mn.wait` -> `ack` once the count is 0.
 * Kernel: `virt/kvm/kvm_main.c` (`kvm_mmu_notifier_invalidate_range_start` /
 * `_end`, `kvm_swap_active_memslots`).
 */
import { assertEvent, assign, setup } from 'xstate';
import type { ActorPort } from '../../events/actorPort.js';
import { type Delivered, replyTarget } from '../../events/messages.js';
import { type KvmMnInbox, type PlainAck, respond } from '../../events/protocol/index.js';
import { typeHint } from '../../model/typeHint.js';

/** Context of the mmu-notifier count. */
export type KvmMmuNotifierContext = {
  readonly port: ActorPort;
  /** `mn_active_invalidate_count`. */
  readonly count: number;
  /** `kvm.mn.wait` callers, answered when the count drops to 0. */
  readonly waiters: readonly string[];
};

/** Input of the mmu-notifier count. */
export type KvmMmuNotifierInput = { readonly port: ActorPort };

const ACK: PlainAck = { type: 'ack' };

/** The mmu-notifier count machine. */
export const kvmMmuNotifierMachine = setup({
  types: { context: typeHint<KvmMmuNotifierContext>(), events: typeHint<Delivered<KvmMnInbox>>(), input: typeHint<KvmMmuNotifierInput>() },
  actions: {
    /** `invalidate_range_start`: one more invalidation in flight. */
    start: assign(({ context, event }) => {
      assertEvent(event, 'kvm.mn.start');
      const count = context.count + 1;
      context.port.record('MmuNotifierStart', { vm: context.port.id, count });
      respond(context.port, event, ACK);
      return { count };
    }),
    /** `invalidate_range_end`: one fewer; at 0 the waiting memslot updates go on. */
    end: assign(({ context, event }) => {
      assertEvent(event, 'kvm.mn.end');
      const count = context.count - 1;
      context.port.record('MmuNotifierEnd', { vm: context.port.id, count });
      respond(context.port, event, ACK);
      if (count > 0) return { count };
      for (const w of context.waiters) context.port.send(w, ACK);
      return { count, waiters: [] };
    }),
    /** Nothing in flight: the wait is over at once. */
    answerWait: ({ context, event }) => {
      assertEvent(event, 'kvm.mn.wait');
      respond(context.port, event, ACK);
    },
    /** Invalidations in flight: the caller waits for the count to drop to 0. */
    queueWait: assign(({ context, event }) => {
      assertEvent(event, 'kvm.mn.wait');
      return { waiters: [...context.waiters, replyTarget(event)] };
    })
  },
  guards: {
    /** This `end` is the last one in flight. */
    lastEnd: ({ context }) => context.count === 1
  }
}).createMachine({
  id: 'kvmMmuNotifier',
  context: ({ input }) => ({ port: input.port, count: 0, waiters: [] }),
  initial: 'idle',
  states: {
    idle: {
      on: {
        'kvm.mn.start': { target: 'active', actions: 'start' },
        'kvm.mn.wait': { actions: 'answerWait' }
      }
    },
    active: {
      on: {
        'kvm.mn.start': { actions: 'start' },
        'kvm.mn.end': [{ guard: 'lastEnd', target: 'idle', actions: 'end' }, { actions: 'end' }],
        'kvm.mn.wait': { actions: 'queueWait' }
      }
    }
  }
});
