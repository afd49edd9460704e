/**
 * VM and file operations of the upstream modes, as kernel paths run by VMM
 * threads:
 *
 * - `KVM_SET_MEMORY_ATTRIBUTES` (O6, `kvm_vm_ioctl_set_mem_attributes` /
 *   `kvm_vm_set_mem_attributes`): validation, `slots_lock`, no-op check,
 *   `xa_reserve`, pre-set (`mmu_lock(W)`, begin, per overlapping slot in every
 *   address space `range_add` + zap with the attr_filter), store, post-set
 *   (`mmu_lock(W)`, end, lpage mixed update per slot), unlock. Each is a separate
 *   delivery. The pre-set also adds the head/tail hugepages the change only partly
 *   covers (upstream 9129633d568e; variant B19 drops that). Variants: B2 (pre-set skips `range_add`), B3 (slots without
 *   guest_memfd are not zapped). Mode rfc-1g-v1 adds the guest_memfd
 *   faultability steps (gmemFaultability.ts): to private before `xa_reserve`
 *   (may fail `-EINVAL`), to shared after the store.
 * - `KVM_SET_USER_MEMORY_REGION2` create (O2: flag checks, `kvm_gmem_bind`) and
 *   delete (`KVM_MEMSLOT_INVALID`, wait for mmu-notifiers, `synchronize_srcu`,
 *   flush, remove, `synchronize_srcu`, `kvm_gmem_unbind`, free). Variant B7:
 *   unbind returns early when the file is dying.
 * - `KVM_CREATE_GUEST_MEMFD` (O1), close, fstat, read/write, mmap (§1.4),
 *   madvise, and the VMM's userspace memory (access, munmap with the
 *   mmu-notifier, O8).
 */
import type { ProcContext } from './proc.js';
import { GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP, hasPrivateMem, vmTypeOf } from '../model/vm.js';
import { ACTOR, hasVariant, PAGE_SIZE } from '../model/env.js';
import type { OpResult, VmmOp } from '../model/ops.js';
import { bool, callAny, lock, num, nums, type Proc, str, strs, unlock } from './proc.js';
import { runGuestOp } from '../machines/vcpuMachine.js';
import { v1Abort, v1CommitDone, type FaultableRun, v1SetShared, v1ShouldSetPrivate } from './gmemFaultability.js';

/** `KVM_MEMORY_ATTRIBUTE_PRIVATE`. */
export const KVM_MEMORY_ATTRIBUTE_PRIVATE = 1 << 3;
/** Highest guest physical address + 1 the model accepts (52-bit). */
export const GPA_LIMIT = 2 ** 52;
/** Memslot ids per address space (`KVM_USER_MEM_SLOTS`). */
export const KVM_USER_MEM_SLOTS = 32764;

type Op<K extends VmmOp['op']> = Extract<VmmOp, { op: K }>;

const FAIL_RESERVE = 'vmm:failAttrReserve';

/** Fault injection: the next `count` `xa_reserve`s of `KVM_SET_MEMORY_ATTRIBUTES` on this thread fail (`-ENOMEM`). */
export function* injectAttrReserveFailure(count: number, ctx: ProcContext): Proc<OpResult> {
  ctx.locals.set(FAIL_RESERVE, { count });
  yield* [];
  return { rc: '0' };
}

/** The guest_memfd actor a file descriptor name refers to, or null (-EBADF). */
export function fdActor(ctx: ProcContext, fd: string): string | null {
  if (fd === 'gmem') return ACTOR.gmem;
  const held = ctx.locals.get(`fd:${fd}`);
  return held === undefined ? null : String(held['gmem']);
}

