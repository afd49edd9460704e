/**
 * The VM (`struct kvm`, spec §1.6, §1.7, §1.8, §2): VM type, memslots per
 * address space, `slots_lock` (mutex), `kvm->srcu` readers and
 * `synchronize_srcu` waiters, `mn_active_invalidate_count`, the VM attribute
 * array `mem_attr_array` (upstream truth of private/shared, O6), the per-slot
 * hugepage mixed flags (`lpage_info`, O11), `pre_fault_allowed`, `dead`, and the
 * VM refcount held by guest_memfd files (§1.2). Actor id `kvm`.
 *
 * ```
 *  region slotsLock: unlocked ◄──► locked                   (follows the mutex)
 *  region srcu:      quiet ── srcu.synchronize with readers inside ──► syncing ── last of them leaves ──► quiet
 *  memslot:          (none) ── create ──► active ── invalidate ──► INVALID ── remove ──► deleted ── free ──► freed
 * ```
 *
 * Like every owner it does not police callers: writes of attributes outside
 * `slots_lock`, writes to a freed memslot etc. are done and recorded; the
 * checkers (INV-4, INV-10, ...) judge them from the facts.
 *
 * Requests (replies are flat; lists are parallel):
 * - `lock.acquire` / `lock.release` `slots` (W only);
 * - `kvm.srcu.lock` -> `kvm.srcu.locked{session}`, `kvm.srcu.unlock{session}` -> `ack`,
 *   `kvm.srcu.synchronize` -> `kvm.srcu.synchronized` once every reader inside at request time left;
 * - `kvm.memslot.lookup{gfn, asId}` / `kvm.memslot.byId{id, asId}` -> `kvm.memslot{found, slot, id, asId,
 *   baseGfn, npages, gmem, pgoff, userspacePage, sharedLevel, guestMemfd, gmemOnly, invalid}`;
 * - `kvm.memslots.overlapping{start, end, asId?}` -> `kvm.memslots{slots, ids, asIds, baseGfns, npages, gmems,
 *   pgoffs, userspacePages, guestMemfds}` (all address spaces when `asId` is absent; INVALID slots included);
 * - `kvm.memslot.reserveUid{id, asId}` -> `kvm.memslot.uid{slot}`, `kvm.memslot.create{slot?, ...}` -> `kvm.memslot.created{slot}`, `kvm.memslot.invalidate{slot}`,
 *   `kvm.memslot.remove{slot}`, `kvm.memslot.free{slot}`, `kvm.memslot.clearGmem{slot}` -> `ack`;
 *   `kvm.memslot.waitValid{gfn, asId}` -> `kvm.memslot.valid` once no INVALID slot covers the gfn;
 *   (blocking waits record `MemslotWaitValid` / `MemslotValidWoken`);
 * - `kvm.vm.state` -> `kvm.vm.state{type, preFaultAllowed, dead}`, `kvm.vm.markDead` -> `ack` (`VmMarkedDead`);
 * - `kvm.mn.start` / `kvm.mn.end` -> `ack`, `kvm.mn.wait` -> `ack` once `mn_active_invalidate_count == 0`;
 * - `kvm.attr.read{gfn}` -> `kvm.attr{private}`, `kvm.attr.uniform{start, end, private}` -> `kvm.attr.uniform{uniform}`,
 *   `kvm.attr.reserve{start, end}` / `kvm.attr.store{start, end, private}` -> `ack`;
 * - `kvm.lpage.update{slot, start, end}` -> `ack` (post-set mixed-flag update of one slot, O11),
 *   `kvm.lpage.level{slot, gfn, maxLevel}` -> `kvm.lpage.level{level}`;
 * - `kvm.gmem.create{pages, flags}` -> `kvm.gmem.created{rc, gmem}` (KVM_CREATE_GUEST_MEMFD, O1);
 * - `kvm.get` / `kvm.put` -> `ack` (VM refcount).
 */
