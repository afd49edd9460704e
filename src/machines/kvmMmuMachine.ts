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
 *
 * vCPU fault path (O10) requests: `mmu.seq` (snapshot of `mmu_invalidate_seq`),
 * `mmu.staleCheck` (`mmu_invalidate_retry_gfn_unsafe` or, with `locked`,
 * `mmu_invalidate_retry_gfn`; a `StaleCheck` fact), `mmu.install` (the TDP MMU map
 * of one leaf, `SptInstalled`), `mmu.root.load{root, fail}` (`kvm_mmu_reload`: the
 * root of the vCPU's current mode, `MmuRootLoaded`; see {@link modeRoot}) and `mmu.access` (a guest access through a present
 * SPTE, forwarded to the folio; reply `mmu.notPresent` is the EPT violation).
 * SPTEs hold no folio reference (§1.3.1). A zap that removes an SPTE whose
 * folio still has a guest access in flight acknowledges only after that access
 * completed (the TLB flush: no access through a zapped SPTE lands after the zap):
 *
 * ```
 *  region tlb:          idle ── zap with an access in flight ──► flushing ── last access done ──► idle
 * ```
 */
import { assign, setup } from 'xstate';
import { type Delivered, replyTarget } from '../events/messages.js';
import type { ModelEnv } from '../model/env.js';
import { FREE_LOCK, type RwLock } from '../model/rwLock.js';
import type { ActorPort } from '../events/actorPort.js';
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
  /** Guest accesses forwarded to a folio and not yet answered: folio -> vCPUs, oldest first. */
  readonly inflight: ReadonlyMap<string, readonly string[]>;
  /** Zap acknowledgements waiting for the accesses in flight to those folios (TLB flush). */
  readonly deferredAcks: readonly { readonly to: string; readonly zapped: number; readonly folios: readonly string[] }[];
  /** `mmu.waitIdle` requesters: answered `mmu.idle` when no invalidation is in progress. */
  readonly idleWaiters: readonly string[];
}

/** Input of the MMU. */
export interface MmuInput {
  readonly port: ActorPort;
  readonly env: ModelEnv;
}

type Patch = { -readonly [K in keyof MmuContext]?: MmuContext[K] };

const LEVEL_PAGES = [0, 1, 512, 262144] as const;

/** The present leaf of `root` covering `gfn`, if any. */
function findSpte(sptes: ReadonlyMap<string, Spte>, root: string, gfn: number): Spte | undefined {
  for (const s of sptes.values()) {
    if (s.root === root && gfn >= s.gfn && gfn < s.gfn + (LEVEL_PAGES[s.level] ?? 1)) return s;
  }
  return undefined;
}

/** True if `[start, end)` of `root` overlaps a present leaf. */
function overlapsSpte(sptes: ReadonlyMap<string, Spte>, root: string, start: number, end: number): boolean {
  for (const s of sptes.values()) {
    if (s.root === root && s.gfn < end && s.gfn + (LEVEL_PAGES[s.level] ?? 1) > start) return true;
  }
  return false;
}

/**
 * `mmu_invalidate_retry_gfn` (locked) / `mmu_invalidate_retry_gfn_unsafe`:
 * true if a fault that snapshotted `seq` for `gfn` must retry.
 */
function mustRetry(ctx: MmuContext, seq: number, gfn: number, locked: boolean): boolean {
  if (ctx.inProgress > 0) {
    // Locked: a range still INVALID while in progress is a KVM bug (WARN) and retries.
    if (ctx.rangeStart === null || ctx.rangeEnd === null) return locked;
    if (gfn >= ctx.rangeStart && gfn < ctx.rangeEnd) return true;
  }
  return ctx.seq !== seq;
}

