/**
 * The per-CPU LRU-add folio batches (`lru_add` fbatch), as one actor: a folio
 * added to the page cache is parked in a batch that holds one transient
 * reference until the batch is drained (spec §1.3.1 "transient refs", B18).
 *
 * ```
 *   idle ── lru.drain with puts outstanding ──► draining ── last folio ack ──► idle
 * ```
 *
 * `lru.add` (one-way, from the inode at allocation) parks a folio whose
 * reference it was born with (`FolioInit.lruBatch`). `lru.drain` (`lru_add_drain_all`) puts every parked
 * folio and answers `lru.drained` once every put was acknowledged.
 */
import { assign, setup } from 'xstate';
import { type Delivered, replyTarget } from '../events/messages.js';
import type { ActorPort } from '../events/actorPort.js';

/** Context of the LRU batches. */
export interface LruContext {
  readonly port: ActorPort;
  readonly parked: readonly string[];
  /** Puts sent and not yet acknowledged. */
  readonly outstanding: number;
  /** Drains waiting for the outstanding puts. */
  readonly waiting: readonly string[];
}

type Patch = { -readonly [K in keyof LruContext]?: LruContext[K] };

function onRequest(ctx: LruContext, m: Delivered): Patch {
  switch (m.type) {
    case 'lru.add': {
      const folio = m['folio'] as string;
      ctx.port.record('LruBatchAdd', { folio });
      return { parked: [...ctx.parked, folio] };
    }
    case 'lru.drain': {
      const to = replyTarget(m);
      for (const folio of ctx.parked) ctx.port.send(folio, { type: 'folio.put', why: 'lru-drain' });
      if (ctx.parked.length > 0) ctx.port.record('LruBatchDrained', { folios: [...ctx.parked] });
      const outstanding = ctx.outstanding + ctx.parked.length;
      if (outstanding === 0) {
        ctx.port.send(to, { type: 'lru.drained' });
        return { parked: [] };
      }
      return { parked: [], outstanding, waiting: [...ctx.waiting, to] };
    }
    case 'ack': {
      const outstanding = ctx.outstanding - 1;
      if (outstanding < 0) throw new Error('lru: more acks than puts');
      if (outstanding > 0) return { outstanding };
      for (const w of ctx.waiting) ctx.port.send(w, { type: 'lru.drained' });
      return { outstanding, waiting: [] };
    }
    default:
      throw new Error(`${ctx.port.id}: unexpected message ${m.type} from ${m.from}`);
  }
}

/** The LRU-batch machine. */
export const lruMachine = setup({
  types: { context: {} as LruContext, events: {} as Delivered, input: {} as { readonly port: ActorPort } },
  actions: { serve: assign(({ context, event }) => onRequest(context, event)) },
  guards: {
    isDraining: ({ context }) => context.waiting.length > 0,
    isIdle: ({ context }) => context.waiting.length === 0
  }
}).createMachine({
  id: 'lru',
  context: ({ input }) => ({ port: input.port, parked: [], outstanding: 0, waiting: [] }),
  on: { '*': { actions: 'serve' } },
  initial: 'idle',
  states: {
    idle: { always: { guard: 'isDraining', target: 'draining' } },
    draining: { always: { guard: 'isIdle', target: 'idle' } }
  }
});