/** `KVM_SET_MEMORY_ATTRIBUTES` (O6). */
export function* setMemoryAttributes(op: Op<'setMemoryAttributes'>, ctx: ProcContext): Proc<OpResult> {
  const supported = hasPrivateMem(vmTypeOf(ctx.env)) ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0;
  if (op.flags !== 0 || (op.attributes & ~supported) !== 0) return { rc: '-EINVAL' };
  if (op.size === 0 || op.address + op.size > GPA_LIMIT) return { rc: '-EINVAL' };
  if (op.address % PAGE_SIZE !== 0 || op.size % PAGE_SIZE !== 0) return { rc: '-EINVAL' };
  const start = op.address / PAGE_SIZE;
  const end = start + op.size / PAGE_SIZE;
  const toPrivate = op.attributes === KVM_MEMORY_ATTRIBUTE_PRIVATE;
  yield* lock(ACTOR.kvm, 'slots', 'W');
  const same = yield* callAny(ACTOR.kvm, { type: 'kvm.attr.uniform', start, end, private: toPrivate });
  if (bool(same, 'uniform')) {
    yield* unlock(ACTOR.kvm, 'slots', 'W');
    return { rc: '0' };
  }
  let gmemHeld: readonly string[] = [];
  let restore: readonly FaultableRun[] = [];
  if (ctx.env.mode === 'rfc-1g-v1' && toPrivate) {
    // RFC 1G-v1: kvm_gmem_should_set_attributes() before the change (gmemFaultability.ts).
    const r = yield* v1ShouldSetPrivate(ctx, start, end);
    if (r.rc !== null) {
      yield* unlock(ACTOR.kvm, 'slots', 'W');
      return { rc: r.rc };
    }
    gmemHeld = r.held;
    restore = r.restore;
  }
  const failsLeft = (ctx.locals.get(FAIL_RESERVE)?.['count'] as number | undefined) ?? 0;
  if (failsLeft > 0) ctx.locals.set(FAIL_RESERVE, { count: failsLeft - 1 });
  yield* callAny(ACTOR.kvm, { type: 'kvm.attr.reserve', start, end, ...(failsLeft > 0 ? { fail: true } : {}) });
  if (failsLeft > 0) {
    // xa_reserve failed: -ENOMEM before any change (no invalidation, no store, no seq bump).
    if (gmemHeld.length > 0) yield* v1Abort(ctx, gmemHeld, restore);
    yield* unlock(ACTOR.kvm, 'slots', 'W');
    return { rc: '-ENOMEM' };
  }
  const ov = yield* callAny(ACTOR.kvm, { type: 'kvm.memslots.overlapping', start, end });
  const slots = strs(ov, 'slots');
  const bases = nums(ov, 'baseGfns');
  const sizes = nums(ov, 'npages');
  const withGmem = ov['guestMemfds'] as readonly boolean[];
  // Pre-set: kvm_pre_set_memory_attributes per slot; "Unmap the old attribute page".
  const filter = toPrivate ? 'shared' : 'private';
  if (slots.length > 0) {
    yield* lock(ACTOR.mmu, 'mmu', 'W');
    yield* callAny(ACTOR.mmu, { type: 'mmu.invalidate.begin' });
    for (let i = 0; i < slots.length; i++) {
      const s = Math.max(start, bases[i] as number);
      const e = Math.min(end, (bases[i] as number) + (sizes[i] as number));
      if (!hasVariant(ctx.env, 'B2')) yield* callAny(ACTOR.mmu, { type: 'mmu.invalidate.rangeAdd', start: s, end: e });
      if (!hasVariant(ctx.env, 'B19')) {
        // Hugepages only partly covered by the change must not be installed until it is done (9129633d568e).
        const hp = yield* callAny(ACTOR.kvm, { type: 'kvm.lpage.changing', slot: slots[i] as string, start: s, end: e });
        const hs = nums(hp, 'starts');
        const he = nums(hp, 'ends');
        for (let k = 0; k < hs.length; k++) yield* callAny(ACTOR.mmu, { type: 'mmu.invalidate.rangeAdd', start: hs[k] as number, end: he[k] as number });
      }
      if (hasVariant(ctx.env, 'B3') && withGmem[i] !== true) continue;
      yield* callAny(ACTOR.mmu, { type: 'mmu.zap', start: s, end: e, filter });
    }
    yield* unlock(ACTOR.mmu, 'mmu', 'W');
  }
  yield* callAny(ACTOR.kvm, { type: 'kvm.attr.store', start, end, private: toPrivate });
  // RFC 1G-v1: faultable only after the private SPTEs were zapped and the shared attributes stored (INV-3).
  if (ctx.env.mode === 'rfc-1g-v1') yield* toPrivate ? v1CommitDone(gmemHeld) : v1SetShared(ctx, start, end);
  if (slots.length > 0) {
    // Post-set: on_lock = kvm_mmu_invalidate_end, then the lpage mixed update of each slot.
    yield* lock(ACTOR.mmu, 'mmu', 'W');
    yield* callAny(ACTOR.mmu, { type: 'mmu.invalidate.end' });
    for (const slot of slots) yield* callAny(ACTOR.kvm, { type: 'kvm.lpage.update', slot, start, end });
    yield* unlock(ACTOR.mmu, 'mmu', 'W');
  }
  yield* unlock(ACTOR.kvm, 'slots', 'W');
  return { rc: '0' };
}

