/**
 * The KVM secondary MMU (x86 TDP, spec §1.8, O12): SPTEs per root, `mmu_lock`
 * (rwlock) and the invalidation protocol `mmu_invalidate_{begin,range_add,end}`
 * with `mmu_invalidate_seq`, `mmu_invalidate_in_progress` and the accumulated
 * range.
 *
 * ```
 *  region mmuLock:      unlocked ◄──► read ◄──► write         (follows the rwlock)
 *  region invalidation: idle ── begin (0->1) ──► inProgress ── end (1->0) ──► idle
 * ```
 *
 * The MMU never checks that a caller holds `mmu_lock`: that is checked on the log.
 */
import { assign, setup } from 'xstate';
import { type Delivered, replyTarget } from '../events/messages.js';
import type { ModelEnv } from '../model/env.js';
import { FREE_LOCK, type RwLock } from '../model/rwLock.js';
import type { ActorPort } from '../runtime/world.js';
import { handleLockMessage } from './lockOwner.js';

/** A stage-2 mapping. */
export interface Spte {
  readonly root: string;
  readonly gfn: number;
  /** Level: 1 = 4K, 2 = 2M, 3 = 1G. */
  readonly level: number;
  readonly private: boolean;
  /** Backing page: a folio id (guest_memfd) or a shared page id. */
  readonly pfn: string;
  readonly subpage: number;
}

/** Context of the MMU. */
export interface MmuContext {
  readonly port: ActorPort;
  readonly env: ModelEnv;
  readonly mmuLock: RwLock;
  readonly seq: number;
  readonly inProgress: number;
  /** Accumulated invalidation range; null = INVALID_GPA (nothing added yet). */
  readonly rangeStart: number | null;
  readonly rangeEnd: number | null;
  /** SPTEs keyed by `root:gfn` of the leaf's first gfn. */
  readonly sptes: ReadonlyMap<string, Spte>;
}

/** Input of the MMU. */
export interface MmuInput {
  readonly port: ActorPort;
  readonly env: ModelEnv;
}

type Patch = { -readonly [K in keyof MmuContext]?: MmuContext[K] };

const LEVEL_PAGES = [0, 1, 512, 262144] as const;

function onRequest(ctx: MmuContext, m: Delivered): Patch {
  const to = replyTarget(m);
  const ack = (data: Record<string, number | boolean | null> = {}): void => ctx.port.send(to, { type: 'ack', ...data });
  switch (m.type) {
    case 'lock.acquire':
    case 'lock.release':
      return { mmuLock: handleLockMessage(ctx.port, 'mmu', ctx.mmuLock, m) };
    case 'mmu.invalidate.begin': {
      const inProgress = ctx.inProgress + 1;
      ctx.port.record('InvalidateBegin', { inProgress });
      ack();
      return inProgress === 1 ? { inProgress, rangeStart: null, rangeEnd: null } : { inProgress };
    }
    case 'mmu.invalidate.rangeAdd': {
      const start = m['start'] as number;
      const end = m['end'] as number;
      if (ctx.inProgress === 0) throw new Error('range_add without an invalidation in progress');
      ctx.port.record('RangeAdded', { start, end });
      ack();
      return {
        rangeStart: ctx.rangeStart === null ? start : Math.min(ctx.rangeStart, start),
        rangeEnd: ctx.rangeEnd === null ? end : Math.max(ctx.rangeEnd, end)
      };
    }
    case 'mmu.zap': {
      const start = m['start'] as number;
      const end = m['end'] as number;
      const filter = m['filter'] as 'shared' | 'private' | 'both';
      let sptes: Map<string, Spte> | null = null;
      for (const [key, s] of ctx.sptes) {
        const last = s.gfn + (LEVEL_PAGES[s.level] ?? 1);
        if (s.gfn >= end || last <= start) continue;
        if (filter === 'shared' && s.private) continue;
        if (filter === 'private' && !s.private) continue;
        sptes ??= new Map(ctx.sptes);
        sptes.delete(key);
        ctx.port.record('SpteZapped', { root: s.root, gfn: s.gfn, level: s.level, private: s.private });
      }
      ack({ zapped: sptes === null ? 0 : ctx.sptes.size - sptes.size });
      return sptes === null ? {} : { sptes };
    }
    case 'mmu.invalidate.end': {
      const seq = ctx.seq + 1;
      const inProgress = ctx.inProgress - 1;
      ctx.port.record('InvalidateEnd', { seq, inProgress });
      if (inProgress < 0) throw new Error('KVM_BUG_ON: mmu_invalidate_in_progress < 0');
      ack();
      return { seq, inProgress };
    }
    default:
      throw new Error(`${ctx.port.id}: unexpected message ${m.type} from ${m.from}`);
  }
}

/** The KVM MMU machine. */
export const kvmMmuMachine = setup({
  types: { context: {} as MmuContext, events: {} as Delivered, input: {} as MmuInput },
  actions: { serve: assign(({ context, event }) => onRequest(context, event)) },
  guards: {
    isWrite: ({ context }) => context.mmuLock.writer !== null,
    isRead: ({ context }) => context.mmuLock.readers.length > 0,
    isUnlocked: ({ context }) => context.mmuLock.writer === null && context.mmuLock.readers.length === 0,
    inProgress: ({ context }) => context.inProgress > 0,
    settled: ({ context }) => context.inProgress === 0
  }
}).createMachine({
  id: 'kvmMmu',
  context: ({ input }) => ({
    port: input.port,
    env: input.env,
    mmuLock: FREE_LOCK,
    seq: 0,
    inProgress: 0,
    rangeStart: null,
    rangeEnd: null,
    sptes: new Map()
  }),
  on: { '*': { actions: 'serve' } },
  type: 'parallel',
  states: {
    mmuLock: {
      initial: 'unlocked',
      states: {
        unlocked: { always: [{ guard: 'isWrite', target: 'write' }, { guard: 'isRead', target: 'read' }] },
        read: { always: [{ guard: 'isWrite', target: 'write' }, { guard: 'isUnlocked', target: 'unlocked' }] },
        write: { always: [{ guard: 'isRead', target: 'read' }, { guard: 'isUnlocked', target: 'unlocked' }] }
      }
    },
    invalidation: {
      initial: 'idle',
      states: {
        idle: { always: { guard: 'inProgress', target: 'inProgress' } },
        inProgress: { always: { guard: 'settled', target: 'idle' } }
      }
    }
  }
});
