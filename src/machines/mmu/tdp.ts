/**
 * The KVM TDP MMU's page tables (x86, spec §1.8, O10, O12, O13): the leaf
 * SPTEs of every root (`direct` / `mirror` and the SMM / L2 roots, see
 * `src/model/mmuRoots.ts`), root loading, installs by the fault path, zaps,
 * and guest accesses through present SPTEs. One part of the MMU owner.
 *
 * ```
 *   mapping ── every request ──► mapping
 * ```
 *
 * The model has no lifecycle for the page tables themselves (roots are never
 * invalidated or freed, and a root load only records `MmuRootLoaded`), so the
 * part has one state, `mapping`: its SPTEs are a collection in context. SPTEs
 * hold no folio reference (§1.3.1). A guest access through a present SPTE is
 * forwarded to its page, and the TLB part (`tlb.ts`) remembers it; a zap that
 * removes an SPTE whose page has an access in flight hands its
 * acknowledgement to the TLB part, which sends it after the flush.
 *
 * Requests: `mmu.root.load{root, fail?}` -> `mmu.root{ok, root}`
 * (`MmuRootLoaded`), `mmu.install{root, gfn, level, private, pfn, subpage}` ->
 * `mmu.installed{installed, level}` (`SptInstalled`; a smaller leaf inside
 * the hugepage maps the faulting 4K page only), `mmu.access{root | roots, gfn,
 * write, value?}` -> `mmu.notPresent{gfn}` or (from the TLB part)
 * `folio.accessed`, `mmu.zap{start, end, filter}` -> `ack{zapped}` (`SpteZapped`
 * per leaf). Kernel: `arch/x86/kvm/mmu/tdp_mmu.c` (`kvm_tdp_mmu_map`,
 * `kvm_tdp_mmu_unmap_gfn_range`, `kvm_tdp_mmu_alloc_root`), `arch/x86/kvm/mmu/mmu.c`
 * (`kvm_mmu_reload`).
 */
import { assertEvent, assign, setup } from 'xstate';
import type { ActorPort } from '../../events/actorPort.js';
import { type Delivered, replyTarget } from '../../events/messages.js';
import { type FolioAccess, type MmuTdpInbox, respond } from '../../events/protocol/index.js';
import { typeHint } from '../../model/typeHint.js';
import type { Sibling } from '../composite.js';
import type { MmuTlbContext, TlbCommand } from './tlb.js';

/** A stage-2 mapping. */
export type Spte = {
  readonly root: string;
  readonly gfn: number;
  /** Level: 1 = 4K, 2 = 2M, 3 = 1G. */
  readonly level: number;
  readonly private: boolean;
  /** Backing page: a folio id (guest_memfd) or a shared page id. */
  readonly pfn: string;
  readonly subpage: number;
};

/** Context of the TDP page tables. */
export type MmuTdpContext = {
  readonly port: ActorPort;
  /** SPTEs keyed by `root:gfn` of the leaf's first gfn. */
  readonly sptes: ReadonlyMap<string, Spte>;
  /** The TLB part: accesses in flight (read), told of new accesses and deferred zap acknowledgements. */
  readonly tlb: Sibling<MmuTlbContext, TlbCommand>;
};

/** Input of the TDP page tables. */
export type MmuTdpInput = { readonly port: ActorPort; readonly tlb: Sibling<MmuTlbContext, TlbCommand> };

const LEVEL_PAGES = [0, 1, 512, 262144] as const;

function levelPages(level: number): number {
  return LEVEL_PAGES[level] ?? 1;
}

/** The present leaf of `root` covering `gfn`, if any. */
function findSpte(sptes: ReadonlyMap<string, Spte>, root: string, gfn: number): Spte | undefined {
  for (const s of sptes.values()) {
    if (s.root === root && gfn >= s.gfn && gfn < s.gfn + levelPages(s.level)) return s;
  }
  return undefined;
}

/** True if `[start, end)` of `root` overlaps a present leaf. */
function overlapsSpte(sptes: ReadonlyMap<string, Spte>, root: string, start: number, end: number): boolean {
  for (const s of sptes.values()) {
    if (s.root === root && s.gfn < end && s.gfn + levelPages(s.level) > start) return true;
  }
  return false;
}