/** `KVM_SET_USER_MEMORY_REGION2` creating a memslot (O2). */
export function* createMemslot(op: Op<'createMemslot'>, ctx: ProcContext): Proc<OpResult> {
  const flags = new Set(op.flags);
  const guestMemfd = flags.has('GUEST_MEMFD');
  // check_memory_region_flags: GUEST_MEMFD with READONLY or LOG_DIRTY_PAGES is invalid.
  if (guestMemfd && (flags.has('READONLY') || flags.has('LOG_DIRTY_PAGES'))) return { rc: '-EINVAL' };
  if (op.slot >= KVM_USER_MEM_SLOTS || op.asId > 1) return { rc: '-EINVAL' };
  if (op.size === 0 || op.size % PAGE_SIZE !== 0 || op.gpa % PAGE_SIZE !== 0 || op.userspaceAddr % PAGE_SIZE !== 0) return { rc: '-EINVAL' };
  if (op.gpa + op.size > GPA_LIMIT) return { rc: '-EINVAL' };
  if (guestMemfd && op.offset % PAGE_SIZE !== 0) return { rc: '-EINVAL' };
  const gmem = guestMemfd ? fdActor(ctx, op.fd) : null;
  if (guestMemfd && gmem === null) return { rc: '-EBADF' };
  const baseGfn = op.gpa / PAGE_SIZE;
  const npages = op.size / PAGE_SIZE;
  yield* lock(ACTOR.kvm, 'slots', 'W');
  const done = (rc: string): Proc<OpResult> =>
    (function* () {
      yield* unlock(ACTOR.kvm, 'slots', 'W');
      return { rc };
    })();
  const same = yield* callAny(ACTOR.kvm, { type: 'kvm.memslot.byId', id: op.slot, asId: op.asId });
  if (bool(same, 'found')) return yield* done('-EEXIST');
  const ov = yield* callAny(ACTOR.kvm, { type: 'kvm.memslots.overlapping', start: baseGfn, end: baseGfn + npages, asId: op.asId });
  if (strs(ov, 'slots').length > 0) return yield* done('-EEXIST');
  let gmemOnly = false;
  // The memslot object is allocated first (its id names the binding); it becomes visible only after the bind (F-RCU a).
  const slot = str(yield* callAny(ACTOR.kvm, { type: 'kvm.memslot.reserveUid', id: op.slot, asId: op.asId }), 'slot');
  if (gmem !== null) {
    // kvm_gmem_bind under invalidate_lock(W).
    const st = yield* callAny(gmem, { type: 'gmem.stat' });
    gmemOnly = ctx.env.mode === 'upstream-6.18' && st['mmap'] === true;
    yield* lock(gmem, 'invalidate', 'W');
    const b = yield* callAny(gmem, { type: 'gmem.bind', slot, id: op.slot, baseGfn, pgoff: op.offset / PAGE_SIZE, npages });
    yield* unlock(gmem, 'invalidate', 'W');
    if (str(b, 'rc') !== '0') return yield* done(str(b, 'rc'));
  }
  yield* callAny(ACTOR.kvm, {
    type: 'kvm.memslot.create',
    slot,
    id: op.slot,
    asId: op.asId,
    baseGfn,
    npages,
    gmem: gmem ?? '',
    pgoff: op.offset / PAGE_SIZE,
    userspacePage: op.userspaceAddr / PAGE_SIZE,
    sharedLevel: 1,
    gmemOnly
  });
  return yield* done('0');
}

/** `kvm_gmem_unbind` (O2, F-ae43; B7 returns early on a dying file). */
function* gmemUnbind(ctx: ProcContext, slot: string, gmem: string): Proc<void> {
  const active = yield* callAny(gmem, { type: 'gmem.file.active' });
  if (!bool(active, 'ok')) {
    if (hasVariant(ctx.env, 'B7')) return;
    // The file is dying: kvm_gmem_release may run after the memslot is freed; drop the bindings now, unlocked.
    yield* callAny(gmem, { type: 'gmem.unbind', slot });
    yield* callAny(ACTOR.kvm, { type: 'kvm.memslot.clearGmem', slot });
    return;
  }
  yield* lock(gmem, 'invalidate', 'W');
  yield* callAny(gmem, { type: 'gmem.unbind', slot });
  yield* callAny(ACTOR.kvm, { type: 'kvm.memslot.clearGmem', slot });
  yield* unlock(gmem, 'invalidate', 'W');
}

