/**
 * `KVM_SET_MEMORY_ATTRIBUTES` (spec O6; `kvm_vm_ioctl_set_mem_attributes` /
 * `kvm_vm_set_mem_attributes`, `virt/kvm/kvm_main.c`): validation,
 * `slots_lock`, no-op check, `xa_reserve`, pre-set (`mmu_lock(W)`, begin, per
 * overlapping slot in every address space `kvm_pre_set_memory_attributes`:
 * `range_add` and the arch hook, which keeps the hugepages the change partly
 * covers out (upstream 9129633d568e) and zaps with the attr filter), store,
 * post-set (`mmu_lock(W)`, end, lpage mixed update per slot), unlock. Each is a
 * separate delivery. The design's guest_memfd steps run around it (RFC 1G-v1:
 * the faultability, `gmemFaultability.ts`; upstream: none). Variants B2, B3 and
 * B19 replace `kvm_pre_set_memory_attributes` / `kvm_arch_pre_set_memory_attributes`.
 */
import { ACTOR, PAGE_SIZE } from '../model/env.js';
import type { VmmOp } from '../model/ops.js';
import type { OpResult } from '../model/ops.js';
import { GPA_LIMIT, hasPrivateMem, KVM_MEMORY_ATTRIBUTE_PRIVATE, vmTypeOf } from '../model/vm.js';
import type { Proc, ProcContext } from './kernel.js';
import { call, lock, unlock } from './proc.js';
import type { GmemRange, ZapFilter } from './types.js';

type Op<K extends VmmOp['op']> = Extract<VmmOp, { op: K }>;

const FAIL_RESERVE = 'vmm:failAttrReserve';

/** Fault injection: the next `count` `xa_reserve`s of `KVM_SET_MEMORY_ATTRIBUTES` on this thread fail (`-ENOMEM`). */
export function* injectAttrReserveFailure(op: Op<'injectAttrReserveFailure'>, ctx: ProcContext): Proc<OpResult> {
  ctx.locals.set(FAIL_RESERVE, { count: op.count });
  yield* [];
  return { rc: '0' };
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
  const same = yield* call(ACTOR.kvm, { type: 'kvm.attr.uniform', start, end, private: toPrivate });
  if (same.uniform) {
    yield* unlock(ACTOR.kvm, 'slots', 'W');
    return { rc: '0' };
  }
  let gmemHeld: readonly string[] = [];
  let restore: readonly GmemRange[] = [];
  if (toPrivate) {
    // The design's guest_memfd side before the change (RFC 1G-v1: kvm_gmem_should_set_attributes, gmemFaultability.ts).
    const r = yield* ctx.kernel.kvm_gmem_should_set_attributes_private(start, end, ctx);
    if (r.rc !== null) {
      yield* unlock(ACTOR.kvm, 'slots', 'W');
      return { rc: r.rc };
    }
    gmemHeld = r.held;
    restore = r.restore;
  }
  const left = ctx.locals.get(FAIL_RESERVE)?.['count'];
  const failsLeft = typeof left === 'number' ? left : 0;
  if (failsLeft > 0) ctx.locals.set(FAIL_RESERVE, { count: failsLeft - 1 });
  yield* call(ACTOR.kvm, { type: 'kvm.attr.reserve', start, end, ...(failsLeft > 0 ? { fail: true } : {}) });
  if (failsLeft > 0) {
    // xa_reserve failed: -ENOMEM before any change (no invalidation, no store, no seq bump).
    if (gmemHeld.length > 0) yield* ctx.kernel.kvm_gmem_set_attributes_abort(gmemHeld, restore, ctx);
    yield* unlock(ACTOR.kvm, 'slots', 'W');
    return { rc: '-ENOMEM' };
  }
  const ov = yield* call(ACTOR.kvm, { type: 'kvm.memslots.overlapping', start, end });
  const slots = ov.slots;
  const bases = ov.baseGfns;
  const sizes = ov.npages;
  const withGmem = ov.guestMemfds;
  // Pre-set: kvm_pre_set_memory_attributes per slot; "Unmap the old attribute page".
  const filter = toPrivate ? 'shared' : 'private';
  if (slots.length > 0) {
    yield* lock(ACTOR.mmu, 'mmu', 'W');
    yield* call(ACTOR.mmu, { type: 'mmu.invalidate.begin' });
    for (let i = 0; i < slots.length; i++) {
      const base = bases[i] ?? 0;
      const s = Math.max(start, base);
      const e = Math.min(end, base + (sizes[i] ?? 0));
      yield* ctx.kernel.kvm_pre_set_memory_attributes(slots[i] ?? '', s, e, filter, withGmem[i] === true, ctx);
    }
    yield* unlock(ACTOR.mmu, 'mmu', 'W');
  }
  yield* call(ACTOR.kvm, { type: 'kvm.attr.store', start, end, private: toPrivate });
  // RFC 1G-v1: faultable only after the private SPTEs were zapped and the shared attributes stored (INV-3).
  if (toPrivate) yield* ctx.kernel.kvm_gmem_set_attributes_done(gmemHeld, ctx);
  else yield* ctx.kernel.kvm_gmem_should_set_attributes_shared(start, end, ctx);
  if (slots.length > 0) {
    // Post-set: on_lock = kvm_mmu_invalidate_end, then the lpage mixed update of each slot.
    yield* lock(ACTOR.mmu, 'mmu', 'W');
    yield* call(ACTOR.mmu, { type: 'mmu.invalidate.end' });
    for (const slot of slots) yield* call(ACTOR.kvm, { type: 'kvm.lpage.update', slot, start, end });
    yield* unlock(ACTOR.mmu, 'mmu', 'W');
  }
  yield* unlock(ACTOR.kvm, 'slots', 'W');
  return { rc: '0' };
}

