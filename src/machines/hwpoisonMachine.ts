/**
 * Core-mm's hardware-poison state (`PG_hwpoison`, spec O17): which pages (folio
 * and subpage) a memory error hit. Actor id `hwpoison` (`ACTOR.hwpoison`),
 * spawned only by scenarios with a `memoryFailure` op (then `env.hwpoison` is
 * set and `kvm_gmem_get_pfn` tests the flag).
 *
 * ```
 *                 hwpoison.set                hwpoison.set / hwpoison.test
 *   healthy ─────────────────────► poisoned ◄──────────────────────────────┐
 *     │ hwpoison.test (not poisoned)   └─────────────────────────────────────┘
 *     └──► healthy
 * ```
 *
 * The machine's state says whether any page is poisoned; `poisoned` lists them
 * (a page stays poisoned for the rest of the run: the model has no unpoison).
 * Requests: `hwpoison.set{folio, gmem, index}` -> `ack` (fact `FolioHwPoisoned`),
 * `hwpoison.test{folio}` -> `hwpoison.state{poisoned}` (`folio_test_hwpoison`).
 * Kernel: `mm/memory-failure.c`, `include/linux/page-flags.h`.
 */
import { typeHint } from '../model/typeHint.js';
import { assertEvent, assign, setup } from 'xstate';
import type { ActorPort } from '../events/actorPort.js';
import type { Delivered } from '../events/messages.js';
import { type HwpoisonInbox, respond } from '../events/protocol/index.js';

/** Context of the hwpoison state. */
export interface HwpoisonContext {
  readonly port: ActorPort;
  /** Folios with a poisoned page. */
  readonly poisoned: ReadonlySet<string>;
}

/** The hwpoison machine. */
export const hwpoisonMachine = setup({
  types: { context: typeHint<HwpoisonContext>(), events: typeHint<Delivered<HwpoisonInbox>>(), input: typeHint<{ readonly port: ActorPort }>() },
  actions: {
    /** `memory_failure` -> `SetPageHWPoison`. */
    poison: assign(({ context, event }) => {
      assertEvent(event, 'hwpoison.set');
      context.port.record('FolioHwPoisoned', { folio: event.folio, gmem: event.gmem, index: event.index });
      respond(context.port, event, { type: 'ack' });
      return { poisoned: new Set([...context.poisoned, event.folio]) };
    }),
    /** `folio_test_hwpoison`. */
    test: ({ context, event }) => {
      assertEvent(event, 'hwpoison.test');
      respond(context.port, event, { type: 'hwpoison.state', poisoned: context.poisoned.has(event.folio) });
    }
  }
}).createMachine({
  id: 'hwpoison',
  context: ({ input }) => ({ port: input.port, poisoned: new Set() }),
  initial: 'healthy',
  states: {
    healthy: { on: { 'hwpoison.set': { target: 'poisoned', actions: 'poison' }, 'hwpoison.test': { actions: 'test' } } },
    poisoned: { on: { 'hwpoison.set': { actions: 'poison' }, 'hwpoison.test': { actions: 'test' } } }
  }
});
