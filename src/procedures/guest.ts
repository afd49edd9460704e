/**
 * The guest ops a vCPU runs (spec §1.9, §1.11):
 *
 * - `guestAccess`: a load/store through a present SPTE (`mmu.access`, answered by
 *   the folio via the MMU), else an EPT violation -> {@link kvmPageFault} and a
 *   new attempt. A private/shared mismatch is a `KVM_EXIT_MEMORY_FAULT`: KVM_RUN
 *   returns -1/EFAULT and the op returns `-EFAULT` (the VMM does not convert on the
 *   guest's behalf; a guest that wants the other attribute asks with
 *   `mapGpaRange`). A shared access with no memslot is MMIO (`KVM_EXIT_MMIO`), a
 *   private one is a memory-fault exit (O10 c).
 * - `mapGpaRange`: `KVM_HC_MAP_GPA_RANGE` exits with `KVM_EXIT_HYPERCALL` to the
 *   VMM side of the same vCPU thread (O14), which runs PUNCH_HOLE and/or the in-place
 *   conversion ioctl (retrying `-EAGAIN` up to {@link HYPERCALL_CONVERT_RETRIES_MAX}
 *   times, as transient references go away), sets `hypercall.ret` and re-enters.
 */
import { rootFor } from '../model/mmuRoots.js';
import { ACTOR, PAGE_SIZE } from '../model/env.js';
import { KVM_MEMORY_ATTRIBUTE_PRIVATE } from '../model/vm.js';
import type { GuestAccessOp, MapGpaRangeOp } from '../model/guestOps.js';
import type { OpResult } from '../model/ops.js';
import type { Proc, ProcContext } from './kernel.js';
import { gfnOf } from './kvmPageFault.js';
import { recordMemoryFaultExit } from './memoryFaultExit.js';
import { call } from './proc.js';

/** Re-entries of one guest access (the SPTE can be zapped between the fault and the access). */
export const GUEST_ACCESS_RETRIES_MAX = 8;
/** Conversion attempts of the VMM's hypercall handler on `-EAGAIN`. */
export const HYPERCALL_CONVERT_RETRIES_MAX = 8;

/** Selftest `MAP_GPA_SET_ATTRIBUTES`. */
export const MAP_GPA_SET_ATTRIBUTES = 1 << 0;
/** Selftest `MAP_GPA_SHARED`. */
export const MAP_GPA_SHARED = 1 << 1;
/** Selftest `MAP_GPA_DO_FALLOCATE`. */
export const MAP_GPA_DO_FALLOCATE = 1 << 2;

/** Runs a `guestAccess` op. */
export function* guestAccess(op: GuestAccessOp, ctx: ProcContext): Proc<OpResult> {
  // Upstream modes: `index` is a guest page number from the VM's gfnBase; the fault looks the memslot up.
  const gfn = ctx.kernel.guest_gfn(op.index, ctx);
  // SW_PROTECTED (and DEFAULT) VMs: no private bit in the access; the fault synthesizes it (kvmPageFault.ts).
  const synthesize = op.private === undefined;
  const priv = op.private ?? false;
  if (gfn === null) {
    if (!priv) return { rc: 'KVM_EXIT_MMIO' };
    // No slot: a private access exits with KVM_EXIT_MEMORY_FAULT (S-T-EXIT); gpa as if identity-mapped.
    recordMemoryFaultExit(ctx, op.index, true);
    return { rc: '-EFAULT' };
  }
  const where = synthesize ? { roots: [rootFor(true), rootFor(false)] } : { root: rootFor(priv) };
  for (let attempt = 0; attempt < GUEST_ACCESS_RETRIES_MAX; attempt++) {
    const r = yield* call(ACTOR.mmu, { type: 'mmu.access', ...where, gfn, write: op.write, value: op.value ?? 0 });
    if (r.type === 'folio.accessed') return { rc: '0', value: r.value };
    const fault = yield* ctx.kernel.kvm_mmu_page_fault({ index: op.index, gfn, private: priv, write: op.write, ...(synthesize ? { synthesize } : {}) }, ctx);
    if (fault.kind === 'memoryFault') return { rc: ctx.kernel.kvm_memory_fault_exit_rc(ctx) };
    if (fault.kind === 'retryLimit') return { rc: 'RETRY_LIMIT' };
    if (fault.kind === 'mmio') return { rc: 'KVM_EXIT_MMIO' };
  }
  return { rc: 'RETRY_LIMIT' };
}

