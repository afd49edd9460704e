/**
 * The RFC 1G-v1 faultability xarray (`kvm_gmem_inode_private.faultability`,
 * spec §1.1, O6 RFC 1G-v1 addition, O8): which indices the host may fault
 * (`kvm_gmem_is_faultable`). One part of the inode owner, present only with
 * option `privacy: 'faultability'` (in RFC 1G-v1 the VM's attribute array is
 * the attribute truth; guest_memfd has only this xarray).
 *
 * ```
 *   live ── gmem.faultable.read / .store / .runs ──► live
 * ```
 *
 * The xarray has no lifecycle of its own (`live`). At creation every index is
 * faultable exactly when the file is INIT_SHARED (fact `FaultabilityStored`
 * over the file), in the encoding of option `faultEncoding`.
 * `gmem.faultable.read` answers faultable and `private` (= not faultable, what
 * the host fault tests; fact `FaultabilityRead`); `gmem.faultable.store` sets
 * a range per index (`xa_store`) or as one range entry (`xa_store_range`, B13;
 * fact `FaultabilityStored` with the resulting runs of every index the store
 * touched, which a clobbering range store makes wider than the request);
 * `gmem.faultable.runs` answers the runs of a range.
 *
 * Kernel: `virt/kvm/guest_memfd.c` of RFC 1G-v1 (`kvm_gmem_set_faultable`,
 * `kvm_gmem_is_faultable`), `lib/xarray.c` (`xa_store`, `xa_store_range`).
 */
import { assertEvent, assign, setup } from 'xstate';
import type { ActorPort } from '../../events/actorPort.js';
import type { Delivered } from '../../events/messages.js';
import { type GmemFaultableRead, type GmemFaultableRuns, type GmemFaultableStore, respond } from '../../events/protocol/index.js';
import { type Faultability, faultableRuns, initialFaultability, isFaultable, storeFaultable } from '../../model/faultability.js';
import { typeHint } from '../../model/typeHint.js';
import type { PartInput } from './parts.js';

/** Messages the faultability part accepts. */
export type FaultabilityInbox = GmemFaultableRead | GmemFaultableStore | GmemFaultableRuns;

/** Context of the faultability part. */
export type FaultabilityContext = {
  readonly port: ActorPort;
  /** File size in pages. */
  readonly pages: number;
  readonly xarray: Faultability;
};

/** The faultability part. */
export const gmemFaultabilityMachine = setup({
  types: { context: typeHint<FaultabilityContext>(), events: typeHint<Delivered<FaultabilityInbox>>(), input: typeHint<PartInput>() },
  actions: {
    /** The faultability of every index at creation (fact `FaultabilityStored`). */
    announce: ({ context }) => {
      const { port, pages } = context;
      const f = isFaultable(context.xarray, 0);
      port.record('FaultabilityStored', { gmem: port.id, start: 0, end: pages, faultable: f, runStarts: [0], runEnds: [pages], runFaultable: [f] });
    },
    /** `kvm_gmem_is_faultable` (fact `FaultabilityRead`). */
    read: ({ context, event }) => {
      assertEvent(event, 'gmem.faultable.read');
      const { index } = event;
      const faultable = isFaultable(context.xarray, index);
      context.port.record('FaultabilityRead', { gmem: context.port.id, index, faultable, by: event.from });
      respond(context.port, event, { type: 'gmem.faultable', index, faultable, private: !faultable });
    },
    /** `kvm_gmem_set_faultable` (fact `FaultabilityStored` with the runs of every index the store touched). */
    store: assign(({ context, event }) => {
      assertEvent(event, 'gmem.faultable.store');
      const { start, end, faultable } = event;
      const r = storeFaultable(context.xarray, start, end, faultable, event.how);
      const runs = faultableRuns(r.next, r.start, r.end);
      context.port.record('FaultabilityStored', {
        gmem: context.port.id,
        start,
        end,
        faultable,
        by: event.from,
        runStarts: runs.starts,
        runEnds: runs.ends,
        runFaultable: runs.faultable
      });
      respond(context.port, event, { type: 'ack' });
      return { xarray: r.next };
    }),
    /** The runs of equal faultability over a range. */
    runs: ({ context, event }) => {
      assertEvent(event, 'gmem.faultable.runs');
      const runs = faultableRuns(context.xarray, event.start, event.end);
      respond(context.port, event, { type: 'gmem.faultable.runs', starts: runs.starts, ends: runs.ends, faultable: runs.faultable });
    }
  }
}).createMachine({
  id: 'gmemFaultability',
  context: ({ input }) => ({
    port: input.port,
    pages: input.params.pages,
    xarray: initialFaultability(input.params.pages, input.params.initShared, input.options.faultEncoding)
  }),
  entry: 'announce',
  initial: 'live',
  states: {
    live: {
      on: {
        'gmem.faultable.read': { actions: 'read' },
        'gmem.faultable.store': { actions: 'store' },
        'gmem.faultable.runs': { actions: 'runs' }
      }
    }
  }
});
