/**
 * The VMM address space's host page table (spec §1.4, O8, O9): the PTEs of the
 * VMM's shared mmap of the guest_memfd (page `p` of the mapping is file index
 * `p`) and their split PTE locks (PTL). One part of the address-space owner.
 *
 * ```
 *            mm.gupLookup (PTE present: the walker holds its PTL)
 *   unlocked ─────────────────────────────────────────────────────► locked
 *      ▲ ◄──────────── mm.pteUnlock of the last PTL held ─────────────┘ │
 *                         mm.gupLookup / mm.pteUnlock (PTLs still held) / requests on a locked page (wait)
 *   both: mm.access, mm.pteInstall, mm.zap (in locked: wait while their page or range is locked)
 * ```
 *
 * `unlocked`: no PTE lock held; `locked`: a GUP walker holds a PTE lock from
 * its lookup until `mm.pteUnlock`, as `follow_page_pte` holds the PTL, so a
 * zap or an install cannot slip between a lookup and the reference it takes.
 * Requests on a locked page wait (`deferred`, oldest first) and are retried,
 * in order, right after each `mm.pteUnlock` (raised within the same
 * delivery). Unlocking a PTE lock the sender does not hold is a model error.
 *
 * A zap clears the PTEs at once (`HostPteZapped`), sends each folio
 * `folio.unmap{subpage, zap}` and hands the rest to the gather part
 * (`mmuGather.ts`), which answers `mm.zapped{n}` once every folio acknowledged;
 * a zap that clears nothing answers `mm.zapped{n: 0}` at once.
 *
 * Requests: `mm.access{page, write, value?}` -> `mm.notPresent{page}` or the
 * folio's `folio.accessed` (forwarded with `replyTo`), `mm.pteInstall{page,
 * folio, subpage, index}` -> `mm.pteInstalled{installed}` (`HostPteInstalled`,
 * `folio.map` to the folio), `mm.gupLookup{page}` -> `mm.pte{present, folio,
 * subpage}`, `mm.pteUnlock{page}` -> `ack`, `mm.zap{start, end}` -> `mm.zapped{n}`.
 * Kernel: `mm/memory.c` (`finish_fault`, `set_pte_at`, `zap_page_range_single`,
 * `unmap_mapping_pages`), `mm/gup.c` (`follow_page_pte`).
 */
import { assertEvent, assign, enqueueActions, setup } from 'xstate';
import type { ActorPort } from '../../events/actorPort.js';
import { type Delivered, replyTarget } from '../../events/messages.js';
import { type FolioAccess, type FolioMap, type FolioUnmap, type MmRequest, respond } from '../../events/protocol/index.js';
import { typeHint } from '../../model/typeHint.js';
import type { Sibling } from '../composite.js';
import type { GatherCommand, MmuGatherContext } from './mmuGather.js';

/** A present host PTE. */
export type Pte = { readonly folio: string; readonly subpage: number; readonly index: number };

/** Context of the page table. */
export type MmPageTableContext = {
  readonly port: ActorPort;
  /** The guest_memfd the mapping maps. */
  readonly gmem: string;
  readonly ptes: ReadonlyMap<number, Pte>;
  /** PTE locks held: page -> GUP walker. */
  readonly pteLocks: ReadonlyMap<number, string>;
  /** Requests waiting for a PTE lock, oldest first. */
  readonly deferred: readonly Delivered<MmRequest>[];
  /** Number of the next zap. */
  readonly nextZap: number;
  /** The gather part: told of each zap that waits for its folios. */
  readonly gather: Sibling<MmuGatherContext, GatherCommand>;
};

/** Input of the page table. */
export type MmPageTableInput = { readonly port: ActorPort; readonly gmem: string; readonly gather: Sibling<MmuGatherContext, GatherCommand> };

function lockedIn(ctx: MmPageTableContext, start: number, end: number): boolean {
  for (const page of ctx.pteLocks.keys()) if (page >= start && page < end) return true;
  return false;
}

