/**
 * One memslot object (`struct kvm_memory_slot`, spec §1.6, O2) with its
 * `lpage_info` hugepage mixed flags (`slot->arch.lpage_info`, O11). The memslot
 * set (`memslots.ts`) creates one actor of this machine per memslot and drives
 * it with internal events; it is not addressed by messages.
 *
 * ```
 *            memslot.invalidate              memslot.delete                memslot.free
 *   active ─────────────────────► invalid ─────────────────► deleted ─────────────────► freed
 *   active, invalid: memslot.lpageUpdate; every state: memslot.clearGmem
 * ```
 *
 * - `active`: installed in `kvm->memslots[as_id]` (`kvm_create_memslot` +
 *   `kvm_swap_active_memslots`; fact `MemslotCreated` on entry).
 * - `invalid`: the `KVM_MEMSLOT_INVALID` copy installed by
 *   `kvm_invalidate_memslot` while the memslot is being deleted (faults on it
 *   retry; `MemslotInvalidated`).
 * - `deleted`: swapped out of the active set by `kvm_delete_memslot`, memory
 *   not freed yet (`MemslotDeleted`).
 * - `freed`: `kvm_free_memslot` freed it (`MemslotFreed`). A later
 *   `WRITE_ONCE(slot->gmem.file, NULL)` (`memslot.clearGmem`) is a
 *   use-after-free the model performs and records (`MemslotGmemCleared{freed:
 *   true}`, INV-10 judges it).
 *
 * `lpage_info` MIXED flags are kept as `level:base gfn` strings for the 2M and
 * 1G hugepages wholly inside the memslot (`kvm_mmu_init_memslot_memory_attributes`
 * at creation), updated by `kvm_arch_post_set_memory_attributes`
 * (`memslot.lpageUpdate`: `LpageInfoRead` / `LpageMixedUpdated`; the head
 * hugepage's check is the `lpageHead` option, variant B5). The attributes are
 * read through the attribute array's accessor.
 * Kernel: `virt/kvm/kvm_main.c`, `arch/x86/kvm/mmu/mmu.c`.
 */
import { assertEvent, assign, setup } from 'xstate';
import type { ActorPort } from '../../events/actorPort.js';
import type { RangeMap } from '../../model/rangeMap.js';
import { typeHint } from '../../model/typeHint.js';
import { hugeLevelPages, LPAGE_UPDATE_MAX } from '../../model/vm.js';
import type { KvmOptions } from './options.js';

/** What a memslot is created with (spec §1.6). */
export type MemslotData = {
  /** Unique id of this memslot object (a re-created slot gets a new one). */
  readonly uid: string;
  readonly id: number;
  readonly asId: number;
  readonly baseGfn: number;
  readonly npages: number;
  /** `KVM_MEM_GUEST_MEMFD`. */
  readonly guestMemfd: boolean;
  /** `KVM_MEMSLOT_GMEM_ONLY` (6.18: the bound guest_memfd supports mmap; every fault is served from it). */
  readonly gmemOnly: boolean;
  /** `slot->gmem.file`: the guest_memfd actor, null once unbound/released. */
  readonly gmem: string | null;
  readonly pgoff: number;
  /** `userspace_addr` as a host page number (0 = NULL). */
  readonly userspacePage: number;
  /** Host mapping level of the userspace backing (THP/hugetlbfs). */
  readonly sharedLevel: number;
};

/** Internal events the memslot set sends a memslot. */
export type MemslotCommand =
  /** `kvm_invalidate_memslot`: the INVALID copy is installed. */
  | { readonly type: 'memslot.invalidate' }
  /** `kvm_delete_memslot`: swapped out of the active set. */
  | { readonly type: 'memslot.delete' }
  /** `kvm_free_memslot`. */
  | { readonly type: 'memslot.free' }
  /** `WRITE_ONCE(slot->gmem.file, NULL)` by `by` (unbind or guest_memfd release). */
  | { readonly type: 'memslot.clearGmem'; readonly by: string }
  /** `kvm_arch_post_set_memory_attributes` for gfns `[start, end)`. */
  | { readonly type: 'memslot.lpageUpdate'; readonly start: number; readonly end: number };

