/**
 * The guest_memfd inode (`struct gmem_inode`, spec §1.1, §1.2): size and flags,
 * the per-index attribute range map (RFC in-place), the page cache (index ->
 * folio), the memslot bindings and the `invalidate_lock` (rw-semaphore).
 *
 * ```
 *                 lock.acquire R            lock.acquire W
 *   unlocked ─────────────────────► shared    unlocked ─────────► exclusive
 *      ▲   (states follow the lock; every request below is served in any state)
 *      └──────────── last release ─────────────────────────────────┘
 * ```
 *
 * Requests: `gmem.attr.read`, `gmem.attr.range`, `gmem.attr.store`,
 * `gmem.filemap.get` (allocates and spawns a folio actor), `gmem.filemap.list`,
 * `gmem.filemap.remove`, `gmem.bindings`. The inode never checks who holds the
 * lock: lock discipline is an invariant (INV-4) checked on the log.
 */
import { assign, setup } from 'xstate';
import { type Delivered, replyTarget } from '../events/messages.js';
import type { ModelEnv } from '../model/env.js';
import { RangeMap } from '../model/rangeMap.js';
import { FREE_LOCK, type RwLock } from '../model/rwLock.js';
import type { ActorPort } from '../runtime/world.js';
import { handleLockMessage } from './lockOwner.js';

/** A page-cache entry: the folio covering `[base, base + 2^order)`. */
export interface CacheEntry {
  readonly folio: string;
  readonly base: number;
  readonly order: number;
}

/** Context of the inode machine. */
export interface GmemContext {
  readonly port: ActorPort;
  readonly env: ModelEnv;
  /** `true` = private, per index. */
  readonly attrs: RangeMap<boolean>;
  readonly invalidate: RwLock;
  /** Page cache, keyed by each folio's base index. */
  readonly cache: ReadonlyMap<number, CacheEntry>;
  readonly nextFolio: number;
}

/** Input of the inode machine. */
export interface GmemInput {
  readonly port: ActorPort;
  readonly env: ModelEnv;
}

/** Finds the folio covering `index`, trying each order the cache may hold. */
export function lookup(cache: ReadonlyMap<number, CacheEntry>, index: number): CacheEntry | undefined {
  for (const order of [0, 9, 18]) {
    const base = index - (index % 2 ** order);
    const e = cache.get(base);
    if (e !== undefined && e.order === order) return e;
  }
  return undefined;
}

function reply(ctx: GmemContext, m: Delivered, type: string, data: Record<string, string | number | boolean | null | readonly (string | number)[]>): void {
  ctx.port.send(replyTarget(m), { type, ...data });
}

