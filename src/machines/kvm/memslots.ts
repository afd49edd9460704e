/**
 * The VM's memslot set (`kvm->memslots[as_id]` of every address space, spec
 * §1.6, O2, O11): which memslot objects are installed, lookups for the fault
 * path and the VMM, the memslot updates of `KVM_SET_USER_MEMORY_REGION2`, and
 * vCPUs waiting for an INVALID memslot to go. Each memslot is its own actor
 * (`memslot.ts`: `active` / `invalid` / `deleted` / `freed`, with its
 * `lpage_info`); this part creates them and drives them with internal events.
 * One part of the VM owner (`kvm.memslot.*`, `kvm.memslots.*`, `kvm.lpage.*`).
 *
 * ```
 *            kvm.memslot.invalidate                     kvm.memslot.remove (no INVALID memslot left)
 *   valid ──────────────────────────► invalidSlot ──────────────────────────────────────────────► valid
 *                                      │ kvm.memslot.invalidate / remove (another INVALID memslot left)
 *                                      └──► invalidSlot
 * ```
 *
 * `valid`: every installed memslot is valid; `invalidSlot`: a memslot being
 * deleted is installed as its `KVM_MEMSLOT_INVALID` copy (faults on it get
 * `RET_PF_RETRY`; `kvm.memslot.waitValid` on its gfns blocks until
 * `kvm.memslot.remove`: `MemslotWaitValid` / `MemslotValidWoken`). Lookups see
 * installed memslots (INVALID ones included), in installation order. A
 * memslot event its memslot's state does not accept (e.g. `free` of an
 * installed memslot) is a model error. The set does not police callers
 * otherwise: `slots_lock` discipline is judged on the facts.
 *
 * Requests (replies in `src/events/protocol/kvm.ts`): `kvm.memslot.lookup`,
 * `kvm.memslot.byId`, `kvm.memslots.overlapping`, `kvm.memslot.reserveUid`,
 * `kvm.memslot.create`, `kvm.memslot.invalidate`, `kvm.memslot.remove`,
 * `kvm.memslot.free`, `kvm.memslot.clearGmem`, `kvm.memslot.waitValid`,
 * `kvm.lpage.update` (ack first, then the memslot's update facts),
 * `kvm.lpage.changing`, `kvm.lpage.level`.
 * Kernel: `virt/kvm/kvm_main.c` (`kvm_set_memslot`, `kvm_invalidate_memslot`,
 * `kvm_delete_memslot`, `kvm_free_memslot`, `gfn_to_memslot`, `id_to_memslot`),
 * `arch/x86/kvm/mmu/mmu.c` (`kvm_arch_pre_set_memory_attributes`, `kvm_mmu_hugepage_adjust`).
 */
import { type ActorRefFrom, assertEvent, assign, createActor, setup } from 'xstate';
import type { ActorPort } from '../../events/actorPort.js';
import { type Delivered, replyTarget } from '../../events/messages.js';
import { type KvmMemslot, type KvmMemslotsInbox, type KvmMemslotValid, respond } from '../../events/protocol/index.js';
import type { MemslotConfig } from '../../model/env.js';
import type { RangeMap } from '../../model/rangeMap.js';
import { typeHint } from '../../model/typeHint.js';
import { hugeLevelPages } from '../../model/vm.js';
import { type MemslotCommand, type MemslotData, memslotMachine, slotEnd } from './memslot.js';
import type { KvmOptions } from './options.js';

/** A memslot actor. */
export type MemslotRef = ActorRefFrom<typeof memslotMachine>;

/** A vCPU waiting for the INVALID memslot covering `gfn` to go. */
type GfnWaiter = { readonly to: string; readonly gfn: number; readonly asId: number };

