/**
 * The per-CPU LRU-add folio batches (`lru_add` fbatch, `mm/swap.c`), as one
 * actor (`lru`): a folio added to the page cache is parked in a batch that holds
 * one transient reference until the batch is drained (spec §1.3.1 "transient
 * refs", B18). Spawned in mode rfc-inplace-v8, where conversions check refcounts.
 *
 * ```
 *          lru.add / lru.drain (nothing parked: answered at once)
 *   idle ─── lru.drain (folios parked: folio.put each) ──► draining ── ack of the last put ──► idle
 *                                 draining: lru.add, lru.drain (queued), ack of an earlier put
 * ```
 *
 * States: `idle`: no drain in progress (`lru_add_drain_all` is not waiting for
 * any `folio_put`); `draining`: the batches' references were put and some put is
 * not yet acknowledged; the drains asked meanwhile wait (`waiting`) and are all
 * answered when the last put is. The parked folios are in context.
 *
 * Requests (protocol `src/events/protocol/lru.ts`): `lru.add{folio}` (one-way,
 * from the inode at allocation, `folio_add_lru`: fact `LruBatchAdd`),
 * `lru.drain{replyTo}` (`lru_add_drain_all`: fact `LruBatchDrained`, one
 * `folio.put{why: 'lru-drain'}` per parked folio) -> `lru.drained` once every put
 * was acknowledged. It receives the folios' `ack`s as a client.
 */
import { assertEvent, assign, setup } from 'xstate';
import type { ActorPort } from '../events/actorPort.js';
import { type Delivered, replyTarget } from '../events/messages.js';
import type { LruInbox } from '../events/protocol/index.js';
import { typeHint } from '../model/typeHint.js';

/** Context of the LRU batches. */
export interface LruContext {
  readonly port: ActorPort;
  /** Folios parked in a batch, each holding the batch's reference. */
  readonly parked: readonly string[];
  /** Puts sent and not yet acknowledged (> 0 exactly in `draining`). */
  readonly outstanding: number;
  /** Where the drains waiting for the outstanding puts are answered. */
  readonly waiting: readonly string[];
}

/** Input of the LRU batches. */
export interface LruInput {
  readonly port: ActorPort;
}

/** The LRU-batch machine. */
export const lruMachine = setup({
  types: { context: typeHint<LruContext>(), events: typeHint<Delivered<LruInbox>>(), input: typeHint<LruInput>() },
  actions: {
    /** `folio_add_lru`: the folio is parked with its reference (fact `LruBatchAdd`). */
    park: assign(({ context, event }) => {
      assertEvent(event, 'lru.add');
      context.port.record('LruBatchAdd', { folio: event.folio });
      return { parked: [...context.parked, event.folio] };
    }),
    /** `lru_add_drain_all` with nothing parked and no put outstanding: answered at once. */
    answerDrain: ({ context, event }) => {
      assertEvent(event, 'lru.drain');
      context.port.send(replyTarget(event), { type: 'lru.drained' });
    },
    /**
     * `lru_add_drain_all`: every parked folio is put (fact `LruBatchDrained`);
     * the drain is answered once every outstanding put is acknowledged.
     */
    drain: assign(({ context, event }) => {
      assertEvent(event, 'lru.drain');
      for (const folio of context.parked) context.port.send(folio, { type: 'folio.put', why: 'lru-drain' });
      if (context.parked.length > 0) context.port.record('LruBatchDrained', { folios: [...context.parked] });
      return { parked: [], outstanding: context.outstanding + context.parked.length, waiting: [...context.waiting, replyTarget(event)] };
    }),
    /** A folio acknowledged a put; the last one answers every waiting drain. */
    putDone: assign(({ context, event }) => {
      assertEvent(event, 'ack');
      const outstanding = context.outstanding - 1;
      if (outstanding > 0) return { outstanding };
      for (const w of context.waiting) context.port.send(w, { type: 'lru.drained' });
      return { outstanding, waiting: [] };
    })
  },
  guards: {
    /** Folios are parked: the drain has puts to make. */
    hasParked: ({ context }) => context.parked.length > 0,
    /** This acknowledgement is of the last outstanding put. */
    isLastPut: ({ context }) => context.outstanding === 1
  }
}).createMachine({
  id: 'lru',
  context: ({ input }) => ({ port: input.port, parked: [], outstanding: 0, waiting: [] }),
  initial: 'idle',
  states: {
    // No drain waits for a put.
    idle: {
      on: {
        'lru.add': { actions: 'park' },
        'lru.drain': [{ guard: 'hasParked', target: 'draining', actions: 'drain' }, { actions: 'answerDrain' }]
      }
    },
    // Puts of the batches' references are outstanding; drains wait for the last one.
    draining: {
      on: {
        'lru.add': { actions: 'park' },
        'lru.drain': { actions: 'drain' },
        ack: [{ guard: 'isLastPut', target: 'idle', actions: 'putDone' }, { actions: 'putDone' }]
      }
    }
  }
});