/** `KVM_SET_USER_MEMORY_REGION2` with size 0: deletes a memslot (O2). */
export function* deleteMemslot(op: Op<'deleteMemslot'>, ctx: ProcContext): Proc<OpResult> {
  yield* lock(ACTOR.kvm, 'slots', 'W');
  const s = yield* callAny(ACTOR.kvm, { type: 'kvm.memslot.byId', id: op.slot, asId: op.asId });
  if (!bool(s, 'found')) {
    yield* unlock(ACTOR.kvm, 'slots', 'W');
    return { rc: '-EINVAL' };
  }
  const slot = str(s, 'slot');
  const start = num(s, 'baseGfn');
  const end = start + num(s, 'npages');
  // kvm_invalidate_memslot: install the INVALID copy (kvm_swap_active_memslots waits for mmu-notifiers, then SRCU).
  yield* callAny(ACTOR.kvm, { type: 'kvm.memslot.invalidate', slot });
  yield* callAny(ACTOR.kvm, { type: 'kvm.mn.wait' });
  yield* callAny(ACTOR.kvm, { type: 'kvm.srcu.synchronize' });
  // kvm_arch_flush_shadow_memslot: zap every SPTE of the slot.
  yield* lock(ACTOR.mmu, 'mmu', 'W');
  yield* callAny(ACTOR.mmu, { type: 'mmu.zap', start, end, filter: 'both' });
  yield* unlock(ACTOR.mmu, 'mmu', 'W');
  // kvm_delete_memslot: swap in the set without it, synchronize_srcu again.
  yield* callAny(ACTOR.kvm, { type: 'kvm.memslot.remove', slot });
  yield* callAny(ACTOR.kvm, { type: 'kvm.srcu.synchronize' });
  // kvm_free_memslot: kvm_gmem_unbind, then kfree.
  const gmem = str(s, 'gmem');
  if (gmem !== '') yield* gmemUnbind(ctx, slot, gmem);
  yield* callAny(ACTOR.kvm, { type: 'kvm.memslot.free', slot });
  yield* unlock(ACTOR.kvm, 'slots', 'W');
  return { rc: '0' };
}

/** `KVM_CREATE_GUEST_MEMFD` (O1). */
export function* createGmem(op: Op<'createGmem'>, ctx: ProcContext): Proc<OpResult> {
  const bits = op.flags.map((f) => (f === 'MMAP' ? Math.log2(GUEST_MEMFD_FLAG_MMAP) : f === 'INIT_SHARED' ? Math.log2(GUEST_MEMFD_FLAG_INIT_SHARED) : f));
  const pages = op.size > 0 && op.size % PAGE_SIZE === 0 ? op.size / PAGE_SIZE : null;
  const r = yield* callAny(ACTOR.kvm, { type: 'kvm.gmem.create', pages, flags: bits });
  const rc = str(r, 'rc');
  if (rc === '0' && op.fd !== undefined) ctx.locals.set(`fd:${op.fd}`, { gmem: str(r, 'gmem') });
  return { rc };
}

/** close(fd) of a guest_memfd. */
export function* closeFd(op: Op<'close'>, ctx: ProcContext): Proc<OpResult> {
  const gmem = fdActor(ctx, op.fd);
  if (gmem === null || ctx.locals.has(`closed:${op.fd}`)) return { rc: '-EBADF' };
  ctx.locals.set(`closed:${op.fd}`, { gmem });
  yield* callAny(gmem, { type: 'gmem.fput' });
  return { rc: '0' };
}

/** fstat(fd). */
export function* fstat(op: Op<'fstat'>, ctx: ProcContext): Proc<OpResult> {
  const gmem = fdActor(ctx, op.fd);
  if (gmem === null) return { rc: '-EBADF' };
  const st = yield* callAny(gmem, { type: 'gmem.stat' });
  return { rc: '0', value: num(st, op.field) };
}

/** read/write/pread/pwrite: guest_memfd has no read/write file operations (-EINVAL). */
export function* fileIo(op: Op<'fileIo'>, ctx: ProcContext): Proc<OpResult> {
  const gmem = fdActor(ctx, op.fd);
  if (gmem === null) return { rc: '-EBADF' };
  yield* callAny(gmem, { type: 'gmem.stat' });
  return { rc: '-EINVAL' };
}

/** mmap of a guest_memfd (§1.4, `kvm_gmem_mmap`): needs MMAP (-ENODEV) and MAP_SHARED (-EINVAL). */
export function* mmapGmem(op: Op<'mmap'>, ctx: ProcContext): Proc<OpResult> {
  const gmem = fdActor(ctx, op.fd);
  if (gmem === null) return { rc: '-EBADF' };
  if (op.size === 0) return { rc: '-EINVAL' };
  const st = yield* callAny(gmem, { type: 'gmem.stat' });
  if (st['mmap'] !== true) return { rc: '-ENODEV' };
  if (!op.shared) return { rc: '-EINVAL' };
  return { rc: '0' };
}