/**
 * `kvm_pre_set_memory_attributes` (`virt/kvm/kvm_main.c`) for memslot `slot`'s
 * part `[start, end)` of the change: the range joins the invalidation
 * unconditionally (`kvm_mmu_invalidate_range_add`, F-69c7), then the arch hook.
 */
export function* kvmPreSetMemoryAttributes(slot: string, start: number, end: number, filter: ZapFilter, withGmem: boolean, ctx: ProcContext): Proc<void> {
  yield* call(ACTOR.mmu, { type: 'mmu.invalidate.rangeAdd', start, end });
  yield* ctx.kernel.kvm_arch_pre_set_memory_attributes(slot, start, end, filter, withGmem, ctx);
}

/**
 * `kvm_arch_pre_set_memory_attributes` (x86, `arch/x86/kvm/mmu/mmu.c`): the
 * hugepages the change only partly covers join the invalidation too, so no
 * fault installs one from stale mixed flags until the change is done
 * (9129633d568e); then `kvm_unmap_gfn_range` with the attr filter, whether or
 * not the slot has guest_memfd (F-fb6f).
 */
export function* kvmArchPreSetMemoryAttributes(slot: string, start: number, end: number, filter: ZapFilter, _withGmem: boolean, _ctx: ProcContext): Proc<void> {
  yield* addPartialHugepages(slot, start, end);
  yield* call(ACTOR.mmu, { type: 'mmu.zap', start, end, filter });
}

/** The range_add of the head/tail hugepages of `slot` that `[start, end)` partly covers (`kvm.lpage.changing`, 9129633d568e). */
export function* addPartialHugepages(slot: string, start: number, end: number): Proc<void> {
  const hp = yield* call(ACTOR.kvm, { type: 'kvm.lpage.changing', slot, start, end });
  const hs = hp.starts;
  const he = hp.ends;
  for (let k = 0; k < hs.length; k++) yield* call(ACTOR.mmu, { type: 'mmu.invalidate.rangeAdd', start: hs[k] ?? 0, end: he[k] ?? 0 });
}