/** The page-table machine. */
export const mmPageTableMachine = setup({
  types: { context: typeHint<MmPageTableContext>(), events: typeHint<Delivered<MmRequest>>(), input: typeHint<MmPageTableInput>() },
  actions: {
    /** A VMM access: through the PTE to the folio (which answers the caller), or not present. */
    access: ({ context, event }) => {
      assertEvent(event, 'mm.access');
      const pte = context.ptes.get(event.page);
      if (pte === undefined) {
        respond(context.port, event, { type: 'mm.notPresent', page: event.page });
        return;
      }
      const access: FolioAccess = { type: 'folio.access', subpage: pte.subpage, write: event.write, value: event.value ?? 0, replyTo: replyTarget(event) };
      context.port.send(pte.folio, access);
    },
    /** `finish_fault` / `set_pte_at`: the PTE takes over the fault's folio reference. */
    install: assign(({ context, event }) => {
      assertEvent(event, 'mm.pteInstall');
      const { page } = event;
      if (context.ptes.has(page)) {
        respond(context.port, event, { type: 'mm.pteInstalled', installed: false });
        return {};
      }
      const pte: Pte = { folio: event.folio, subpage: event.subpage, index: event.index };
      const ptes = new Map(context.ptes);
      ptes.set(page, pte);
      context.port.record('HostPteInstalled', { mm: context.port.id, page, gmem: context.gmem, index: pte.index, folio: pte.folio, subpage: pte.subpage });
      const map: FolioMap = { type: 'folio.map', subpage: pte.subpage };
      context.port.send(pte.folio, map);
      respond(context.port, event, { type: 'mm.pteInstalled', installed: true });
      return { ptes };
    }),
    /** `follow_page_pte`: the PTE, its lock now held by the walker when present. */
    lookup: assign(({ context, event }) => {
      assertEvent(event, 'mm.gupLookup');
      const pte = context.ptes.get(event.page);
      if (pte === undefined) {
        respond(context.port, event, { type: 'mm.pte', present: false, folio: null, subpage: 0 });
        return {};
      }
      const pteLocks = new Map(context.pteLocks);
      pteLocks.set(event.page, event.from);
      respond(context.port, event, { type: 'mm.pte', present: true, folio: pte.folio, subpage: pte.subpage });
      return { pteLocks };
    }),
    /** The walker drops its PTE lock. */
    unlock: assign(({ context, event }) => {
      assertEvent(event, 'mm.pteUnlock');
      if (context.pteLocks.get(event.page) !== event.from) throw new Error(`${context.port.id}: ${event.from} unlocks PTE ${event.page} it does not hold`);
      const pteLocks = new Map(context.pteLocks);
      pteLocks.delete(event.page);
      respond(context.port, event, { type: 'ack' });
      return { pteLocks };
    }),
    /** Retries the requests that waited for a PTE lock, oldest first (those still blocked wait again, in order). */
    retryDeferred: enqueueActions(({ context, enqueue }) => {
      const waiting = context.deferred;
      if (waiting.length === 0) return;
      enqueue.assign({ deferred: [] });
      for (const w of waiting) enqueue.raise(w);
    }),
    /** The request's page (or range) is locked: it waits. */
    defer: assign(({ context, event }) => ({ deferred: [...context.deferred, event] })),
    /** munmap / `MADV_DONTNEED` / `unmap_mapping_pages`: PTEs cleared now, completion once the folios acknowledged. */
    zap: assign(({ context, event }) => {
      assertEvent(event, 'mm.zap');
      const { start, end } = event;
      const victims = [...context.ptes.entries()].filter(([p]) => p >= start && p < end).sort((a, b) => a[0] - b[0]);
      if (victims.length === 0) {
        respond(context.port, event, { type: 'mm.zapped', n: 0 });
        return {};
      }
      const zap = context.nextZap;
      const ptes = new Map(context.ptes);
      for (const [p, pte] of victims) {
        ptes.delete(p);
        context.port.record('HostPteZapped', { mm: context.port.id, page: p, gmem: context.gmem, index: pte.index, folio: pte.folio, subpage: pte.subpage });
        const unmap: FolioUnmap = { type: 'folio.unmap', subpage: pte.subpage, zap };
        context.port.send(pte.folio, unmap);
      }
      context.gather.send({ type: 'gather.started', zap, requester: replyTarget(event), n: victims.length });
      return { ptes, nextZap: zap + 1 };
    })
  },
  guards: {
    /** The PTE the walker looks up is present (its lock will be held). */
    ptePresent: ({ context, event }) => {
      assertEvent(event, 'mm.gupLookup');
      return context.ptes.has(event.page);
    },
    /** The request's page is locked by a walker. */
    pageLocked: ({ context, event }) => {
      assertEvent(event, ['mm.pteInstall', 'mm.gupLookup']);
      return context.pteLocks.has(event.page);
    },
    /** A page of the zap's range is locked by a walker. */
    rangeLocked: ({ context, event }) => {
      assertEvent(event, 'mm.zap');
      return lockedIn(context, event.start, event.end);
    },
    /** This unlock drops the last PTE lock held. */
    lastLock: ({ context }) => context.pteLocks.size === 1
  }
}).createMachine({
  id: 'mmPageTable',
  context: ({ input }) => ({ port: input.port, gmem: input.gmem, ptes: new Map(), pteLocks: new Map(), deferred: [], nextZap: 1, gather: input.gather }),
  initial: 'unlocked',
  states: {
    unlocked: {
      on: {
        'mm.access': { actions: 'access' },
        'mm.pteInstall': { actions: 'install' },
        'mm.gupLookup': [{ guard: 'ptePresent', target: 'locked', actions: 'lookup' }, { actions: 'lookup' }],
        'mm.zap': { actions: 'zap' }
      }
    },
    locked: {
      on: {
        'mm.access': { actions: 'access' },
        'mm.pteInstall': [{ guard: 'pageLocked', actions: 'defer' }, { actions: 'install' }],
        'mm.gupLookup': [{ guard: 'pageLocked', actions: 'defer' }, { actions: 'lookup' }],
        'mm.zap': [{ guard: 'rangeLocked', actions: 'defer' }, { actions: 'zap' }],
        'mm.pteUnlock': [{ guard: 'lastLock', target: 'unlocked', actions: ['unlock', 'retryDeferred'] }, { actions: ['unlock', 'retryDeferred'] }]
      }
    }
  }
});
