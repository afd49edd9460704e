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
import type { ProcContext } from './proc.js';
import { rootFor } from '../model/mmuRoots.js';
import { ACTOR, hasUpstreamKvm, type ModelEnv, PAGE_SIZE } from '../model/env.js';
import { KVM_MEMORY_ATTRIBUTE_PRIVATE, setMemoryAttributes } from './vmOps.js';
import type { GuestAccessOp, MapGpaRangeOp } from '../model/guestOps.js';
import type { OpResult } from '../model/ops.js';
import { convert } from './convert.js';
import { gfnOf, kvmPageFault, recordMemoryFaultExit } from './kvmPageFault.js';
import { callAny, num, type Proc } from './proc.js';
import { punchHole } from './punchHole.js';

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
  const gfn = hasUpstreamKvm(ctx.env) ? guestGfn(ctx.env, op.index) : gfnOf(ctx.env, op.index);
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
    const r = yield* callAny(ACTOR.mmu, { type: 'mmu.access', ...where, gfn, write: op.write, value: op.value ?? 0 });
    if (r.type === 'folio.accessed') return { rc: '0', value: num(r, 'value') };
    const fault = yield* kvmPageFault(ctx, { index: op.index, gfn, private: priv, write: op.write, ...(synthesize ? { synthesize } : {}) });
    // fd-2022 names the exit KVM_EXIT_MEMORY_ERROR (seed fd-based-private-memory-v4).
    if (fault.kind === 'memoryFault') return { rc: ctx.env.mode === 'fd-2022' ? 'KVM_EXIT_MEMORY_ERROR' : '-EFAULT' };
    if (fault.kind === 'retryLimit') return { rc: 'RETRY_LIMIT' };
    if (fault.kind === 'mmio') return { rc: 'KVM_EXIT_MMIO' };
  }
  return { rc: 'RETRY_LIMIT' };
}

/** The GFN guest op `index` names in the upstream modes. */
export function guestGfn(env: ModelEnv, index: number): number {
  const b = env.binding;
  return (env.vm?.gfnBase ?? (b === null ? 0x100000 : b.baseGfn - b.pgoff)) + index;
}

/** Runs a `mapGpaRange` op: the hypercall exit and the VMM's handler. */
export function* mapGpaRange(op: MapGpaRangeOp, ctx: ProcContext): Proc<OpResult> {
  const gfn = gfnOf(ctx.env, op.index);
  const flags = (op.to === undefined ? 0 : MAP_GPA_SET_ATTRIBUTES) | (op.to === 'shared' ? MAP_GPA_SHARED : 0) | (op.punchHole ? MAP_GPA_DO_FALLOCATE : 0);
  ctx.record('HypercallExit', { vcpu: ctx.self, nr: 'KVM_HC_MAP_GPA_RANGE', gpa: (gfn ?? op.index) * PAGE_SIZE, npages: op.npages, flags });
  const offset = op.index * PAGE_SIZE;
  const size = op.npages * PAGE_SIZE;
  let ret = '0';
  if (hasUpstreamKvm(ctx.env)) {
    // Upstream (S-T-CONV handle_exit_hypercall): PUNCH_HOLE of the gmem range, then KVM_SET_MEMORY_ATTRIBUTES.
    const gpa = guestGfn(ctx.env, op.index) * PAGE_SIZE;
    if (op.punchHole) ret = (yield* punchHole({ op: 'punchHole', offset, size }, ctx)).rc;
    if (ret === '0' && op.to !== undefined) {
      const attributes = op.to === 'private' ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0;
      ret = (yield* setMemoryAttributes({ op: 'setMemoryAttributes', address: gpa, size, attributes, flags: 0 }, ctx)).rc;
    }
    ctx.record('HypercallReturned', { vcpu: ctx.self, ret });
    return { rc: ret };
  }
  if (op.punchHole) ret = (yield* punchHole({ op: 'punchHole', offset, size }, ctx)).rc;
  if (ret === '0' && op.to !== undefined) {
    for (let attempt = 0; attempt < HYPERCALL_CONVERT_RETRIES_MAX; attempt++) {
      ret = (yield* convert({ op: 'convert', offset, size, to: op.to, retryEagain: false }, ctx)).rc;
      if (ret !== '-EAGAIN') break;
    }
  }
  ctx.record('HypercallReturned', { vcpu: ctx.self, ret });
  return { rc: ret };
}