/** Context of a memslot. */
export type MemslotContext = {
  readonly port: ActorPort;
  readonly options: KvmOptions;
  /** The VM's attribute array (read-only accessor of the attribute part). */
  readonly attrs: () => RangeMap<boolean>;
  readonly slot: MemslotData;
  /** `lpage_info` MIXED flags set: `level:hugepage base gfn`. */
  readonly mixed: ReadonlySet<string>;
};

/** Input of a memslot. */
export type MemslotInput = {
  readonly port: ActorPort;
  readonly options: KvmOptions;
  readonly attrs: () => RangeMap<boolean>;
  readonly slot: MemslotData;
};

/** First gfn after the memslot. */
export function slotEnd(s: MemslotData): number {
  return s.baseGfn + s.npages;
}

/** `hugepage_has_attrs`: every gfn of the hugepage has the same attribute (1G: and no mixed 2M child). */
function hugepageUniform(attrs: RangeMap<boolean>, mixed: ReadonlySet<string>, base: number, level: number): boolean {
  const n = hugeLevelPages(level);
  if (level === 3) {
    for (const k of mixed) {
      const [l, b] = k.split(':').map(Number);
      if (l === 2 && b !== undefined && b >= base && b < base + n) return false;
    }
  }
  return attrs.uniform(base, base + n, attrs.get(base));
}

/** `kvm_mmu_init_memslot_memory_attributes`: mixed flags of every hugepage fully inside the new slot. */
function initMixed(attrs: RangeMap<boolean>, s: MemslotData): Set<string> {
  const mixed = new Set<string>();
  for (const level of [2, 3]) {
    const n = hugeLevelPages(level);
    let b = Math.ceil(s.baseGfn / n) * n;
    for (let k = 0; k < LPAGE_UPDATE_MAX && b + n <= s.baseGfn + s.npages; k++, b += n) {
      if (!hugepageUniform(attrs, mixed, b, level)) mixed.add(`${level}:${b}`);
    }
  }
  return mixed;
}

/** `kvm_arch_post_set_memory_attributes` for one slot (O11, F-992b): the new mixed flags, facts recorded. */
function postSetUpdate(ctx: MemslotContext, start: number, end: number): Set<string> {
  const s = ctx.slot;
  const attrs = ctx.attrs();
  const mixed = new Set(ctx.mixed);
  const id = ctx.port.id;
  const rs = Math.max(start, s.baseGfn);
  const re = Math.min(end, slotEnd(s));
  const set = (level: number, base: number, isMixed: boolean): void => {
    const k = `${level}:${base}`;
    if (mixed.has(k) === isMixed) return;
    if (isMixed) mixed.add(k);
    else mixed.delete(k);
    ctx.port.record('LpageMixedUpdated', { vm: id, slot: s.uid, level, base, mixed: isMixed });
  };
  const evaluate = (level: number, base: number): void => {
    const n = hugeLevelPages(level);
    const contained = base >= s.baseGfn && base + n <= slotEnd(s);
    ctx.port.record('LpageInfoRead', { vm: id, slot: s.uid, level, base, contained });
    // Beyond the slot the model reads nothing (the kernel's read is out of bounds): the head is then "uniform".
    const uniform = !contained || hugepageUniform(attrs, mixed, base, level);
    set(level, base, !uniform);
  };
  if (rs >= re) return mixed;
  for (const level of [2, 3]) {
    const n = hugeLevelPages(level);
    let gfn = rs - (rs % n);
    if (gfn !== rs || gfn + n > re) {
      const headOk = ctx.options.lpageHead === 'base-in-slot' ? gfn >= s.baseGfn : gfn >= s.baseGfn && gfn + n <= slotEnd(s);
      if (headOk) evaluate(level, gfn);
      gfn += n;
    }
    for (let k = 0; k < LPAGE_UPDATE_MAX && gfn + n <= re; k++, gfn += n) set(level, gfn, false);
    if (gfn < re && gfn + n <= slotEnd(s)) evaluate(level, gfn);
  }
  return mixed;
}

