/**
 * Host userspace memory behind memslots' `userspace_addr` (spec §1.4 "shared
 * memory not from guest_memfd", O8, O10 f): the upstream modes' second source of
 * backing, a different physical page from the private guest_memfd one. One
 * actor (`shm`) holds every anonymous page of the VMM, keyed by host page number
 * (hva >> 12); a page is zero until written and zero again after
 * `MADV_DONTNEED` / munmap.
 *
 * ```
 *   page: absent (reads 0) ── folio.access{write} ──► present(value) ── shm.zap ──► absent
 * ```
 *
 * The machine has one state, `populated` (the anonymous memory exists for the
 * whole run; the VMM never unmaps the region, it only discards pages). The
 * per-page lifecycle above is keyed by page number at run time, so it lives in
 * context (`pages`: present pages only), not in states.
 *
 * Requests (protocol `src/events/protocol/shm.ts`): `shm.gup{page}` ->
 * `shm.page{page}` (`__kvm_faultin_pfn` -> `hva_to_pfn`, GUP of the hva),
 * `folio.access{subpage = page, write, value}` -> `folio.accessed{value}` (a
 * guest access through a shared SPTE, forwarded by the MMU, or a VMM access),
 * `shm.zap{start, end}` -> `ack` (fact `ShmPageZapped`; `zap_page_range_single`).
 * SPTEs to these pages hold no reference; they are removed by mmu-notifier
 * invalidations (O8). Kernel: `mm/gup.c`, `mm/memory.c`, `virt/kvm/kvm_main.c`.
 */
import { assertEvent, assign, setup } from 'xstate';
import type { ActorPort } from '../events/actorPort.js';
import type { Delivered } from '../events/messages.js';
import { respond, type ShmInbox } from '../events/protocol/index.js';
import { typeHint } from '../model/typeHint.js';

/** Context of the userspace memory. */
export interface ShmContext {
  readonly port: ActorPort;
  /** Host page -> value (absent = never written since the last zap). */
  readonly pages: ReadonlyMap<number, number>;
}

/** Input of the userspace memory. */
export interface ShmInput {
  readonly port: ActorPort;
}

/** The userspace-memory machine. */
export const shmemMachine = setup({
  types: { context: typeHint<ShmContext>(), events: typeHint<Delivered<ShmInbox>>(), input: typeHint<ShmInput>() },
  actions: {
    /** GUP of the hva: the page is faulted in (no reference kept). */
    gup: ({ context, event }) => {
      assertEvent(event, 'shm.gup');
      respond(context.port, event, { type: 'shm.page', page: event.page });
    },
    /** A store to a page: it becomes present with the value. */
    write: assign(({ context, event }) => {
      assertEvent(event, 'folio.access');
      const pages = new Map(context.pages);
      pages.set(event.subpage, event.value);
      respond(context.port, event, { type: 'folio.accessed', value: event.value });
      return { pages };
    }),
    /** A load from a page (0 if absent). */
    read: ({ context, event }) => {
      assertEvent(event, 'folio.access');
      respond(context.port, event, { type: 'folio.accessed', value: context.pages.get(event.subpage) ?? 0 });
    },
    /** `MADV_DONTNEED` / munmap of `[start, end)`: the pages read 0 again (fact `ShmPageZapped`). */
    zap: assign(({ context, event }) => {
      assertEvent(event, 'shm.zap');
      const { start, end } = event;
      const pages = new Map([...context.pages].filter(([p]) => p < start || p >= end));
      context.port.record('ShmPageZapped', { start, end });
      respond(context.port, event, { type: 'ack' });
      return { pages };
    })
  },
  guards: {
    /** The access is a store. */
    isWrite: ({ event }) => {
      assertEvent(event, 'folio.access');
      return event.write;
    }
  }
}).createMachine({
  id: 'shmem',
  context: ({ input }) => ({ port: input.port, pages: new Map() }),
  initial: 'populated',
  states: {
    // The anonymous region exists (for the whole run).
    populated: {
      on: {
        'shm.gup': { actions: 'gup' },
        'folio.access': [{ guard: 'isWrite', actions: 'write' }, { actions: 'read' }],
        'shm.zap': { actions: 'zap' }
      }
    }
  }
});