/** Context of the memslot set. */
export type KvmMemslotsContext = {
  readonly port: ActorPort;
  readonly options: KvmOptions;
  /** The VM's attribute array (read-only accessor of the attribute part), for the memslots' `lpage_info`. */
  readonly attrs: () => RangeMap<boolean>;
  /** Installed memslots (`active` and `invalid`), by uid, in installation order. */
  readonly installed: ReadonlyMap<string, MemslotRef>;
  /** Memslots swapped out (`deleted`, `freed`), by uid. */
  readonly retired: ReadonlyMap<string, MemslotRef>;
  /** Generation of the next memslot object's uid. */
  readonly nextGen: number;
  readonly validWaiters: readonly GfnWaiter[];
  /** Set-up memslots not installed yet (installed, and emptied, when the set starts). */
  readonly toInstall: readonly MemslotConfig[];
  /** The set-up guest_memfd has `GUEST_MEMFD_FLAG_MMAP` (with the `gmemOnlyMemslots` option: GMEM_ONLY set-up memslots). */
  readonly setupGmemMmap: boolean;
};

/** Input of the memslot set. */
export type KvmMemslotsInput = {
  readonly port: ActorPort;
  readonly options: KvmOptions;
  readonly attrs: () => RangeMap<boolean>;
  /** The memslots the VM starts with (created, in order, when the set starts). */
  readonly initial: readonly MemslotConfig[];
  /** The set-up guest_memfd has `GUEST_MEMFD_FLAG_MMAP` (with the `gmemOnlyMemslots` option: GMEM_ONLY set-up memslots). */
  readonly gmemMmap: boolean;
};

/** A memslot as lookups see it. */
type MemslotView = { readonly slot: MemslotData; readonly mixed: ReadonlySet<string>; readonly invalid: boolean };

function viewOf(ref: MemslotRef): MemslotView {
  const snap = ref.getSnapshot();
  return { slot: snap.context.slot, mixed: snap.context.mixed, invalid: snap.value === 'invalid' };
}

/** The installed memslot of `asId` covering `gfn`. */
function slotAt(installed: ReadonlyMap<string, MemslotRef>, gfn: number, asId: number): MemslotView | undefined {
  for (const ref of installed.values()) {
    const v = viewOf(ref);
    if (v.slot.asId === asId && gfn >= v.slot.baseGfn && gfn < slotEnd(v.slot)) return v;
  }
  return undefined;
}

/** The memslot reply for `v` (or the not-found one). */
function memslotReply(v: MemslotView | undefined): KvmMemslot {
  if (v === undefined) {
    return {
      type: 'kvm.memslot',
      found: false,
      slot: '',
      id: 0,
      asId: 0,
      baseGfn: 0,
      npages: 0,
      gmem: '',
      pgoff: 0,
      userspacePage: 0,
      sharedLevel: 1,
      guestMemfd: false,
      gmemOnly: false,
      invalid: false
    };
  }
  const s = v.slot;
  return {
    type: 'kvm.memslot',
    found: true,
    slot: s.uid,
    id: s.id,
    asId: s.asId,
    baseGfn: s.baseGfn,
    npages: s.npages,
    gmem: s.gmem ?? '',
    pgoff: s.pgoff,
    userspacePage: s.userspacePage,
    sharedLevel: s.sharedLevel,
    guestMemfd: s.guestMemfd,
    gmemOnly: s.gmemOnly,
    invalid: v.invalid
  };
}

/** Creates (and starts: `MemslotCreated`) the actor of memslot `slot`. */
function install(ctx: Pick<KvmMemslotsContext, 'port' | 'options' | 'attrs'>, slot: MemslotData): MemslotRef {
  return createActor(memslotMachine, { input: { port: ctx.port, options: ctx.options, attrs: ctx.attrs, slot } }).start();
}

/** Sends `ev` to memslot `ref`; a memslot state that does not accept it is a model error. */
function drive(ctx: KvmMemslotsContext, ref: MemslotRef, ev: MemslotCommand): void {
  const snap = ref.getSnapshot();
  if (!snap.can(ev)) throw new Error(`${ctx.port.id}: memslot ${snap.context.slot.uid} in state ${snap.value} does not accept ${ev.type}`);
  ref.send(ev);
  const after = ref.getSnapshot();
  if (after.status === 'error') throw after.error;
}

function installedRef(ctx: KvmMemslotsContext, uid: string, what: string): MemslotRef {
  const ref = ctx.installed.get(uid);
  if (ref === undefined) throw new Error(`${ctx.port.id}: ${what} of unknown memslot ${uid}`);
  return ref;
}

const VALID: KvmMemslotValid = { type: 'kvm.memslot.valid' };