/** Serves the vCPU fault-path requests (O10); null if `m` is not one of them. */
function onFaultPath(ctx: MmuContext, m: Delivered): Patch | null {
  const to = replyTarget(m);
  switch (m.type) {
    case 'mmu.seq':
      ctx.port.send(to, { type: 'mmu.seq', seq: ctx.seq });
      return {};
    case 'mmu.root.load': {
      // kvm_mmu_reload -> kvm_mmu_load -> kvm_tdp_mmu_alloc_root (find or allocate the root of the vCPU's mode);
      // `fail` is the fault injection of the allocation (failslab / fail-nth of the vCPU thread, B9's trigger).
      const root = m['root'] as string;
      const ok = m['fail'] !== true;
      ctx.port.record('MmuRootLoaded', { vcpu: m.from, root, ok });
      ctx.port.send(to, { type: 'mmu.root', ok, root });
      return {};
    }
    case 'mmu.staleCheck': {
      const gfn = m['gfn'] as number;
      const seq = m['seq'] as number;
      const locked = m['locked'] === true;
      const ok = !mustRetry(ctx, seq, gfn, locked);
      ctx.port.record('StaleCheck', { vcpu: m.from, gfn, seq, locked, ok, mmuSeq: ctx.seq, inProgress: ctx.inProgress });
      ctx.port.send(to, { type: 'mmu.stale', ok });
      return {};
    }
    case 'mmu.install': {
      const root = m['root'] as string;
      const gfn = m['gfn'] as number;
      let level = m['level'] as number;
      let subpage = m['subpage'] as number;
      if (findSpte(ctx.sptes, root, gfn) !== undefined) {
        // Another vCPU mapped it first (RET_PF_SPURIOUS).
        ctx.port.send(to, { type: 'mmu.installed', installed: false, level: 0 });
        return {};
      }
      let pages = LEVEL_PAGES[level] ?? 1;
      let first = gfn - (gfn % pages);
      if (level > 1 && overlapsSpte(ctx.sptes, root, first, first + pages)) {
        // A smaller leaf already exists inside the hugepage: map the faulting 4K page only.
        subpage += gfn - first;
        level = 1;
        pages = 1;
        first = gfn;
      }
      const spte: Spte = { root, gfn: first, level, private: m['private'] === true, pfn: m['pfn'] as string, subpage };
      const sptes = new Map(ctx.sptes);
      sptes.set(`${root}:${first}`, spte);
      ctx.port.record('SptInstalled', { root, gfn: first, level, private: spte.private, pfn: spte.pfn, subpage, by: m.from });
      ctx.port.send(to, { type: 'mmu.installed', installed: true, level });
      return { sptes };
    }
    case 'mmu.access': {
      const gfn = m['gfn'] as number;
      // `roots`: a SW_PROTECTED access (no private bit) walks whichever root maps the gfn (one root in the kernel).
      const roots = (m['roots'] as readonly string[] | undefined) ?? [m['root'] as string];
      let s: ReturnType<typeof findSpte>;
      for (const root of roots) {
        s = findSpte(ctx.sptes, root, gfn);
        if (s !== undefined) break;
      }
      if (s === undefined) {
        ctx.port.send(to, { type: 'mmu.notPresent', gfn });
        return {};
      }
      ctx.port.send(s.pfn, {
        type: 'folio.access',
        subpage: s.subpage + (gfn - s.gfn),
        write: m['write'] === true,
        value: (m['value'] as number | undefined) ?? 0
      });
      const inflight = new Map(ctx.inflight);
      inflight.set(s.pfn, [...(ctx.inflight.get(s.pfn) ?? []), to]);
      return { inflight };
    }
    case 'folio.accessed': {
      // The folio answered an access this MMU forwarded (FIFO per folio channel).
      const folio = m.from;
      const queue = ctx.inflight.get(folio) ?? [];
      const vcpu = queue[0];
      if (vcpu === undefined) throw new Error(`${ctx.port.id}: unexpected access reply from ${folio}`);
      ctx.port.send(vcpu, { type: 'folio.accessed', folio, value: m['value'] as number });
      const inflight = new Map(ctx.inflight);
      if (queue.length === 1) inflight.delete(folio);
      else inflight.set(folio, queue.slice(1));
      const still = ctx.deferredAcks.filter((d) => d.folios.some((f) => inflight.has(f)));
      for (const d of ctx.deferredAcks) if (!still.includes(d)) ctx.port.send(d.to, { type: 'ack', zapped: d.zapped });
      return { inflight, deferredAcks: still };
    }
    default:
      return null;
  }
}