function onRequest(ctx: GmemContext, m: Delivered): Partial<GmemContext> {
  const id = ctx.port.id;
  const index = m['index'] as number;
  const start = m['start'] as number;
  const end = m['end'] as number;
  switch (m.type) {
    case 'lock.acquire':
    case 'lock.release':
      return { invalidate: handleLockMessage(ctx.port, 'invalidate', ctx.invalidate, m) };
    case 'gmem.attr.read': {
      const priv = ctx.attrs.get(index);
      ctx.port.record('AttrRead', { gmem: id, index, private: priv, by: m.from });
      reply(ctx, m, 'gmem.attr', { index, private: priv });
      return {};
    }
    case 'gmem.attr.range': {
      const priv = m['private'] as boolean;
      const uniform = ctx.attrs.uniform(start, end, priv);
      if (uniform) ctx.port.record('AttrCheckNoop', { gmem: id, start, end, private: priv });
      reply(ctx, m, 'gmem.attr.range', { uniform });
      return {};
    }
    case 'gmem.attr.store': {
      const priv = m['private'] as boolean;
      ctx.port.record('AttrStored', { gmem: id, start, end, private: priv });
      reply(ctx, m, 'ack', {});
      return { attrs: ctx.attrs.store(start, end, priv) };
    }
    case 'gmem.filemap.get': {
      const found = lookup(ctx.cache, index);
      if (found !== undefined || m['create'] !== true) {
        reply(ctx, m, 'gmem.folio', { folio: found?.folio ?? null, base: found?.base ?? index, order: found?.order ?? 0 });
        return {};
      }
      const order = ctx.env.folioOrder;
      const base = index - (index % 2 ** order);
      const folio = `${id}/f${ctx.nextFolio}`;
      ctx.port.spawn('folio', folio, { gmem: id, base, order });
      reply(ctx, m, 'gmem.folio', { folio, base, order });
      const cache = new Map(ctx.cache);
      cache.set(base, { folio, base, order });
      return { cache, nextFolio: ctx.nextFolio + 1 };
    }
    case 'gmem.filemap.list': {
      const folios = [...ctx.cache.values()]
        .filter((e) => e.base < end && e.base + 2 ** e.order > start)
        .sort((a, b) => a.base - b.base)
        .map((e) => e.folio);
      reply(ctx, m, 'gmem.folios', { folios });
      return {};
    }
    case 'gmem.filemap.remove': {
      const folio = m['folio'] as string;
      const cache = new Map(ctx.cache);
      for (const [base, e] of cache) if (e.folio === folio) cache.delete(base);
      reply(ctx, m, 'ack', {});
      return { cache };
    }
    case 'gmem.bindings': {
      const b = ctx.env.binding;
      const gfnStarts: number[] = [];
      const gfnEnds: number[] = [];
      if (b !== null) {
        const s = Math.max(start, b.pgoff);
        const e = Math.min(end, b.pgoff + b.npages);
        if (s < e) {
          gfnStarts.push(b.baseGfn + (s - b.pgoff));
          gfnEnds.push(b.baseGfn + (e - b.pgoff));
        }
      }
      reply(ctx, m, 'gmem.bindings', { gfnStarts, gfnEnds });
      return {};
    }
    default:
      throw new Error(`${id}: unexpected message ${m.type} from ${m.from}`);
  }
}

/** The guest_memfd inode machine. */
export const gmemInodeMachine = setup({
  types: { context: {} as GmemContext, events: {} as Delivered, input: {} as GmemInput },
  actions: {
    announce: ({ context }) => {
      const { env, port } = context;
      port.record('GmemCreated', { gmem: port.id, pages: env.pages, flags: env.initShared ? 'INIT_SHARED' : '', folioOrder: env.folioOrder });
      if (env.binding !== null) port.record('GmemBound', { gmem: port.id, ...env.binding });
      port.record('AttrStored', { gmem: port.id, start: 0, end: env.pages, private: !env.initShared });
    },
    serve: assign(({ context, event }) => onRequest(context, event))
  },
  guards: {
    isExclusive: ({ context }) => context.invalidate.writer !== null,
    isShared: ({ context }) => context.invalidate.readers.length > 0,
    isUnlocked: ({ context }) => context.invalidate.writer === null && context.invalidate.readers.length === 0
  }
}).createMachine({
  id: 'gmemInode',
  context: ({ input }) => ({
    port: input.port,
    env: input.env,
    attrs: RangeMap.filled(input.env.pages, !input.env.initShared),
    invalidate: FREE_LOCK,
    cache: new Map(),
    nextFolio: 1
  }),
  entry: 'announce',
  on: { '*': { actions: 'serve' } },
  initial: 'unlocked',
  states: {
    unlocked: { always: [{ guard: 'isExclusive', target: 'exclusive' }, { guard: 'isShared', target: 'shared' }] },
    shared: { always: [{ guard: 'isExclusive', target: 'exclusive' }, { guard: 'isUnlocked', target: 'unlocked' }] },
    exclusive: { always: [{ guard: 'isShared', target: 'shared' }, { guard: 'isUnlocked', target: 'unlocked' }] }
  }
});