/** The TDP page-table machine. */
export const mmuTdpMachine = setup({
  types: { context: typeHint<MmuTdpContext>(), events: typeHint<Delivered<MmuTdpInbox>>(), input: typeHint<MmuTdpInput>() },
  actions: {
    /**
     * `kvm_mmu_reload` -> `kvm_mmu_load` -> `kvm_tdp_mmu_alloc_root` (find or allocate the root of the vCPU's mode);
     * `fail` is the fault injection of the allocation (failslab / fail-nth of the vCPU thread, B9's trigger).
     */
    loadRoot: ({ context, event }) => {
      assertEvent(event, 'mmu.root.load');
      const ok = event.fail !== true;
      context.port.record('MmuRootLoaded', { vcpu: event.from, root: event.root, ok });
      respond(context.port, event, { type: 'mmu.root', ok, root: event.root });
    },
    /** `kvm_tdp_mmu_map` of one leaf. */
    install: assign(({ context, event }) => {
      assertEvent(event, 'mmu.install');
      const { root, gfn } = event;
      let { level, subpage } = event;
      if (findSpte(context.sptes, root, gfn) !== undefined) {
        // Another vCPU mapped it first (RET_PF_SPURIOUS).
        respond(context.port, event, { type: 'mmu.installed', installed: false, level: 0 });
        return {};
      }
      let pages = levelPages(level);
      let first = gfn - (gfn % pages);
      if (level > 1 && overlapsSpte(context.sptes, root, first, first + pages)) {
        // A smaller leaf already exists inside the hugepage: map the faulting 4K page only.
        subpage += gfn - first;
        level = 1;
        pages = 1;
        first = gfn;
      }
      const spte: Spte = { root, gfn: first, level, private: event.private, pfn: event.pfn, subpage };
      const sptes = new Map(context.sptes);
      sptes.set(`${root}:${first}`, spte);
      context.port.record('SptInstalled', { root, gfn: first, level, private: spte.private, pfn: spte.pfn, subpage, by: event.from });
      respond(context.port, event, { type: 'mmu.installed', installed: true, level });
      return { sptes };
    }),
    /** A guest access: through the SPTE to its page (the TLB part remembers it), or an EPT violation. */
    access: ({ context, event }) => {
      assertEvent(event, 'mmu.access');
      const { gfn } = event;
      // `roots`: a SW_PROTECTED access (no private bit) walks whichever root maps the gfn (one root in the kernel).
      const roots = event.roots ?? (event.root === undefined ? [] : [event.root]);
      let s: Spte | undefined;
      for (const root of roots) {
        s = findSpte(context.sptes, root, gfn);
        if (s !== undefined) break;
      }
      if (s === undefined) {
        respond(context.port, event, { type: 'mmu.notPresent', gfn });
        return;
      }
      const access: FolioAccess = { type: 'folio.access', subpage: s.subpage + (gfn - s.gfn), write: event.write, value: event.value ?? 0 };
      context.port.send(s.pfn, access);
      context.tlb.send({ type: 'tlb.accessStarted', page: s.pfn, vcpu: replyTarget(event) });
    },
    /** `kvm_unmap_gfn_range` (with the filter): acknowledged now, or after the flush if an access is in flight. */
    zap: assign(({ context, event }) => {
      assertEvent(event, 'mmu.zap');
      const { start, end, filter } = event;
      const inflight = context.tlb.read().inflight;
      let sptes: Map<string, Spte> | null = null;
      const busy: string[] = [];
      for (const [key, s] of context.sptes) {
        const last = s.gfn + levelPages(s.level);
        if (s.gfn >= end || last <= start) continue;
        if (filter === 'shared' && s.private) continue;
        if (filter === 'private' && !s.private) continue;
        sptes ??= new Map(context.sptes);
        sptes.delete(key);
        context.port.record('SpteZapped', { root: s.root, gfn: s.gfn, level: s.level, private: s.private });
        if (inflight.has(s.pfn)) busy.push(s.pfn);
      }
      const zapped = sptes === null ? 0 : context.sptes.size - sptes.size;
      if (busy.length > 0) context.tlb.send({ type: 'tlb.flushPending', to: replyTarget(event), zapped, pages: busy });
      else respond(context.port, event, { type: 'ack', zapped });
      return sptes === null ? {} : { sptes };
    })
  }
}).createMachine({
  id: 'mmuTdp',
  context: ({ input }) => ({ port: input.port, sptes: new Map(), tlb: input.tlb }),
  initial: 'mapping',
  states: {
    mapping: {
      on: {
        'mmu.root.load': { actions: 'loadRoot' },
        'mmu.install': { actions: 'install' },
        'mmu.access': { actions: 'access' },
        'mmu.zap': { actions: 'zap' }
      }
    }
  }
});
