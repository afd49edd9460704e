/**
 * The address space's zaps in flight (`struct mmu_gather`, spec §1.4, O8): a
 * zap cleared its PTEs and sent each folio `folio.unmap`; it completes
 * (`mm.zapped{n}` to its requester) once every folio acknowledged dropping the
 * PTE's reference, as `tlb_finish_mmu` frees the gathered pages before
 * `unmap_mapping_pages` returns. One part of the address-space owner; the page
 * table (`pageTable.ts`) starts each gather with an internal event.
 *
 * ```
 *          gather.started                       ack{zap} (the last folio of the last zap)
 *   idle ─────────────────────► flushing ─────────────────────────────────────────────► idle
 *                                  │ gather.started / ack{zap} (folios still to answer)
 *                                  └──► flushing
 * ```
 *
 * `idle`: no zap waits for folios; `flushing`: some zap does. An `ack` for no
 * zap in flight is a model error.
 *
 * Accepts: `ack{zap}` (`FolioUnmapAck`, from each folio of a zap), internal
 * `gather.started{zap, requester, n}`. Kernel: `mm/mmu_gather.c`
 * (`tlb_gather_mmu`, `tlb_finish_mmu`), `mm/memory.c` (`unmap_mapping_pages`).
 */
import { assertEvent, assign, setup } from 'xstate';
import type { ActorPort } from '../../events/actorPort.js';
import type { Delivered } from '../../events/messages.js';
import type { MmClientReply, MmZapped } from '../../events/protocol/index.js';
import { typeHint } from '../../model/typeHint.js';

/** Internal events the page table sends the gather. */
export type GatherCommand = {
  /** Zap number `zap` of `requester` sent `folio.unmap` for `n` PTEs. */
  readonly type: 'gather.started';
  readonly zap: number;
  readonly requester: string;
  readonly n: number;
};

/** A zap waiting for its folios. */
type ZapInFlight = { readonly requester: string; readonly n: number; readonly remaining: number };

/** Context of the gather part. */
export type MmuGatherContext = {
  readonly port: ActorPort;
  /** Zaps in flight, by number. */
  readonly zaps: ReadonlyMap<number, ZapInFlight>;
};

/** Input of the gather part. */
export type MmuGatherInput = { readonly port: ActorPort };

/** The zap `event` acknowledges (a model error if none). */
function zapOf(ctx: MmuGatherContext, event: Delivered<MmClientReply>): { zap: number; z: ZapInFlight } {
  const zap = event.zap;
  const z = zap === null ? undefined : ctx.zaps.get(zap);
  if (zap === null || z === undefined) throw new Error(`${ctx.port.id}: ack for unknown zap ${zap}`);
  return { zap, z };
}

/** The gather machine. */
export const mmuGatherMachine = setup({
  types: { context: typeHint<MmuGatherContext>(), events: typeHint<Delivered<MmClientReply> | GatherCommand>(), input: typeHint<MmuGatherInput>() },
  actions: {
    /** A zap's folios were told; it waits for their acknowledgements. */
    start: assign(({ context, event }) => {
      assertEvent(event, 'gather.started');
      const zaps = new Map(context.zaps);
      zaps.set(event.zap, { requester: event.requester, n: event.n, remaining: event.n });
      return { zaps };
    }),
    /** A folio dropped the reference of a zapped PTE; the last one completes the zap. */
    acked: assign(({ context, event }) => {
      assertEvent(event, 'ack');
      const { zap, z } = zapOf(context, event);
      const zaps = new Map(context.zaps);
      if (z.remaining === 1) {
        zaps.delete(zap);
        const done: MmZapped = { type: 'mm.zapped', n: z.n };
        context.port.send(z.requester, done);
      } else zaps.set(zap, { ...z, remaining: z.remaining - 1 });
      return { zaps };
    })
  },
  guards: {
    /** This acknowledgement completes the last zap in flight. */
    lastAck: ({ context, event }) => {
      assertEvent(event, 'ack');
      if (event.zap === null) return false;
      return context.zaps.size === 1 && context.zaps.get(event.zap)?.remaining === 1;
    }
  }
}).createMachine({
  id: 'mmuGather',
  context: ({ input }) => ({ port: input.port, zaps: new Map() }),
  initial: 'idle',
  states: {
    idle: {
      on: { 'gather.started': { target: 'flushing', actions: 'start' } }
    },
    flushing: {
      on: {
        'gather.started': { actions: 'start' },
        ack: [{ guard: 'lastAck', target: 'idle', actions: 'acked' }, { actions: 'acked' }]
      }
    }
  }
});