import { assign, setup } from 'xstate';
import type { Value } from '../events/logEntry.js';
import { type Delivered, replyTarget } from '../events/messages.js';
import { hasVariant, type ModelEnv, type VmType } from '../model/env.js';
import { RangeMap } from '../model/rangeMap.js';
import { FREE_LOCK, type RwLock } from '../model/rwLock.js';
import type { ActorPort } from '../events/actorPort.js';
import { handleLockMessage } from './lockOwner.js';
import {
  GFN_SPACE,
  GUEST_MEMFD_FLAG_INIT_SHARED,
  GUEST_MEMFD_FLAG_MMAP,
  hugeLevelPages,
  LPAGE_UPDATE_MAX,
  memslotsOf,
  supportedGmemFlags,
  vmTypeOf
} from '../model/vm.js';

/** A memslot (spec §1.6). */
export interface Memslot {
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
  /** `KVM_MEMSLOT_INVALID` (being deleted). */
  readonly invalid: boolean;
  /** `slot->gmem.file`: the guest_memfd actor, null once unbound/released. */
  readonly gmem: string | null;
  readonly pgoff: number;
  /** `userspace_addr` as a host page number (0 = NULL). */
  readonly userspacePage: number;
  /** Host mapping level of the userspace backing (THP/hugetlbfs). */
  readonly sharedLevel: number;
  /** `lpage_info` MIXED flags set: `level:hugepage base gfn`. */
  readonly mixed: ReadonlySet<string>;
}

interface SyncWaiter {
  readonly to: string;
  readonly sessions: readonly number[];
}

interface GfnWaiter {
  readonly to: string;
  readonly gfn: number;
  readonly asId: number;
}

/** Context of the VM. */
export interface VmContext {
  readonly port: ActorPort;
  readonly env: ModelEnv;
  readonly type: VmType;
  readonly preFaultAllowed: boolean;
  readonly dead: boolean;
  /** Installed memslots (INVALID ones included), by uid. */
  readonly slots: ReadonlyMap<string, Memslot>;
  /** Deleted (removed) memslots whose memory is not freed yet, and freed ones. */
  readonly deleted: ReadonlyMap<string, Memslot>;
  readonly freed: ReadonlySet<string>;
  readonly nextGen: number;
  readonly slotsLock: RwLock;
  /** SRCU read sections: session -> holder. */
  readonly srcu: ReadonlyMap<number, string>;
  readonly nextSession: number;
  readonly syncWaiters: readonly SyncWaiter[];
  readonly validWaiters: readonly GfnWaiter[];
  readonly mnActive: number;
  readonly mnWaiters: readonly string[];
  /** `mem_attr_array`: true = KVM_MEMORY_ATTRIBUTE_PRIVATE, per gfn. */
  readonly attrs: RangeMap<boolean>;
  /** VM refcount (`users_count`). */
  readonly users: number;
  readonly nextGmem: number;
}

/** Input of the VM machine. */
export interface VmInput {
  readonly port: ActorPort;
  readonly env: ModelEnv;
}

type Patch = { -readonly [K in keyof VmContext]?: VmContext[K] };

function slotEnd(s: Memslot): number {
  return s.baseGfn + s.npages;
}

function flagsOf(s: Memslot): string {
  return [s.guestMemfd ? 'GUEST_MEMFD' : '', s.gmemOnly ? 'GMEM_ONLY' : '', s.invalid ? 'INVALID' : ''].filter((f) => f !== '').join(',');
}