/** The memslot-set machine. */
export const kvmMemslotsMachine = setup({
  types: { context: typeHint<KvmMemslotsContext>(), events: typeHint<Delivered<KvmMemslotsInbox>>(), input: typeHint<KvmMemslotsInput>() },
  actions: {
    /** The VM's set-up memslots (after `VmCreated`: one `MemslotCreated` each). */
    installInitial: assign(({ context }) => {
      const installed = new Map<string, MemslotRef>();
      let gen = context.nextGen;
      for (const c of context.toInstall) {
        const slot: MemslotData = {
          uid: `s${c.asId}.${c.id}#${gen++}`,
          id: c.id,
          asId: c.asId,
          baseGfn: c.baseGfn,
          npages: c.npages,
          guestMemfd: c.gmem !== null,
          gmemOnly: c.gmem !== null && context.setupGmemMmap && context.options.gmemOnlyMemslots,
          gmem: c.gmem,
          pgoff: c.pgoff,
          userspacePage: c.userspacePage,
          sharedLevel: c.sharedLevel
        };
        installed.set(slot.uid, install(context, slot));
      }
      return { installed, nextGen: gen, toInstall: [] };
    }),
    /** `gfn_to_memslot`. */
    lookup: ({ context, event }) => {
      assertEvent(event, 'kvm.memslot.lookup');
      respond(context.port, event, memslotReply(slotAt(context.installed, event.gfn, event.asId ?? 0)));
    },
    /** `id_to_memslot`. */
    byId: ({ context, event }) => {
      assertEvent(event, 'kvm.memslot.byId');
      const asId = event.asId ?? 0;
      let found: MemslotView | undefined;
      for (const ref of context.installed.values()) {
        const v = viewOf(ref);
        if (v.slot.id === event.id && v.slot.asId === asId) {
          found = v;
          break;
        }
      }
      respond(context.port, event, memslotReply(found));
    },
    /** `kvm_for_each_memslot_in_gfn_range` (one or every address space). */
    overlapping: ({ context, event }) => {
      assertEvent(event, 'kvm.memslots.overlapping');
      const { start, end, asId } = event;
      const list = [...context.installed.values()]
        .map((ref) => viewOf(ref).slot)
        .filter((s) => (asId === undefined || s.asId === asId) && s.baseGfn < end && slotEnd(s) > start)
        .sort((a, b) => a.asId - b.asId || a.baseGfn - b.baseGfn);
      respond(context.port, event, {
        type: 'kvm.memslots',
        slots: list.map((s) => s.uid),
        ids: list.map((s) => s.id),
        asIds: list.map((s) => s.asId),
        baseGfns: list.map((s) => s.baseGfn),
        npages: list.map((s) => s.npages),
        gmems: list.map((s) => s.gmem ?? ''),
        pgoffs: list.map((s) => s.pgoff),
        userspacePages: list.map((s) => s.userspacePage),
        guestMemfds: list.map((s) => s.guestMemfd),
        gmemOnlys: list.map((s) => s.gmemOnly)
      });
    },
    /** Allocates the new memslot object's uid (it names the guest_memfd binding before the memslot is visible). */
    reserveUid: assign(({ context, event }) => {
      assertEvent(event, 'kvm.memslot.reserveUid');
      respond(context.port, event, { type: 'kvm.memslot.uid', slot: `s${event.asId}.${event.id}#${context.nextGen}` });
      return { nextGen: context.nextGen + 1 };
    }),
    /** `kvm_create_memslot` + `kvm_swap_active_memslots`: the new memslot is installed (`MemslotCreated`). */
    create: assign(({ context, event }) => {
      assertEvent(event, 'kvm.memslot.create');
      const gmem = event.gmem !== undefined && event.gmem !== '' ? event.gmem : null;
      const slot: MemslotData = {
        uid: event.slot ?? `s${event.asId}.${event.id}#${context.nextGen}`,
        id: event.id,
        asId: event.asId,
        baseGfn: event.baseGfn,
        npages: event.npages,
        guestMemfd: gmem !== null,
        gmemOnly: event.gmemOnly === true,
        gmem,
        pgoff: event.pgoff,
        userspacePage: event.userspacePage,
        sharedLevel: event.sharedLevel ?? 1
      };
      const installed = new Map(context.installed);
      installed.set(slot.uid, install(context, slot));
      respond(context.port, event, { type: 'kvm.memslot.created', slot: slot.uid });
      return { installed, nextGen: context.nextGen + 1 };
    }),
    /** `kvm_invalidate_memslot`: the memslot's INVALID copy replaces it. */
    invalidate: ({ context, event }) => {
      assertEvent(event, 'kvm.memslot.invalidate');
      drive(context, installedRef(context, event.slot, 'invalidate'), { type: 'memslot.invalidate' });
      respond(context.port, event, { type: 'ack' });
    },
    /** `kvm_delete_memslot`: swapped out; the vCPUs waiting for its gfns go on. */
    remove: assign(({ context, event }) => {
      assertEvent(event, 'kvm.memslot.remove');
      const ref = installedRef(context, event.slot, 'removal');
      drive(context, ref, { type: 'memslot.delete' });
      const installed = new Map(context.installed);
      installed.delete(event.slot);
      const retired = new Map(context.retired);
      retired.set(event.slot, ref);
      respond(context.port, event, { type: 'ack' });
      const still: GfnWaiter[] = [];
      for (const w of context.validWaiters) {
        if (slotAt(installed, w.gfn, w.asId)?.invalid === true) still.push(w);
        else {
          context.port.record('MemslotValidWoken', { vm: context.port.id, holder: w.to });
          context.port.send(w.to, VALID);
        }
      }
      return { installed, retired, validWaiters: still };
    }),
    /** `kvm_free_memslot`. */
    free: ({ context, event }) => {
      assertEvent(event, 'kvm.memslot.free');
      const ref = context.retired.get(event.slot) ?? installedRef(context, event.slot, 'free');
      drive(context, ref, { type: 'memslot.free' });
      respond(context.port, event, { type: 'ack' });
    },
    /** `WRITE_ONCE(slot->gmem.file, NULL)`: into the memslot object whatever its state (an unknown uid: recorded only). */
    clearGmem: ({ context, event }) => {
      assertEvent(event, 'kvm.memslot.clearGmem');
      const ref = context.installed.get(event.slot) ?? context.retired.get(event.slot);
      if (ref !== undefined) drive(context, ref, { type: 'memslot.clearGmem', by: event.from });
      else context.port.record('MemslotGmemCleared', { vm: context.port.id, slot: event.slot, by: event.from, freed: false });
      respond(context.port, event, { type: 'ack' });
    },
    /** No INVALID memslot: the vCPU goes on at once. */
    answerWaitValid: ({ context, event }) => {
      assertEvent(event, 'kvm.memslot.waitValid');
      respond(context.port, event, VALID);
    },
    /** The vCPU waits while an INVALID memslot covers its gfn. */
    waitValid: assign(({ context, event }) => {
      assertEvent(event, 'kvm.memslot.waitValid');
      const w: GfnWaiter = { to: replyTarget(event), gfn: event.gfn, asId: event.asId ?? 0 };
      if (slotAt(context.installed, w.gfn, w.asId)?.invalid !== true) {
        respond(context.port, event, VALID);
        return {};
      }
      context.port.record('MemslotWaitValid', { vm: context.port.id, holder: w.to, gfn: w.gfn, asId: w.asId });
      return { validWaiters: [...context.validWaiters, w] };
    }),
    /** `kvm_arch_post_set_memory_attributes` of one memslot (acknowledged first, as the model always did). */
    lpageUpdate: ({ context, event }) => {
      assertEvent(event, 'kvm.lpage.update');
      respond(context.port, event, { type: 'ack' });
      const ref = context.installed.get(event.slot);
      if (ref !== undefined) drive(context, ref, { type: 'memslot.lpageUpdate', start: event.start, end: event.end });
    },
    /**
     * `kvm_arch_pre_set_memory_attributes` (upstream 9129633d568e): the head and tail hugepages of
     * the range that still allow a hugepage (contained in the slot, not mixed) join the invalidation.
     */
    lpageChanging: ({ context, event }) => {
      assertEvent(event, 'kvm.lpage.changing');
      const ref = context.installed.get(event.slot);
      const starts: number[] = [];
      const ends: number[] = [];
      const { start, end } = event;
      if (ref !== undefined) {
        const { slot, mixed } = viewOf(ref);
        for (const l of [2, 3]) {
          const n = hugeLevelPages(l);
          const head = start - (start % n);
          const tail = end - 1 - ((end - 1) % n);
          const allows = (base: number): boolean => base >= slot.baseGfn && base + n <= slotEnd(slot) && !mixed.has(`${l}:${base}`);
          if ((head !== start || head + n > end) && allows(head)) {
            starts.push(head);
            ends.push(head + n);
          }
          if (tail !== head && tail + n > end && allows(tail)) {
            starts.push(tail);
            ends.push(tail + n);
          }
        }
      }
      respond(context.port, event, { type: 'kvm.lpage.changing', starts, ends });
    },
    /** `kvm_mmu_hugepage_adjust`: the largest level the memslot's containment and `lpage_info` allow. */
    lpageLevel: ({ context, event }) => {
      assertEvent(event, 'kvm.lpage.level');
      const ref = context.installed.get(event.slot);
      let level = 1;
      if (ref !== undefined) {
        const { slot, mixed } = viewOf(ref);
        for (const l of [3, 2]) {
          if (l > event.maxLevel) continue;
          const n = hugeLevelPages(l);
          const base = event.gfn - (event.gfn % n);
          if (base < slot.baseGfn || base + n > slotEnd(slot) || mixed.has(`${l}:${base}`)) continue;
          // Mixed flags are only computed for hugepages the slot contains; a contained 1G page needs no 2M child mixed.
          level = l;
          break;
        }
      }
      respond(context.port, event, { type: 'kvm.lpage.level', level });
    }
  },
  guards: {
    /** After this removal an INVALID memslot is still installed. */
    invalidRemains: ({ context, event }) => {
      assertEvent(event, 'kvm.memslot.remove');
      for (const [uid, ref] of context.installed) if (uid !== event.slot && ref.getSnapshot().value === 'invalid') return true;
      return false;
    }
  }
}).createMachine({
  id: 'kvmMemslots',
  context: ({ input }) => ({
    port: input.port,
    options: input.options,
    attrs: input.attrs,
    installed: new Map(),
    retired: new Map(),
    nextGen: 1,
    validWaiters: [],
    toInstall: input.initial,
    setupGmemMmap: input.gmemMmap
  }),
  entry: 'installInitial',
  initial: 'valid',
  states: {
    valid: {
      on: {
        'kvm.memslot.lookup': { actions: 'lookup' },
        'kvm.memslot.byId': { actions: 'byId' },
        'kvm.memslots.overlapping': { actions: 'overlapping' },
        'kvm.memslot.reserveUid': { actions: 'reserveUid' },
        'kvm.memslot.create': { actions: 'create' },
        'kvm.memslot.invalidate': { target: 'invalidSlot', actions: 'invalidate' },
        'kvm.memslot.free': { actions: 'free' },
        'kvm.memslot.clearGmem': { actions: 'clearGmem' },
        'kvm.memslot.waitValid': { actions: 'answerWaitValid' },
        'kvm.lpage.update': { actions: 'lpageUpdate' },
        'kvm.lpage.changing': { actions: 'lpageChanging' },
        'kvm.lpage.level': { actions: 'lpageLevel' }
      }
    },
    invalidSlot: {
      on: {
        'kvm.memslot.lookup': { actions: 'lookup' },
        'kvm.memslot.byId': { actions: 'byId' },
        'kvm.memslots.overlapping': { actions: 'overlapping' },
        'kvm.memslot.reserveUid': { actions: 'reserveUid' },
        'kvm.memslot.create': { actions: 'create' },
        'kvm.memslot.invalidate': { actions: 'invalidate' },
        'kvm.memslot.remove': [
          { guard: 'invalidRemains', actions: 'remove' },
          { target: 'valid', actions: 'remove' }
        ],
        'kvm.memslot.free': { actions: 'free' },
        'kvm.memslot.clearGmem': { actions: 'clearGmem' },
        'kvm.memslot.waitValid': { actions: 'waitValid' },
        'kvm.lpage.update': { actions: 'lpageUpdate' },
        'kvm.lpage.changing': { actions: 'lpageChanging' },
        'kvm.lpage.level': { actions: 'lpageLevel' }
      }
    }
  }
});