function flagsOf(s: MemslotData, invalid: boolean): string {
  return [s.guestMemfd ? 'GUEST_MEMFD' : '', s.gmemOnly ? 'GMEM_ONLY' : '', invalid ? 'INVALID' : ''].filter((f) => f !== '').join(',');
}

/** The memslot machine. */
export const memslotMachine = setup({
  types: { context: typeHint<MemslotContext>(), events: typeHint<MemslotCommand>(), input: typeHint<MemslotInput>() },
  actions: {
    /** The memslot is installed (`MemslotCreated`). */
    announce: ({ context }) => {
      const { port, slot: s } = context;
      port.record('MemslotCreated', {
        vm: port.id,
        slot: s.uid,
        id: s.id,
        asId: s.asId,
        baseGfn: s.baseGfn,
        npages: s.npages,
        flags: flagsOf(s, false),
        gmem: s.gmem ?? '',
        pgoff: s.pgoff,
        userspacePage: s.userspacePage
      });
    },
    /** `kvm_invalidate_memslot`. */
    invalidate: ({ context }) => {
      const s = context.slot;
      context.port.record('MemslotInvalidated', { vm: context.port.id, slot: s.uid, id: s.id, asId: s.asId });
    },
    /** `kvm_delete_memslot`. */
    delete: ({ context }) => {
      const s = context.slot;
      context.port.record('MemslotDeleted', { vm: context.port.id, slot: s.uid, id: s.id, asId: s.asId });
    },
    /** `kvm_free_memslot`. */
    free: ({ context }) => {
      context.port.record('MemslotFreed', { vm: context.port.id, slot: context.slot.uid });
    },
    /** `WRITE_ONCE(slot->gmem.file, NULL)`: a write into the memslot object, freed (`params.freed`) or not. */
    clearGmem: assign(({ context, event }, params: { readonly freed: boolean }) => {
      assertEvent(event, 'memslot.clearGmem');
      context.port.record('MemslotGmemCleared', { vm: context.port.id, slot: context.slot.uid, by: event.by, freed: params.freed });
      return { slot: { ...context.slot, gmem: null } };
    }),
    /** `kvm_arch_post_set_memory_attributes`: mixed flags of the changed range's hugepages. */
    lpageUpdate: assign(({ context, event }) => {
      assertEvent(event, 'memslot.lpageUpdate');
      return { mixed: postSetUpdate(context, event.start, event.end) };
    })
  }
}).createMachine({
  id: 'memslot',
  context: ({ input }) => ({
    port: input.port,
    options: input.options,
    attrs: input.attrs,
    slot: input.slot,
    mixed: initMixed(input.attrs(), input.slot)
  }),
  initial: 'active',
  states: {
    active: {
      entry: 'announce',
      on: {
        'memslot.invalidate': { target: 'invalid', actions: 'invalidate' },
        'memslot.lpageUpdate': { actions: 'lpageUpdate' },
        'memslot.clearGmem': { actions: { type: 'clearGmem', params: { freed: false } } }
      }
    },
    invalid: {
      on: {
        'memslot.delete': { target: 'deleted', actions: 'delete' },
        'memslot.lpageUpdate': { actions: 'lpageUpdate' },
        'memslot.clearGmem': { actions: { type: 'clearGmem', params: { freed: false } } }
      }
    },
    deleted: {
      on: {
        'memslot.free': { target: 'freed', actions: 'free' },
        'memslot.clearGmem': { actions: { type: 'clearGmem', params: { freed: false } } }
      }
    },
    freed: {
      on: {
        'memslot.clearGmem': { actions: { type: 'clearGmem', params: { freed: true } } }
      }
    }
  }
});
