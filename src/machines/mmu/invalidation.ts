/**
 * The KVM MMU's invalidation state (spec §1.8, O10, O12): `kvm->mmu_invalidate_seq`,
 * `mmu_invalidate_in_progress` and the accumulated range
 * `mmu_invalidate_range_start/end`, and the checks the vCPU fault path makes
 * against them. One part of the MMU owner.
 *
 * ```
 *          mmu.invalidate.begin (0 -> 1)                mmu.invalidate.end (1 -> 0: waiters answered)
 *   idle ─────────────────────────────────► inProgress ─────────────────────────────────────────────► idle
 *                                              │ begin (n -> n+1) / rangeAdd / end (n -> n-1 > 0)
 *                                              └──► inProgress
 *   both: mmu.seq, mmu.staleCheck; mmu.waitIdle answered at once in idle, queued in inProgress
 * ```
 *
 * `idle`: `mmu_invalidate_in_progress == 0`; `inProgress`: an invalidation
 * began and has not ended (`range_add` and `end` are accepted only here: a
 * `range_add` or `end` without `begin` is a model error, the kernel's
 * `KVM_BUG_ON`). `begin` 0 -> 1 resets the range to `INVALID_GPA` (null).
 * The MMU never checks that a caller holds `mmu_lock` (the log's checkers do).
 *
 * Requests: `mmu.invalidate.begin` / `rangeAdd{start, end}` / `end` -> `ack`
 * (`InvalidateBegin`, `RangeAdded`, `InvalidateEnd`), `mmu.seq` -> `mmu.seq{seq}`,
 * `mmu.staleCheck{gfn, seq, locked}` -> `mmu.stale{ok}` (`StaleCheck`),
 * `mmu.waitIdle` -> `mmu.idle` once no invalidation is in progress.
 * Kernel: `virt/kvm/kvm_main.c` (`kvm_mmu_invalidate_begin`, `_range_add`,
 * `_end`), `include/linux/kvm_host.h` (`mmu_invalidate_retry_gfn{,_unsafe}`).
 */
import { assertEvent, assign, setup } from 'xstate';
import type { ActorPort } from '../../events/actorPort.js';
import { type Delivered, replyTarget } from '../../events/messages.js';
import { type MmuIdle, type MmuInvalidationInbox, type PlainAck, respond } from '../../events/protocol/index.js';
import { typeHint } from '../../model/typeHint.js';

/** Context of the invalidation state. */
export type MmuInvalidationContext = {
  readonly port: ActorPort;
  /** `mmu_invalidate_seq`. */
  readonly seq: number;
  /** `mmu_invalidate_in_progress`. */
  readonly inProgress: number;
  /** Accumulated invalidation range; null = `INVALID_GPA` (nothing added yet). */
  readonly rangeStart: number | null;
  readonly rangeEnd: number | null;
  /** `mmu.waitIdle` requesters: answered `mmu.idle` when no invalidation is in progress. */
  readonly idleWaiters: readonly string[];
};

/** Input of the invalidation state. */
export type MmuInvalidationInput = { readonly port: ActorPort };

const ACK: PlainAck = { type: 'ack' };
const IDLE: MmuIdle = { type: 'mmu.idle' };

/**
 * `mmu_invalidate_retry_gfn` (locked) / `mmu_invalidate_retry_gfn_unsafe`:
 * true if a fault that snapshotted `seq` for `gfn` must retry.
 */
function mustRetry(ctx: MmuInvalidationContext, seq: number, gfn: number, locked: boolean): boolean {
  if (ctx.inProgress > 0) {
    // Locked: a range still INVALID while in progress is a KVM bug (WARN) and retries.
    if (ctx.rangeStart === null || ctx.rangeEnd === null) return locked;
    if (gfn >= ctx.rangeStart && gfn < ctx.rangeEnd) return true;
  }
  return ctx.seq !== seq;
}

