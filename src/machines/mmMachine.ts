/**
 * The VMM process address space (spec §1.4): the host page table of the VMM's
 * shared mmap of the guest_memfd (page `p` of the mapping is file index `p`),
 * with a PTE lock per page.
 *
 * ```
 *   idle ── mm.zap with a PTE lock held ──► zapping (zap deferred until unlock)
 *    ▲                                          │
 *    └──────── every folio acked the unmap ◄────┘   (also from idle, when no lock is held)
 * ```
 *
 * A zap (munmap, MADV_DONTNEED, unmap_mapping_pages, truncation) clears the
 * PTEs at once (`HostPteZapped`) and completes (`mm.zapped` to the requester)
 * only after every folio dropped the PTE's reference, as tlb_finish_mmu does
 * before unmap_mapping_pages returns. GUP (`mm.gupLookup`) holds the PTE lock
 * from the lookup until `mm.pteUnlock`, as follow_page_pte holds the PTL, so a
 * zap cannot slip between a lookup and the reference it takes.
 */
import { assign, setup } from 'xstate';
import { type Delivered, replyTarget } from '../events/messages.js';
import type { ModelEnv } from '../model/env.js';
import type { ActorPort } from '../events/actorPort.js';

/** A present host PTE. */
export interface Pte {
  readonly folio: string;
  readonly subpage: number;
  readonly index: number;
}

interface ZapInFlight {
  readonly requester: string;
  readonly n: number;
  readonly remaining: number;
}

/** Context of the address space. */
export interface MmContext {
  readonly port: ActorPort;
  readonly env: ModelEnv;
  readonly gmem: string;
  readonly ptes: ReadonlyMap<number, Pte>;
  readonly pteLocks: ReadonlyMap<number, string>;
  /** Requests waiting for a PTE lock. */
  readonly deferred: readonly Delivered[];
  readonly zaps: ReadonlyMap<number, ZapInFlight>;
  readonly nextZap: number;
}

/** Input of the address space. */
export interface MmInput {
  readonly port: ActorPort;
  readonly env: ModelEnv;
  readonly gmem: string;
}

type Patch = { -readonly [K in keyof MmContext]?: MmContext[K] };

function lockedIn(ctx: MmContext, start: number, end: number): boolean {
  for (const page of ctx.pteLocks.keys()) if (page >= start && page < end) return true;
  return false;
}

