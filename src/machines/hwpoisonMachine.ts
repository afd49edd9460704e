/**
 * Core-mm's hardware-poison state (`PG_hwpoison`, spec O17): which pages (folio
 * and subpage) a memory error hit. Actor id `hwpoison`, spawned only by scenarios
 * with a `memoryFailure` op (then `env.hwpoison` is set and `kvm_gmem_get_pfn`
 * tests the flag).
 *
 * ```
 *   page: healthy ── hwpoison.set ──► poisoned (forever)
 * ```
 *
 * Requests: `hwpoison.set{folio, gmem, index}` -> `ack` (`FolioHwPoisoned`),
 * `hwpoison.test{folio}` -> `hwpoison.state{poisoned}` (`folio_test_hwpoison`).
 */
import { assign, setup } from 'xstate';
import { type Delivered, replyTarget } from '../events/messages.js';
import type { ActorPort } from '../events/actorPort.js';

/** Context of the hwpoison state. */
export interface HwpoisonContext {
  readonly port: ActorPort;
  readonly poisoned: ReadonlySet<string>;
}

function onRequest(ctx: HwpoisonContext, m: Delivered): Partial<HwpoisonContext> {
  const to = replyTarget(m);
  const folio = m['folio'] as string;
  switch (m.type) {
    case 'hwpoison.set':
      ctx.port.record('FolioHwPoisoned', { folio, gmem: m['gmem'] as string, index: m['index'] as number });
      ctx.port.send(to, { type: 'ack' });
      return { poisoned: new Set([...ctx.poisoned, folio]) };
    case 'hwpoison.test':
      ctx.port.send(to, { type: 'hwpoison.state', poisoned: ctx.poisoned.has(folio) });
      return {};
    default:
      throw new Error(`${ctx.port.id}: unexpected message ${m.type} from ${m.from}`);
  }
}

/** The hwpoison machine. */
export const hwpoisonMachine = setup({
  types: { context: {} as HwpoisonContext, events: {} as Delivered, input: {} as { readonly port: ActorPort } },
  actions: { serve: assign(({ context, event }) => onRequest(context, event)) }
}).createMachine({
  id: 'hwpoison',
  context: ({ input }) => ({ port: input.port, poisoned: new Set() }),
  on: { '*': { actions: 'serve' } }
});
