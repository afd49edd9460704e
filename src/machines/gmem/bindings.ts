/**
 * The memslot bindings of a guest_memfd file (`gmem_file.bindings`, an xarray
 * index range -> memslot; spec §1.2, O2): one part of the inode owner.
 *
 * ```
 *   live ── gmem.bind / gmem.unbind / gmem.bindings ──► live
 * ```
 *
 * The bindings have no lifecycle of their own: they live as long as the inode
 * (`live`), starting from the run's set-up memslots (facts `GmemBound` at
 * creation). `gmem.bind` is `kvm_gmem_bind` (needs an open file, reading the
 * file part: `-EBADF`; within `i_size` and over no bound range: `-EINVAL`;
 * fact `GmemBound`), `gmem.unbind` is `kvm_gmem_unbind` (fact `GmemUnbound`
 * per binding of the slot), `gmem.bindings` answers the GFN ranges (and memslot
 * uids) bound to an index range (`kvm_gmem_invalidate_begin`'s walk).
 *
 * Kernel: `virt/kvm/guest_memfd.c` (`kvm_gmem_bind`, `kvm_gmem_unbind`,
 * `__kvm_gmem_invalidate_begin`).
 */
import { assertEvent, assign, setup } from 'xstate';
import type { ActorPort } from '../../events/actorPort.js';
import type { Delivered } from '../../events/messages.js';
import { type GmemBind, type GmemBindingsQuery, type GmemUnbind, respond } from '../../events/protocol/index.js';
import type { ModelEnv } from '../../model/env.js';
import { typeHint } from '../../model/typeHint.js';
import { memslotsOf } from '../../model/vm.js';
import type { PartInput } from './parts.js';

/** A memslot binding of the file: indices `[pgoff, pgoff + npages)` -> the slot. */
export type GmemBinding = {
  readonly slot: number;
  /** Unique id of the memslot object (as the VM's memslot set numbers them, machines/kvm/memslots.ts). */
  readonly uid: string;
  readonly baseGfn: number;
  readonly pgoff: number;
  readonly npages: number;
};

/** The set-up bindings of guest_memfd `gmem`: every set-up memslot bound to it (uids as the VM numbers them). */
export function initialBindings(env: ModelEnv, gmem: string): GmemBinding[] {
  return memslotsOf(env).flatMap((c, i) =>
    c.gmem === gmem ? [{ slot: c.id, uid: `s${c.asId}.${c.id}#${i + 1}`, baseGfn: c.baseGfn, pgoff: c.pgoff, npages: c.npages }] : []
  );
}

/** Input of the bindings part. */
export type BindingsInput = PartInput & {
  /** The set-up bindings. */
  readonly bindings: readonly GmemBinding[];
  /** True while the file is open (reads the file part). */
  readonly fileOpen: () => boolean;
};

/** Context of the bindings part. */
export type BindingsContext = {
  readonly port: ActorPort;
  /** File size in pages (`i_size`). */
  readonly pages: number;
  readonly bindings: readonly GmemBinding[];
  readonly fileOpen: () => boolean;
};

/** Messages the bindings part accepts. */
export type BindingsInbox = GmemBindingsQuery | GmemBind | GmemUnbind;

/** The bindings part. */
export const gmemBindingsMachine = setup({
  types: { context: typeHint<BindingsContext>(), events: typeHint<Delivered<BindingsInbox>>(), input: typeHint<BindingsInput>() },
  actions: {
    /** The set-up bindings (facts `GmemBound`). */
    announce: ({ context }) => {
      const { port } = context;
      for (const b of context.bindings)
        port.record('GmemBound', { gmem: port.id, slot: b.slot, pgoff: b.pgoff, npages: b.npages, baseGfn: b.baseGfn, uid: b.uid });
    },
    /** The GFN ranges bound to indices `[start, end)`, clipped to it. */
    answer: ({ context, event }) => {
      assertEvent(event, 'gmem.bindings');
      const gfnStarts: number[] = [];
      const gfnEnds: number[] = [];
      const slots: string[] = [];
      for (const b of context.bindings) {
        const s = Math.max(event.start, b.pgoff);
        const e = Math.min(event.end, b.pgoff + b.npages);
        if (s < e) {
          gfnStarts.push(b.baseGfn + (s - b.pgoff));
          gfnEnds.push(b.baseGfn + (e - b.pgoff));
          slots.push(b.uid);
        }
      }
      respond(context.port, event, { type: 'gmem.bindings', gfnStarts, gfnEnds, slots });
    },
    /** `kvm_gmem_bind` refused with `rc`. */
    refuse: ({ context, event }, params: { readonly rc: '-EBADF' | '-EINVAL' }) => {
      assertEvent(event, 'gmem.bind');
      respond(context.port, event, { type: 'gmem.bound', rc: params.rc });
    },
    /** `kvm_gmem_bind`: the slot's range is bound (fact `GmemBound`). */
    bind: assign(({ context, event }) => {
      assertEvent(event, 'gmem.bind');
      const b: GmemBinding = { slot: event.id, uid: event.slot, baseGfn: event.baseGfn, pgoff: event.pgoff, npages: event.npages };
      context.port.record('GmemBound', { gmem: context.port.id, slot: b.slot, pgoff: b.pgoff, npages: b.npages, baseGfn: b.baseGfn, uid: b.uid });
      respond(context.port, event, { type: 'gmem.bound', rc: '0' });
      return { bindings: [...context.bindings, b] };
    }),
    /** `kvm_gmem_unbind`: every binding of the slot goes (facts `GmemUnbound`). */
    unbind: assign(({ context, event }) => {
      assertEvent(event, 'gmem.unbind');
      const uid = event.slot;
      const gone = context.bindings.filter((b) => b.uid === uid);
      for (const b of gone) context.port.record('GmemUnbound', { gmem: context.port.id, slot: b.slot, uid, pgoff: b.pgoff, npages: b.npages });
      respond(context.port, event, { type: 'ack', unbound: gone.length });
      return { bindings: context.bindings.filter((b) => b.uid !== uid) };
    })
  },
  guards: {
    /** The file is dying or released. */
    fileNotOpen: ({ context }) => !context.fileOpen(),
    /** The range ends beyond `i_size` or overlaps a bound range. */
    outOfRangeOrBound: ({ context, event }) => {
      assertEvent(event, 'gmem.bind');
      const { pgoff, npages } = event;
      return pgoff + npages > context.pages || context.bindings.some((b) => b.pgoff < pgoff + npages && b.pgoff + b.npages > pgoff);
    }
  }
}).createMachine({
  id: 'gmemBindings',
  context: ({ input }) => ({ port: input.port, pages: input.params.pages, bindings: input.bindings, fileOpen: input.fileOpen }),
  entry: 'announce',
  initial: 'live',
  states: {
    live: {
      on: {
        'gmem.bindings': { actions: 'answer' },
        'gmem.bind': [
          { guard: 'fileNotOpen', actions: { type: 'refuse', params: { rc: '-EBADF' } } },
          { guard: 'outOfRangeOrBound', actions: { type: 'refuse', params: { rc: '-EINVAL' } } },
          { actions: 'bind' }
        ],
        'gmem.unbind': { actions: 'unbind' }
      }
    }
  }
});