/** The invalidation-state machine. */
export const mmuInvalidationMachine = setup({
  types: { context: typeHint<MmuInvalidationContext>(), events: typeHint<Delivered<MmuInvalidationInbox>>(), input: typeHint<MmuInvalidationInput>() },
  actions: {
    /** `fault->mmu_seq = kvm->mmu_invalidate_seq`. */
    answerSeq: ({ context, event }) => {
      assertEvent(event, 'mmu.seq');
      respond(context.port, event, { type: 'mmu.seq', seq: context.seq });
    },
    /** `mmu_invalidate_retry_gfn{,_unsafe}` for the fault's snapshot. */
    staleCheck: ({ context, event }) => {
      assertEvent(event, 'mmu.staleCheck');
      const { gfn, seq, locked } = event;
      const ok = !mustRetry(context, seq, gfn, locked);
      context.port.record('StaleCheck', { vcpu: event.from, gfn, seq, locked, ok, mmuSeq: context.seq, inProgress: context.inProgress });
      respond(context.port, event, { type: 'mmu.stale', ok });
    },
    /** `kvm_mmu_invalidate_begin`. */
    begin: assign(({ context, event }) => {
      assertEvent(event, 'mmu.invalidate.begin');
      const inProgress = context.inProgress + 1;
      context.port.record('InvalidateBegin', { inProgress });
      respond(context.port, event, ACK);
      return inProgress === 1 ? { inProgress, rangeStart: null, rangeEnd: null } : { inProgress };
    }),
    /** `kvm_mmu_invalidate_range_add`. */
    rangeAdd: assign(({ context, event }) => {
      assertEvent(event, 'mmu.invalidate.rangeAdd');
      const { start, end } = event;
      context.port.record('RangeAdded', { start, end });
      respond(context.port, event, ACK);
      return {
        rangeStart: context.rangeStart === null ? start : Math.min(context.rangeStart, start),
        rangeEnd: context.rangeEnd === null ? end : Math.max(context.rangeEnd, end)
      };
    }),
    /** `kvm_mmu_invalidate_end`: the seq moves; the last end lets the retrying vCPUs refault. */
    end: assign(({ context, event }) => {
      assertEvent(event, 'mmu.invalidate.end');
      const seq = context.seq + 1;
      const inProgress = context.inProgress - 1;
      context.port.record('InvalidateEnd', { seq, inProgress });
      respond(context.port, event, ACK);
      if (inProgress > 0 || context.idleWaiters.length === 0) return { seq, inProgress };
      for (const w of context.idleWaiters) context.port.send(w, IDLE);
      return { seq, inProgress, idleWaiters: [] };
    }),
    /** No invalidation in progress: the vCPU refaults at once. */
    answerIdle: ({ context, event }) => {
      assertEvent(event, 'mmu.waitIdle');
      respond(context.port, event, IDLE);
    },
    /** A vCPU that got `RET_PF_RETRY` waits until the invalidation is over (upstream fault path). */
    queueIdle: assign(({ context, event }) => {
      assertEvent(event, 'mmu.waitIdle');
      return { idleWaiters: [...context.idleWaiters, replyTarget(event)] };
    })
  },
  guards: {
    /** This `end` closes the last invalidation in progress. */
    lastEnd: ({ context }) => context.inProgress === 1
  }
}).createMachine({
  id: 'mmuInvalidation',
  context: ({ input }) => ({ port: input.port, seq: 0, inProgress: 0, rangeStart: null, rangeEnd: null, idleWaiters: [] }),
  initial: 'idle',
  states: {
    idle: {
      on: {
        'mmu.seq': { actions: 'answerSeq' },
        'mmu.staleCheck': { actions: 'staleCheck' },
        'mmu.invalidate.begin': { target: 'inProgress', actions: 'begin' },
        'mmu.waitIdle': { actions: 'answerIdle' }
      }
    },
    inProgress: {
      on: {
        'mmu.seq': { actions: 'answerSeq' },
        'mmu.staleCheck': { actions: 'staleCheck' },
        'mmu.invalidate.begin': { actions: 'begin' },
        'mmu.invalidate.rangeAdd': { actions: 'rangeAdd' },
        'mmu.invalidate.end': [{ guard: 'lastEnd', target: 'idle', actions: 'end' }, { actions: 'end' }],
        'mmu.waitIdle': { actions: 'queueIdle' }
      }
    }
  }
});
