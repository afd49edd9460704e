/**
 * The KVM MMU's TLB flush (spec §1.8, O12): guest accesses in flight through
 * SPTEs (forwarded to their page and not answered yet), and the zaps whose
 * acknowledgement waits for them. A zap that removes an SPTE whose page still
 * has a guest access in flight acknowledges only once that access completed:
 * no access through a zapped SPTE lands after the zap returned, as
 * `kvm_flush_remote_tlbs` guarantees. One part of the MMU owner; the TDP part
 * (`tdp.ts`) tells it of accesses and deferred zaps with internal events.
 *
 * ```
 *          tlb.flushPending (a zap hit a page with an access in flight)
 *   idle ─────────────────────────────────────────────────────────────► flushing
 *    ▲                                                                     │
 *    └──── folio.accessed: the last access the pending zaps waited for ◄───┘
 *   flushing: tlb.flushPending, tlb.accessStarted, folio.accessed (zaps still waiting) stay
 *   idle: tlb.accessStarted, folio.accessed (answers the vCPU, oldest access of that page first) stay
 * ```
 *
 * `idle`: no zap waits for a flush; `flushing`: a zap's `ack{zapped}` waits
 * for accesses in flight. Pages answer in FIFO order per channel, so the
 * oldest access to a page is the one answered. An answer for no access in
 * flight is a model error.
 *
 * Accepts: `folio.accessed{value}` from a folio or the userspace memory
 * (forwarded to the vCPU as `folio.accessed{folio, value}`), internal
 * `tlb.accessStarted{page, vcpu}` and `tlb.flushPending{to, zapped, pages}`.
 * Kernel: `arch/x86/kvm/mmu/tdp_mmu.c` (`kvm_tdp_mmu_unmap_gfn_range` + flush),
 * `virt/kvm/kvm_main.c` (`kvm_flush_remote_tlbs`).
 */
import { assertEvent, assign, setup } from 'xstate';
import type { ActorPort } from '../../events/actorPort.js';
import type { Delivered } from '../../events/messages.js';
import type { MmuAccessed, MmuTlbInbox, MmuZapAck } from '../../events/protocol/index.js';
import { typeHint } from '../../model/typeHint.js';

/** Internal events the TDP part sends the TLB. */
export type TlbCommand =
  /** A guest access of `vcpu` was forwarded to `page` (a folio or `shm`). */
  | { readonly type: 'tlb.accessStarted'; readonly page: string; readonly vcpu: string }
  /** Zap reply `ack{zapped}` to `to` waits for the accesses in flight to `pages`. */
  | { readonly type: 'tlb.flushPending'; readonly to: string; readonly zapped: number; readonly pages: readonly string[] };

/** A zap acknowledgement waiting for the flush. */
type PendingAck = { readonly to: string; readonly zapped: number; readonly pages: readonly string[] };

/** Context of the TLB part. */
export type MmuTlbContext = {
  readonly port: ActorPort;
  /** Guest accesses forwarded to a page and not yet answered: page -> vCPUs, oldest first. */
  readonly inflight: ReadonlyMap<string, readonly string[]>;
  /** Zap acknowledgements waiting for the accesses in flight to those pages. */
  readonly deferredAcks: readonly PendingAck[];
};

/** Input of the TLB part. */
export type MmuTlbInput = { readonly port: ActorPort };

/** The accesses in flight after `page` answered its oldest one, and the zap acknowledgements still waiting. */
function afterAnswer(ctx: MmuTlbContext, page: string): { inflight: Map<string, readonly string[]>; still: PendingAck[] } {
  const queue = ctx.inflight.get(page) ?? [];
  const inflight = new Map(ctx.inflight);
  if (queue.length <= 1) inflight.delete(page);
  else inflight.set(page, queue.slice(1));
  return { inflight, still: ctx.deferredAcks.filter((d) => d.pages.some((f) => inflight.has(f))) };
}

/** The TLB machine. */
export const mmuTlbMachine = setup({
  types: { context: typeHint<MmuTlbContext>(), events: typeHint<Delivered<MmuTlbInbox> | TlbCommand>(), input: typeHint<MmuTlbInput>() },
  actions: {
    /** Remembers an access in flight. */
    accessStarted: assign(({ context, event }) => {
      assertEvent(event, 'tlb.accessStarted');
      const inflight = new Map(context.inflight);
      inflight.set(event.page, [...(context.inflight.get(event.page) ?? []), event.vcpu]);
      return { inflight };
    }),
    /** A zap's acknowledgement waits for the flush. */
    flushPending: assign(({ context, event }) => {
      assertEvent(event, 'tlb.flushPending');
      return { deferredAcks: [...context.deferredAcks, { to: event.to, zapped: event.zapped, pages: event.pages }] };
    }),
    /** A page answered the oldest access forwarded to it: the vCPU gets the answer; the zaps it held up are acknowledged. */
    accessed: assign(({ context, event }) => {
      assertEvent(event, 'folio.accessed');
      const page = event.from;
      const vcpu = context.inflight.get(page)?.[0];
      if (vcpu === undefined) throw new Error(`${context.port.id}: unexpected access reply from ${page}`);
      const answer: MmuAccessed = { type: 'folio.accessed', folio: page, value: event.value };
      context.port.send(vcpu, answer);
      const { inflight, still } = afterAnswer(context, page);
      for (const d of context.deferredAcks) {
        if (still.includes(d)) continue;
        const ack: MmuZapAck = { type: 'ack', zapped: d.zapped };
        context.port.send(d.to, ack);
      }
      return { inflight, deferredAcks: still };
    })
  },
  guards: {
    /** This answer completes the last access a pending zap waited for. */
    flushDone: ({ context, event }) => {
      assertEvent(event, 'folio.accessed');
      return afterAnswer(context, event.from).still.length === 0;
    }
  }
}).createMachine({
  id: 'mmuTlb',
  context: ({ input }) => ({ port: input.port, inflight: new Map(), deferredAcks: [] }),
  initial: 'idle',
  states: {
    idle: {
      on: {
        'tlb.accessStarted': { actions: 'accessStarted' },
        'tlb.flushPending': { target: 'flushing', actions: 'flushPending' },
        'folio.accessed': { actions: 'accessed' }
      }
    },
    flushing: {
      on: {
        'tlb.accessStarted': { actions: 'accessStarted' },
        'tlb.flushPending': { actions: 'flushPending' },
        'folio.accessed': [{ guard: 'flushDone', target: 'idle', actions: 'accessed' }, { actions: 'accessed' }]
      }
    }
  }
});