function onRequest(ctx: MmuContext, m: Delivered): Patch {
  const to = replyTarget(m);
  const ack = (data: Record<string, number | boolean | null> = {}): void => ctx.port.send(to, { type: 'ack', ...data });
  const faultPath = onFaultPath(ctx, m);
  if (faultPath !== null) return faultPath;
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
      const busy: string[] = [];
      for (const [key, s] of ctx.sptes) {
        const last = s.gfn + (LEVEL_PAGES[s.level] ?? 1);
        if (s.gfn >= end || last <= start) continue;
        if (filter === 'shared' && s.private) continue;
        if (filter === 'private' && !s.private) continue;
        sptes ??= new Map(ctx.sptes);
        sptes.delete(key);
        ctx.port.record('SpteZapped', { root: s.root, gfn: s.gfn, level: s.level, private: s.private });
        if (ctx.inflight.has(s.pfn)) busy.push(s.pfn);
      }
      const zapped = sptes === null ? 0 : ctx.sptes.size - sptes.size;
      if (busy.length > 0) {
        // TLB flush: acknowledge once the guest accesses in flight through the zapped SPTEs are done.
        return { sptes: sptes ?? ctx.sptes, deferredAcks: [...ctx.deferredAcks, { to, zapped, folios: busy }] };
      }
      ack({ zapped });
      return sptes === null ? {} : { sptes };
    }
    case 'mmu.invalidate.end': {
      const seq = ctx.seq + 1;
      const inProgress = ctx.inProgress - 1;
      ctx.port.record('InvalidateEnd', { seq, inProgress });
      if (inProgress < 0) throw new Error('KVM_BUG_ON: mmu_invalidate_in_progress < 0');
      ack();
      if (inProgress > 0 || ctx.idleWaiters.length === 0) return { seq, inProgress };
      for (const w of ctx.idleWaiters) ctx.port.send(w, { type: 'mmu.idle' });
      return { seq, inProgress, idleWaiters: [] };
    }
    case 'mmu.waitIdle':
      // A vCPU that got RET_PF_RETRY re-enters and refaults until the invalidation is over (upstream fault path).
      if (ctx.inProgress === 0) {
        ctx.port.send(to, { type: 'mmu.idle' });
        return {};
      }
      return { idleWaiters: [...ctx.idleWaiters, to] };
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
    settled: ({ context }) => context.inProgress === 0,
    flushing: ({ context }) => context.deferredAcks.length > 0,
    flushed: ({ context }) => context.deferredAcks.length === 0
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
    sptes: new Map(),
    inflight: new Map(),
    deferredAcks: [],
    idleWaiters: []
  }),
  on: { '*': { actions: 'serve' } },
  type: 'parallel',
  states: {
    mmuLock: {
      initial: 'unlocked',
      states: {
        unlocked: {
          always: [
            { guard: 'isWrite', target: 'write' },
            { guard: 'isRead', target: 'read' }
          ]
        },
        read: {
          always: [
            { guard: 'isWrite', target: 'write' },
            { guard: 'isUnlocked', target: 'unlocked' }
          ]
        },
        write: {
          always: [
            { guard: 'isRead', target: 'read' },
            { guard: 'isUnlocked', target: 'unlocked' }
          ]
        }
      }
    },
    invalidation: {
      initial: 'idle',
      states: {
        idle: { always: { guard: 'inProgress', target: 'inProgress' } },
        inProgress: { always: { guard: 'settled', target: 'idle' } }
      }
    },
    tlb: {
      initial: 'idle',
      states: {
        idle: { always: { guard: 'flushing', target: 'flushing' } },
        flushing: { always: { guard: 'flushed', target: 'idle' } }
      }
    }
  }
});