/** The flat description of a memslot in replies and facts. */
function slotData(s: Memslot | undefined): Record<string, Value> {
  if (s === undefined) {
    return {
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
  return {
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
    invalid: s.invalid
  };
}

/** The installed slot of `asId` covering `gfn`. */
export function slotAt(slots: ReadonlyMap<string, Memslot>, gfn: number, asId: number): Memslot | undefined {
  for (const s of slots.values()) if (s.asId === asId && gfn >= s.baseGfn && gfn < slotEnd(s)) return s;
  return undefined;
}

/** `hugepage_has_attrs`: every gfn of the hugepage has the same attribute (1G: and no mixed 2M child). */
function hugepageUniform(attrs: RangeMap<boolean>, mixed: ReadonlySet<string>, base: number, level: number): boolean {
  const n = hugeLevelPages(level);
  if (level === 3) {
    for (const k of mixed) {
      const [l, b] = k.split(':').map(Number) as [number, number];
      if (l === 2 && b >= base && b < base + n) return false;
    }
  }
  return attrs.uniform(base, base + n, attrs.get(base));
}

/** `kvm_mmu_init_memslot_memory_attributes`: mixed flags of every hugepage fully inside the new slot. */
function initMixed(attrs: RangeMap<boolean>, s: Omit<Memslot, 'mixed'>): Set<string> {
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

/** `kvm_arch_post_set_memory_attributes` for one slot (O11, F-992b; B5 drops the containment check of the head). */
function postSetUpdate(ctx: VmContext, s: Memslot, start: number, end: number): Set<string> {
  const mixed = new Set(s.mixed);
  const id = ctx.port.id;
  const rs = Math.max(start, s.baseGfn);
  const re = Math.min(end, slotEnd(s));
  const evaluate = (level: number, base: number): void => {
    const n = hugeLevelPages(level);
    const contained = base >= s.baseGfn && base + n <= slotEnd(s);
    ctx.port.record('LpageInfoRead', { vm: id, slot: s.uid, level, base, contained });
    // Beyond the slot the model reads nothing (the kernel's read is out of bounds): the head is then "uniform".
    const uniform = !contained || hugepageUniform(ctx.attrs, mixed, base, level);
    set(level, base, !uniform);
  };
  const set = (level: number, base: number, isMixed: boolean): void => {
    const k = `${level}:${base}`;
    if (mixed.has(k) === isMixed) return;
    if (isMixed) mixed.add(k);
    else mixed.delete(k);
    ctx.port.record('LpageMixedUpdated', { vm: id, slot: s.uid, level, base, mixed: isMixed });
  };
  if (rs >= re) return mixed;
  for (const level of [2, 3]) {
    const n = hugeLevelPages(level);
    let gfn = rs - (rs % n);
    if (gfn !== rs || gfn + n > re) {
      const headOk = hasVariant(ctx.env, 'B5') ? gfn >= s.baseGfn : gfn >= s.baseGfn && gfn + n <= slotEnd(s);
      if (headOk) evaluate(level, gfn);
      gfn += n;
    }
    for (let k = 0; k < LPAGE_UPDATE_MAX && gfn + n <= re; k++, gfn += n) set(level, gfn, false);
    if (gfn < re && gfn + n <= slotEnd(s)) evaluate(level, gfn);
  }
  return mixed;
}

function onRequest(ctx: VmContext, m: Delivered): Patch {
  const id = ctx.port.id;
  const to = replyTarget(m);
  const reply = (type: string, data: Record<string, Value> = {}): void => ctx.port.send(to, { type, ...data });
  const num = (f: string): number => m[f] as number;
  const uid = m['slot'] as string;
  switch (m.type) {
    case 'lock.acquire':
    case 'lock.release':
      return { slotsLock: handleLockMessage(ctx.port, 'slots', ctx.slotsLock, m) };
    case 'kvm.srcu.lock': {
      const session = ctx.nextSession;
      const srcu = new Map(ctx.srcu);
      srcu.set(session, m.from);
      ctx.port.record('SrcuReadLock', { vm: id, holder: m.from, session });
      reply('kvm.srcu.locked', { session });
      return { srcu, nextSession: session + 1 };
    }
    case 'kvm.srcu.unlock': {
      const session = num('session');
      if (ctx.srcu.get(session) !== m.from) throw new Error(`${id}: ${m.from} leaves SRCU session ${session} it is not in`);
      const srcu = new Map(ctx.srcu);
      srcu.delete(session);
      ctx.port.record('SrcuReadUnlock', { vm: id, holder: m.from, session });
      reply('ack');
      const still: SyncWaiter[] = [];
      for (const w of ctx.syncWaiters) {
        if (w.sessions.some((x) => srcu.has(x))) still.push(w);
        else {
          ctx.port.record('SrcuSyncDone', { vm: id, holder: w.to });
          ctx.port.send(w.to, { type: 'kvm.srcu.synchronized' });
        }
      }
      return { srcu, syncWaiters: still };
    }
    case 'kvm.srcu.synchronize': {
      const sessions = [...ctx.srcu.keys()];
      ctx.port.record('SrcuSyncWaiting', { vm: id, holder: to, readers: sessions.length });
      if (sessions.length === 0) {
        ctx.port.record('SrcuSyncDone', { vm: id, holder: to });
        reply('kvm.srcu.synchronized');
        return {};
      }
      return { syncWaiters: [...ctx.syncWaiters, { to, sessions }] };
    }
    case 'kvm.memslot.lookup':
      reply('kvm.memslot', slotData(slotAt(ctx.slots, num('gfn'), (m['asId'] as number | undefined) ?? 0)));
      return {};
    case 'kvm.memslot.byId': {
      const asId = (m['asId'] as number | undefined) ?? 0;
      reply('kvm.memslot', slotData([...ctx.slots.values()].find((s) => s.id === num('id') && s.asId === asId)));
      return {};
    }
    case 'kvm.memslots.overlapping': {
      const start = num('start');
      const end = num('end');
      const asId = m['asId'] as number | undefined;
      const list = [...ctx.slots.values()]
        .filter((s) => (asId === undefined || s.asId === asId) && s.baseGfn < end && slotEnd(s) > start)
        .sort((a, b) => a.asId - b.asId || a.baseGfn - b.baseGfn);
      reply('kvm.memslots', {
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
      return {};
    }
    case 'kvm.memslot.create': {
      const gmem = typeof m['gmem'] === 'string' && m['gmem'] !== '' ? m['gmem'] : null;
      const base: Omit<Memslot, 'mixed'> = {
        uid: typeof m['slot'] === 'string' ? m['slot'] : `s${num('asId')}.${num('id')}#${ctx.nextGen}`,
        id: num('id'),
        asId: num('asId'),
        baseGfn: num('baseGfn'),
        npages: num('npages'),
        guestMemfd: gmem !== null,
        gmemOnly: m['gmemOnly'] === true,
        invalid: false,
        gmem,
        pgoff: num('pgoff'),
        userspacePage: num('userspacePage'),
        sharedLevel: (m['sharedLevel'] as number | undefined) ?? 1
      };
      const s: Memslot = { ...base, mixed: initMixed(ctx.attrs, base) };
      recordCreated(ctx.port, s);
      const slots = new Map(ctx.slots);
      slots.set(s.uid, s);
      reply('kvm.memslot.created', { slot: s.uid });
      return { slots, nextGen: ctx.nextGen + 1 };
    }
    case 'kvm.memslot.reserveUid':
      reply('kvm.memslot.uid', { slot: `s${num('asId')}.${num('id')}#${ctx.nextGen}` });
      return { nextGen: ctx.nextGen + 1 };
    case 'kvm.memslot.invalidate': {
      const s = ctx.slots.get(uid);
      if (s === undefined) throw new Error(`${id}: invalidate of unknown memslot ${uid}`);
      const slots = new Map(ctx.slots);
      slots.set(uid, { ...s, invalid: true });
      ctx.port.record('MemslotInvalidated', { vm: id, slot: uid, id: s.id, asId: s.asId });
      reply('ack');
      return { slots };
    }
    case 'kvm.memslot.remove': {
      const s = ctx.slots.get(uid);
      if (s === undefined) throw new Error(`${id}: removal of unknown memslot ${uid}`);
      const slots = new Map(ctx.slots);
      slots.delete(uid);
      const deleted = new Map(ctx.deleted);
      deleted.set(uid, s);
      ctx.port.record('MemslotDeleted', { vm: id, slot: uid, id: s.id, asId: s.asId });
      reply('ack');
      return { slots, deleted, validWaiters: wakeValid(ctx, slots) };
    }
    case 'kvm.memslot.free': {
      const freed = new Set(ctx.freed);
      freed.add(uid);
      ctx.port.record('MemslotFreed', { vm: id, slot: uid });
      reply('ack');
      return { freed };
    }
    case 'kvm.memslot.clearGmem': {
      // WRITE_ONCE(slot->gmem.file, NULL): a write into the memslot object, freed or not.
      const isFreed = ctx.freed.has(uid);
      ctx.port.record('MemslotGmemCleared', { vm: id, slot: uid, by: m.from, freed: isFreed });
      reply('ack');
      const s = ctx.slots.get(uid);
      if (s !== undefined) {
        const slots = new Map(ctx.slots);
        slots.set(uid, { ...s, gmem: null });
        return { slots };
      }
      const d = ctx.deleted.get(uid);
      if (d !== undefined) {
        const deleted = new Map(ctx.deleted);
        deleted.set(uid, { ...d, gmem: null });
        return { deleted };
      }
      return {};
    }
    case 'kvm.memslot.waitValid': {
      const w: GfnWaiter = { to, gfn: num('gfn'), asId: (m['asId'] as number | undefined) ?? 0 };
      if (slotAt(ctx.slots, w.gfn, w.asId)?.invalid !== true) {
        reply('kvm.memslot.valid');
        return {};
      }
      ctx.port.record('MemslotWaitValid', { vm: id, holder: to, gfn: w.gfn, asId: w.asId });
      return { validWaiters: [...ctx.validWaiters, w] };
    }
    case 'kvm.vm.state':
      // kvm->arch.pre_fault_allowed, kvm->vm_dead (KVM_REQ_VM_DEAD), the VM type.
      reply('kvm.vm.state', { type: ctx.type, preFaultAllowed: ctx.preFaultAllowed, dead: ctx.dead });
      return {};
    case 'kvm.vm.markDead':
      // kvm_vm_dead() / KVM_BUG_ON: every vCPU sees KVM_REQ_VM_DEAD.
      ctx.port.record('VmMarkedDead', { vm: id, by: m.from });
      reply('ack');
      return { dead: true };
    case 'kvm.mn.start': {
      const mnActive = ctx.mnActive + 1;
      ctx.port.record('MmuNotifierStart', { vm: id, count: mnActive });
      reply('ack');
      return { mnActive };
    }
    case 'kvm.mn.end': {
      const mnActive = ctx.mnActive - 1;
      ctx.port.record('MmuNotifierEnd', { vm: id, count: mnActive });
      reply('ack');
      if (mnActive > 0) return { mnActive };
      for (const w of ctx.mnWaiters) ctx.port.send(w, { type: 'ack' });
      return { mnActive, mnWaiters: [] };
    }
    case 'kvm.mn.wait':
      if (ctx.mnActive === 0) {
        reply('ack');
        return {};
      }
      return { mnWaiters: [...ctx.mnWaiters, to] };
    case 'kvm.attr.read': {
      const gfn = num('gfn');
      const priv = ctx.attrs.get(gfn);
      ctx.port.record('VmAttrRead', { vm: id, gfn, private: priv, by: m.from });
      reply('kvm.attr', { gfn, private: priv });
      return {};
    }
    case 'kvm.attr.uniform': {
      const priv = m['private'] === true;
      const uniform = ctx.attrs.uniform(num('start'), num('end'), priv);
      if (uniform) ctx.port.record('VmAttrNoop', { vm: id, start: num('start'), end: num('end'), private: priv });
      reply('kvm.attr.uniform', { uniform });
      return {};
    }
    case 'kvm.attr.reserve':
      // `fail`: the VMM thread's fault injection makes xa_reserve fail (-ENOMEM, nothing changed).
      ctx.port.record('VmAttrReserved', { vm: id, start: num('start'), end: num('end'), ...(m['fail'] === true ? { failed: true } : {}) });
      reply('ack');
      return {};
    case 'kvm.attr.store': {
      const priv = m['private'] === true;
      ctx.port.record('VmAttrStored', { vm: id, start: num('start'), end: num('end'), private: priv, by: m.from });
      reply('ack');
      return { attrs: ctx.attrs.store(num('start'), num('end'), priv) };
    }
    case 'kvm.lpage.update': {
      const s = ctx.slots.get(uid);
      reply('ack');
      if (s === undefined) return {};
      const slots = new Map(ctx.slots);
      slots.set(uid, { ...s, mixed: postSetUpdate(ctx, s, num('start'), num('end')) });
      return { slots };
    }
    case 'kvm.lpage.changing': {
      // kvm_arch_pre_set_memory_attributes (upstream 9129633d568e): the head and tail hugepages of
      // the range that still allow a hugepage (contained in the slot, not mixed) join the invalidation.
      const s = ctx.slots.get(uid);
      const starts: number[] = [];
      const ends: number[] = [];
      const start = num('start');
      const end = num('end');
      for (const l of s === undefined ? [] : [2, 3]) {
        const slot = s as NonNullable<typeof s>;
        const n = hugeLevelPages(l);
        const head = start - (start % n);
        const tail = end - 1 - ((end - 1) % n);
        const allows = (base: number): boolean => base >= slot.baseGfn && base + n <= slotEnd(slot) && !slot.mixed.has(`${l}:${base}`);
        if ((head !== start || head + n > end) && allows(head)) {
          starts.push(head);
          ends.push(head + n);
        }
        if (tail !== head && tail + n > end && allows(tail)) {
          starts.push(tail);
          ends.push(tail + n);
        }
      }
      reply('kvm.lpage.changing', { starts, ends });
      return {};
    }
    case 'kvm.lpage.level': {
      const s = ctx.slots.get(uid);
      const gfn = num('gfn');
      let level = 1;
      for (const l of [3, 2]) {
        if (s === undefined || l > num('maxLevel')) continue;
        const n = hugeLevelPages(l);
        const base = gfn - (gfn % n);
        if (base < s.baseGfn || base + n > slotEnd(s) || s.mixed.has(`${l}:${base}`)) continue;
        // Mixed flags are only computed for hugepages the slot contains; a contained 1G page needs no 2M child mixed.
        level = l;
        break;
      }
      reply('kvm.lpage.level', { level });
      return {};
    }
    case 'kvm.gmem.create': {
      const flags = (m['flags'] as readonly number[] | undefined) ?? [];
      const pages = m['pages'] as number | null;
      const supported = supportedGmemFlags(ctx.env, ctx.type);
      const bad = flags.some((bit) => bit > 30 || ((1 << bit) & supported) === 0);
      if (bad || pages === null || pages <= 0) {
        reply('kvm.gmem.created', { rc: '-EINVAL', gmem: '' });
        return {};
      }
      const gmem = `gmem${ctx.nextGmem}`;
      const mask = flags.reduce((a, bit) => a | (1 << bit), 0);
      ctx.port.spawn('gmem', gmem, { pages, mmap: (mask & GUEST_MEMFD_FLAG_MMAP) !== 0, initShared: (mask & GUEST_MEMFD_FLAG_INIT_SHARED) !== 0 });
      ctx.port.record('VmRefs', { vm: id, users: ctx.users + 1, why: gmem });
      reply('kvm.gmem.created', { rc: '0', gmem });
      return { nextGmem: ctx.nextGmem + 1, users: ctx.users + 1 };
    }
    case 'kvm.get':
    case 'kvm.put': {
      const users = ctx.users + (m.type === 'kvm.get' ? 1 : -1);
      ctx.port.record('VmRefs', { vm: id, users, why: m.from });
      reply('ack');
      return { users };
    }
    default:
      throw new Error(`${id}: unexpected message ${m.type} from ${m.from}`);
  }
}

function wakeValid(ctx: VmContext, slots: ReadonlyMap<string, Memslot>): GfnWaiter[] {
  const still: GfnWaiter[] = [];
  for (const w of ctx.validWaiters) {
    if (slotAt(slots, w.gfn, w.asId)?.invalid === true) still.push(w);
    else {
      ctx.port.record('MemslotValidWoken', { vm: ctx.port.id, holder: w.to });
      ctx.port.send(w.to, { type: 'kvm.memslot.valid' });
    }
  }
  return still;
}

function recordCreated(port: ActorPort, s: Memslot): void {
  port.record('MemslotCreated', {
    vm: port.id,
    slot: s.uid,
    id: s.id,
    asId: s.asId,
    baseGfn: s.baseGfn,
    npages: s.npages,
    flags: flagsOf(s),
    gmem: s.gmem ?? '',
    pgoff: s.pgoff,
    userspacePage: s.userspacePage
  });
}

/** The VM machine. */
export const kvmVmMachine = setup({
  types: { context: {} as VmContext, events: {} as Delivered, input: {} as VmInput },
  actions: {
    announce: ({ context }) => {
      const { port } = context;
      port.record('VmCreated', { vm: port.id, type: context.type, preFaultAllowed: context.preFaultAllowed });
      for (const s of context.slots.values()) recordCreated(port, s);
    },
    serve: assign(({ context, event }) => onRequest(context, event))
  },
  guards: {
    isLocked: ({ context }) => context.slotsLock.writer !== null,
    isUnlocked: ({ context }) => context.slotsLock.writer === null,
    syncing: ({ context }) => context.syncWaiters.length > 0,
    quiet: ({ context }) => context.syncWaiters.length === 0
  }
}).createMachine({
  id: 'kvmVm',
  context: ({ input }) => {
    const { env } = input;
    const type = vmTypeOf(env);
    const attrs = RangeMap.filled(GFN_SPACE, false);
    const slots = new Map<string, Memslot>();
    let gen = 1;
    for (const c of memslotsOf(env)) {
      const base: Omit<Memslot, 'mixed'> = {
        uid: `s${c.asId}.${c.id}#${gen++}`,
        id: c.id,
        asId: c.asId,
        baseGfn: c.baseGfn,
        npages: c.npages,
        guestMemfd: c.gmem !== null,
        gmemOnly: c.gmem !== null && env.gmemMmap === true && env.mode === 'upstream-6.18',
        invalid: false,
        gmem: c.gmem,
        pgoff: c.pgoff,
        userspacePage: c.userspacePage,
        sharedLevel: c.sharedLevel
      };
      slots.set(base.uid, { ...base, mixed: initMixed(attrs, base) });
    }
    return {
      port: input.port,
      env,
      type,
      // kvm->arch.pre_fault_allowed: default and SW_PROTECTED VMs at once; SNP/TDX only once finalized.
      preFaultAllowed: type === 'DEFAULT' || type === 'SW_PROTECTED',
      dead: false,
      slots,
      deleted: new Map(),
      freed: new Set(),
      nextGen: gen,
      slotsLock: FREE_LOCK,
      srcu: new Map(),
      nextSession: 1,
      syncWaiters: [],
      validWaiters: [],
      mnActive: 0,
      mnWaiters: [],
      attrs,
      // The set-up guest_memfd holds the VM (kvm_get_kvm at create), plus the VMM's VM fd.
      users: 2,
      nextGmem: 1
    };
  },
  entry: 'announce',
  on: { '*': { actions: 'serve' } },
  type: 'parallel',
  states: {
    slotsLock: {
      initial: 'unlocked',
      states: {
        unlocked: { always: { guard: 'isLocked', target: 'locked' } },
        locked: { always: { guard: 'isUnlocked', target: 'unlocked' } }
      }
    },
    srcu: {
      initial: 'quiet',
      states: {
        quiet: { always: { guard: 'syncing', target: 'syncing' } },
        syncing: { always: { guard: 'quiet', target: 'quiet' } }
      }
    }
  }
});