/** Serves one request; returns false if it must wait for a PTE lock. */
function serve(ctx: MmContext, m: Delivered, patch: Patch): boolean {
  const cur: MmContext = { ...ctx, ...patch };
  const id = ctx.port.id;
  const to = replyTarget(m);
  const page = m['page'] as number;
  switch (m.type) {
    case 'mm.access': {
      const pte = cur.ptes.get(page);
      if (pte === undefined) ctx.port.send(to, { type: 'mm.notPresent', page });
      else {
        ctx.port.send(pte.folio, {
          type: 'folio.access',
          subpage: pte.subpage,
          write: m['write'] === true,
          value: (m['value'] as number | undefined) ?? 0,
          replyTo: to
        });
      }
      return true;
    }
    case 'mm.pteInstall': {
      if (cur.pteLocks.has(page)) return false;
      if (cur.ptes.has(page)) {
        ctx.port.send(to, { type: 'mm.pteInstalled', installed: false });
        return true;
      }
      const pte: Pte = { folio: m['folio'] as string, subpage: m['subpage'] as number, index: m['index'] as number };
      const ptes = new Map(cur.ptes);
      ptes.set(page, pte);
      patch.ptes = ptes;
      ctx.port.record('HostPteInstalled', { mm: id, page, gmem: ctx.gmem, index: pte.index, folio: pte.folio, subpage: pte.subpage });
      ctx.port.send(pte.folio, { type: 'folio.map', subpage: pte.subpage });
      ctx.port.send(to, { type: 'mm.pteInstalled', installed: true });
      return true;
    }
    case 'mm.gupLookup': {
      if (cur.pteLocks.has(page)) return false;
      const pte = cur.ptes.get(page);
      if (pte === undefined) {
        ctx.port.send(to, { type: 'mm.pte', present: false, folio: null, subpage: 0 });
        return true;
      }
      const locks = new Map(cur.pteLocks);
      locks.set(page, m.from);
      patch.pteLocks = locks;
      ctx.port.send(to, { type: 'mm.pte', present: true, folio: pte.folio, subpage: pte.subpage });
      return true;
    }
    case 'mm.pteUnlock': {
      if (cur.pteLocks.get(page) !== m.from) throw new Error(`${id}: ${m.from} unlocks PTE ${page} it does not hold`);
      const locks = new Map(cur.pteLocks);
      locks.delete(page);
      patch.pteLocks = locks;
      ctx.port.send(to, { type: 'ack' });
      return true;
    }
    case 'mm.zap': {
      const start = m['start'] as number;
      const end = m['end'] as number;
      if (lockedIn(cur, start, end)) return false;
      const victims = [...cur.ptes.entries()].filter(([p]) => p >= start && p < end).sort((a, b) => a[0] - b[0]);
      if (victims.length === 0) {
        ctx.port.send(to, { type: 'mm.zapped', n: 0 });
        return true;
      }
      const zap = cur.nextZap;
      const ptes = new Map(cur.ptes);
      for (const [p, pte] of victims) {
        ptes.delete(p);
        ctx.port.record('HostPteZapped', { mm: id, page: p, gmem: ctx.gmem, index: pte.index, folio: pte.folio, subpage: pte.subpage });
        ctx.port.send(pte.folio, { type: 'folio.unmap', subpage: pte.subpage, zap });
      }
      const zaps = new Map(cur.zaps);
      zaps.set(zap, { requester: to, n: victims.length, remaining: victims.length });
      Object.assign(patch, { ptes, zaps, nextZap: zap + 1 });
      return true;
    }
    case 'ack': {
      // A folio dropped the reference of a zapped PTE.
      const zap = m['zap'] as number;
      const z = cur.zaps.get(zap);
      if (z === undefined) throw new Error(`${id}: ack for unknown zap ${zap}`);
      const zaps = new Map(cur.zaps);
      if (z.remaining === 1) {
        zaps.delete(zap);
        ctx.port.send(z.requester, { type: 'mm.zapped', n: z.n });
      } else zaps.set(zap, { ...z, remaining: z.remaining - 1 });
      patch.zaps = zaps;
      return true;
    }
    default:
      throw new Error(`${id}: unexpected message ${m.type} from ${m.from}`);
  }
}

function onRequest(ctx: MmContext, m: Delivered): Patch {
  const patch: Patch = {};
  if (!serve(ctx, m, patch)) {
    patch.deferred = [...ctx.deferred, m];
    return patch;
  }
  if (m.type === 'mm.pteUnlock' && ctx.deferred.length > 0) {
    // Retry the requests that waited for a PTE lock, oldest first.
    const waiting = ctx.deferred;
    const still: Delivered[] = [];
    for (const w of waiting) if (!serve(ctx, w, patch)) still.push(w);
    patch.deferred = still;
  }
  return patch;
}

/** The address-space machine. */
export const mmMachine = setup({
  types: { context: {} as MmContext, events: {} as Delivered, input: {} as MmInput },
  actions: { serve: assign(({ context, event }) => onRequest(context, event)) },
  guards: {
    hasDeferred: ({ context }) => context.deferred.length > 0 || context.zaps.size > 0,
    isIdle: ({ context }) => context.deferred.length === 0 && context.zaps.size === 0
  }
}).createMachine({
  id: 'mm',
  context: ({ input }) => ({
    port: input.port,
    env: input.env,
    gmem: input.gmem,
    ptes: new Map(),
    pteLocks: new Map(),
    deferred: [],
    zaps: new Map(),
    nextZap: 1
  }),
  on: { '*': { actions: 'serve' } },
  initial: 'idle',
  states: {
    idle: { always: { guard: 'hasDeferred', target: 'zapping' } },
    zapping: { always: { guard: 'isIdle', target: 'idle' } }
  }
});