/** madvise on the guest_memfd mapping. */
export function* madviseGmem(op: Op<'madvise'>): Proc<OpResult> {
  if (op.advice === 'MADV_COLLAPSE') return { rc: '-EINVAL' };
  if (op.advice === 'MADV_DONTNEED') yield* callAny(ACTOR.mm, { type: 'mm.zap', start: op.index, end: op.index + op.npages });
  return { rc: '0' };
}

/** A VMM access to its userspace memory (anonymous pages behind `userspace_addr`). */
export function* uaccess(op: Op<'uaccess'>): Proc<OpResult> {
  const r = yield* callAny(ACTOR.shm, { type: 'folio.access', subpage: op.page, write: op.write, value: op.value ?? 0 });
  return { rc: '0', value: num(r, 'value') };
}

/**
 * munmap / MADV_DONTNEED of userspace memory (O8): core-mm zaps the pages and
 * fires `invalidate_range_start/end`; KVM (`kvm_mmu_notifier_invalidate_range_start`)
 * counts `mn_active_invalidate_count`, and under SRCU and `mmu_lock(W)` begins an
 * invalidation, adds and zaps (SHARED filter) the GFNs of every memslot whose
 * `userspace_addr` range overlaps; `range_end` ends it.
 */
export function* umunmap(op: Op<'umunmap'>): Proc<OpResult> {
  const start = op.page;
  const end = op.page + op.npages;
  yield* callAny(ACTOR.kvm, { type: 'kvm.mn.start' });
  const session = num(yield* callAny(ACTOR.kvm, { type: 'kvm.srcu.lock' }), 'session');
  const all = yield* callAny(ACTOR.kvm, { type: 'kvm.memslots.overlapping', start: 0, end: 2 ** 40 });
  const ups = nums(all, 'userspacePages');
  const bases = nums(all, 'baseGfns');
  const sizes = nums(all, 'npages');
  const gfnStarts: number[] = [];
  const gfnEnds: number[] = [];
  ups.forEach((u, i) => {
    const n = sizes[i] as number;
    if (u === 0 || u >= end || u + n <= start) return;
    const s = Math.max(start, u);
    const e = Math.min(end, u + n);
    gfnStarts.push((bases[i] as number) + (s - u));
    gfnEnds.push((bases[i] as number) + (e - u));
  });
  if (gfnStarts.length > 0) {
    yield* lock(ACTOR.mmu, 'mmu', 'W');
    yield* callAny(ACTOR.mmu, { type: 'mmu.invalidate.begin' });
    for (let i = 0; i < gfnStarts.length; i++) {
      yield* callAny(ACTOR.mmu, { type: 'mmu.invalidate.rangeAdd', start: gfnStarts[i] as number, end: gfnEnds[i] as number });
      yield* callAny(ACTOR.mmu, { type: 'mmu.zap', start: gfnStarts[i] as number, end: gfnEnds[i] as number, filter: 'shared' });
    }
    yield* unlock(ACTOR.mmu, 'mmu', 'W');
  }
  yield* callAny(ACTOR.kvm, { type: 'kvm.srcu.unlock', session });
  yield* callAny(ACTOR.shm, { type: 'shm.zap', start, end });
  if (gfnStarts.length > 0) {
    yield* lock(ACTOR.mmu, 'mmu', 'W');
    yield* callAny(ACTOR.mmu, { type: 'mmu.invalidate.end' });
    yield* unlock(ACTOR.mmu, 'mmu', 'W');
  }
  yield* callAny(ACTOR.kvm, { type: 'kvm.mn.end' });
  return { rc: '0' };
}

/** `KVM_RUN` issued by the VMM thread: the guest ops run on this thread, in order. */
export function* kvmRun(op: Op<'kvmRun'>, ctx: ProcContext): Proc<OpResult> {
  let value: number | null = null;
  for (const g of op.guest) {
    const r = yield* runGuestOp(g, ctx);
    if (r.rc !== '0') return { rc: r.rc };
    if (g.op === 'guestAccess') {
      value = r.value ?? null;
      if (!g.write && g.expectValue !== undefined && r.value !== g.expectValue) return { rc: 'GUEST_ASSERT', value };
    }
  }
  return { rc: '0', value };
}