/** The GFN guest op `index` names in the upstream designs: a guest page number from the VM's `gfnBase`. */
export function upstreamGuestGfn(index: number, ctx: ProcContext): number {
  const env = ctx.env;
  const b = env.binding;
  return (env.vm?.gfnBase ?? (b === null ? 0x100000 : b.baseGfn - b.pgoff)) + index;
}

/** The GFN guest op `index` names in the in-place designs: file index `index` through the memslot binding. */
export function inPlaceGuestGfn(index: number, ctx: ProcContext): number | null {
  return gfnOf(ctx.env, index);
}

/** KVM_RUN's return code of a memory-fault exit: -1 with errno EFAULT. */
export function efaultExitRc(_ctx: ProcContext): string {
  return '-EFAULT';
}

/** Runs a `mapGpaRange` op: the hypercall exit, the VMM's handler (`kvm_hc_map_gpa_range` of the design), the re-entry. */
export function* mapGpaRange(op: MapGpaRangeOp, ctx: ProcContext): Proc<OpResult> {
  const gfn = gfnOf(ctx.env, op.index);
  const flags = (op.to === undefined ? 0 : MAP_GPA_SET_ATTRIBUTES) | (op.to === 'shared' ? MAP_GPA_SHARED : 0) | (op.punchHole ? MAP_GPA_DO_FALLOCATE : 0);
  ctx.record('HypercallExit', { vcpu: ctx.self, nr: 'KVM_HC_MAP_GPA_RANGE', gpa: (gfn ?? op.index) * PAGE_SIZE, npages: op.npages, flags });
  const ret = yield* ctx.kernel.kvm_hc_map_gpa_range(op, ctx);
  ctx.record('HypercallReturned', { vcpu: ctx.self, ret });
  return { rc: ret };
}

/** The upstream VMM's handler (selftests' `handle_exit_hypercall`, S-T-CONV): PUNCH_HOLE of the guest_memfd range, then `KVM_SET_MEMORY_ATTRIBUTES`. */
export function* upstreamMapGpaRange(op: MapGpaRangeOp, ctx: ProcContext): Proc<string> {
  const offset = op.index * PAGE_SIZE;
  const size = op.npages * PAGE_SIZE;
  let ret = '0';
  const gpa = upstreamGuestGfn(op.index, ctx) * PAGE_SIZE;
  if (op.punchHole) ret = (yield* ctx.kernel.vmmOps.punchHole({ op: 'punchHole', offset, size }, ctx)).rc;
  if (ret === '0' && op.to !== undefined) {
    const attributes = op.to === 'private' ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0;
    ret = (yield* ctx.kernel.vmmOps.setMemoryAttributes({ op: 'setMemoryAttributes', address: gpa, size, attributes, flags: 0 }, ctx)).rc;
  }
  return ret;
}

/** The in-place VMM's handler: PUNCH_HOLE, then the conversion ioctl, retrying `-EAGAIN` up to {@link HYPERCALL_CONVERT_RETRIES_MAX} times. */
export function* inPlaceMapGpaRange(op: MapGpaRangeOp, ctx: ProcContext): Proc<string> {
  const offset = op.index * PAGE_SIZE;
  const size = op.npages * PAGE_SIZE;
  let ret = '0';
  if (op.punchHole) ret = (yield* ctx.kernel.vmmOps.punchHole({ op: 'punchHole', offset, size }, ctx)).rc;
  if (ret === '0' && op.to !== undefined) {
    for (let attempt = 0; attempt < HYPERCALL_CONVERT_RETRIES_MAX; attempt++) {
      ret = (yield* ctx.kernel.vmmOps.convert({ op: 'convert', offset, size, to: op.to, retryEagain: false }, ctx)).rc;
      if (ret !== '-EAGAIN') break;
    }
  }
  return ret;
}
