/**
 * `KVM_PRE_FAULT_MEMORY` (spec O13) and the vCPU state it depends on (§1.8,
 * §1.9): the vCPU mode (normal, SMM, guest mode = L2 with nested TDP), the root
 * loaded for that mode (`kvm_mmu_reload`), fault injection of the root
 * allocation and a pending signal. The ioctl runs on the vCPU thread; every
 * `yield*` is a scheduling point.
 *
 * ```
 *  kvm_vcpu_pre_fault_memory:  validate (-EINVAL) ─► vcpu_load ─► srcu_read_lock ─┐
 *    loop (≤ PREFAULT_CHUNKS_MAX): signal? -EINTR │ r = arch(range) │ r<0 break │ size -= r, gpa += r
 *  ◄─ srcu_read_unlock ─ rc = 0 if any byte was processed, else r; range written back ◄───────────┘
 *  kvm_arch_vcpu_pre_fault_memory: !pre_fault_allowed -EOPNOTSUPP ─► kvm_mmu_reload (fail: -ENOMEM; B9 ignores it)
 *    ─► private attribute? PFERR_PRIVATE_ACCESS ─► kvm_tdp_map_page: not the direct TDP MMU (guest mode) -EOPNOTSUPP (B14: L1 root)
 *       loop { signal -EINTR; VM dead -EIO; kvm_mmu_do_page_fault(prefetch) } while RET_PF_RETRY
 *       INVALID slot -EAGAIN (B8: RET_PF_RETRY until the update finishes, inside SRCU); no slot -ENOENT
 *    ─► bytes to the end of the mapped leaf
 * ```
 *
 * Facts: `VcpuModeChanged`, `MmuRootLoaded` (MMU), `PrefaultStarted`,
 * `PrefaultMapped`, `PrefaultReturned`; the map step is the upstream fault of
 * `kvmPageFault.ts` ({@link upstreamAttempt}) with `prefetch`, the mode's root and
 * address space.
 */
import { GFN_SPACE, hasPrivateMem } from '../model/vm.js';
import { modeRoot, type VcpuMode } from '../model/mmuRoots.js';
import { ACTOR, PAGE_SIZE, VM_TYPES, type VmType } from '../model/env.js';
import type { PreFaultOp, PreFaultTestOp, SetVcpuModeOp } from '../model/guestOps.js';
import type { OpResult } from '../model/ops.js';
import type { Proc, ProcContext } from './kernel.js';
import { EXIT_ERRNO, FAULT_RETRIES_MAX, levelPages } from './memoryFaultExit.js';
import { call } from './proc.js';
import type { PrefaultRange } from './types.js';
import { deliverSignal, raiseSignal, signalPending } from './signals.js';

/** Chunks (leaves) one ioctl maps at most (a bound; 1024 > the 513 pages of spec §6.3). */
export const PREFAULT_CHUNKS_MAX = 1024;
/** Iterations of the §6.3 userspace loop. */
export const PREFAULT_TEST_LOOPS_MAX = 64;
/** The root of a vCPU whose `kvm_mmu_reload` failed (`INVALID_PAGE`). */
export const INVALID_ROOT = 'invalid';

const MODE = 'vcpu:mode';
const LOADED = 'vcpu:loadedRoot';
const FAILNTH = 'vcpu:failRootAlloc';

/** The vCPU's current mode. */
export function vcpuMode(ctx: ProcContext): VcpuMode {
  const saved = ctx.locals.get(MODE)?.['mode'];
  return saved === 'smm' || saved === 'guest' ? saved : 'normal';
}

/**
 * Runs the vCPU as if in `mode` until the returned function restores its mode
 * (no fact: the mode the vCPU is in for userspace does not change). What the
 * rejected v2 pre-fault patch did around the map (B14).
 */
export function overrideVcpuMode(ctx: ProcContext, mode: VcpuMode): () => void {
  const saved = ctx.locals.get(MODE);
  ctx.locals.set(MODE, { mode });
  return () => {
    if (saved === undefined) ctx.locals.delete(MODE);
    else ctx.locals.set(MODE, saved);
  };
}

/** Enters/leaves SMM or guest mode: `kvm_mmu_reset_context` unloads the root (reloaded lazily). */
export function* setVcpuMode(op: SetVcpuModeOp, ctx: ProcContext): Proc<OpResult> {
  ctx.locals.set(MODE, { mode: op.mode });
  ctx.locals.delete(LOADED);
  ctx.record('VcpuModeChanged', { vcpu: ctx.self, mode: op.mode, root: modeRoot(op.mode, false) });
  yield* [];
  return { rc: '0' };
}

/** Fault injection: the next `count` root allocations of this vCPU thread fail. */
export function* injectRootAllocFailure(count: number, ctx: ProcContext): Proc<OpResult> {
  ctx.locals.set(FAILNTH, { count });
  yield* [];
  return { rc: '0' };
}

/** A signal becomes pending for the vCPU thread. */
export function* signalVcpu(ctx: ProcContext): Proc<OpResult> {
  return yield* raiseSignal(ctx);
}

/** `kvm_mmu_reload`: the root of the current mode, loading it if needed; null when the allocation failed. */
export function* kvmMmuReload(mode: VcpuMode, ctx: ProcContext): Proc<string | null> {
  const root = modeRoot(mode, false);
  if (ctx.locals.get(LOADED)?.['root'] === root) return root;
  const left = ctx.locals.get(FAILNTH)?.['count'];
  const n = typeof left === 'number' ? left : 0;
  if (n > 0) ctx.locals.set(FAILNTH, { count: n - 1 });
  const r = yield* call(ACTOR.mmu, { type: 'mmu.root.load', root, fail: n > 0 });
  if (!r.ok) {
    ctx.locals.delete(LOADED);
    return null;
  }
  ctx.locals.set(LOADED, { root });
  return root;
}

/**
 * `kvm_arch_vcpu_pre_fault_memory` + `kvm_tdp_map_page` for the start of
 * `range`: the bytes mapped up to the end of the leaf, or an errno name.
 */
export function* kvmArchVcpuPreFaultMemory(range: PrefaultRange, ctx: ProcContext): Proc<number | string> {
  const vm = yield* call(ACTOR.kvm, { type: 'kvm.vm.state' });
  if (!vm.preFaultAllowed) return '-EOPNOTSUPP';
  const cpuMode = vcpuMode(ctx);
  const loaded = yield* ctx.kernel.kvm_mmu_reload(cpuMode, ctx);
  // F-28ce: the reload's error is returned (a reload whose error is ignored leaves the root INVALID_PAGE: B9).
  if (loaded === null) return '-ENOMEM';
  const gfn = range.gpa / PAGE_SIZE;
  // Beyond the modelled GFN space there is no memslot (and no attribute): RET_PF_EMULATE.
  if (gfn >= GFN_SPACE) return '-ENOENT';
  let priv = false;
  if (hasPrivateMem(vmType(vm.type))) {
    priv = (yield* call(ACTOR.kvm, { type: 'kvm.attr.read', gfn })).private;
  }
  // kvm_tdp_map_page: vcpu->arch.mmu->page_fault != kvm_tdp_page_fault (L2 with nested TDP: a shadow MMU).
  if (cpuMode === 'guest') return '-EOPNOTSUPP';
  const root = loaded === INVALID_ROOT ? INVALID_ROOT : modeRoot(cpuMode, priv);
  const asId = cpuMode === 'smm' ? 1 : 0;
  for (let attempt = 0; attempt < FAULT_RETRIES_MAX; attempt++) {
    if (signalPending(ctx)) return '-EINTR';
    if (attempt > 0 && (yield* call(ACTOR.kvm, { type: 'kvm.vm.state' })).dead) return '-EIO';
    if (attempt === 0 && vm.dead) return '-EIO';
    const out = yield* ctx.kernel.kvm_mmu_do_page_fault({ index: gfn, gfn, private: priv, write: false, asId, root, prefetch: true }, attempt, ctx);
    switch (out.kind) {
      case 'retry':
        // B8: RET_PF_RETRY on an INVALID slot spins (inside SRCU) until the memslot update completes.
        if (out.invalidSlot === true) yield* call(ACTOR.kvm, { type: 'kvm.memslot.waitValid', gfn, asId });
        continue;
      case 'again':
        return '-EAGAIN';
      case 'mmio':
        // RET_PF_EMULATE: no memslot.
        return '-ENOENT';
      case 'memoryFault': {
        const errno = ctx.locals.get(EXIT_ERRNO)?.['errno'];
        ctx.locals.delete(EXIT_ERRNO);
        return typeof errno === 'string' ? errno : '-EFAULT';
      }
      case 'retryLimit':
        return 'RETRY_LIMIT';
      case 'mapped': {
        const level = out.level > 0 ? out.level : (out.goal ?? 1);
        const leaf = levelPages(level) * PAGE_SIZE;
        const end = Math.floor(range.gpa / leaf) * leaf + leaf;
        const bytes = Math.min(range.size, end - range.gpa);
        ctx.record('PrefaultMapped', { vcpu: ctx.self, gpa: range.gpa, bytes, level, root });
        return bytes;
      }
    }
  }
  return 'RETRY_LIMIT';
}

/** `kvm_vcpu_pre_fault_memory`: one ioctl; `range` is updated in place (the copy back to userspace). */
export function* preFaultIoctl(ctx: ProcContext, range: PrefaultRange, flags: number): Proc<string> {
  const prevSize = range.size;
  ctx.record('PrefaultStarted', { vcpu: ctx.self, gpa: range.gpa, size: range.size });
  const done = (rc: string): string => {
    // The pending signal is delivered on the way back to userspace.
    deliverSignal(ctx);
    ctx.record('PrefaultReturned', { vcpu: ctx.self, rc, remainingGpa: range.gpa, remainingSize: range.size, prevSize });
    return rc;
  };
  if (flags !== 0 || range.gpa % PAGE_SIZE !== 0 || range.size % PAGE_SIZE !== 0 || range.gpa + range.size <= range.gpa) return done('-EINVAL');
  const session = (yield* call(ACTOR.kvm, { type: 'kvm.srcu.lock' })).session;
  let r: number | string = 0;
  for (let chunk = 0; chunk < PREFAULT_CHUNKS_MAX && range.size > 0; chunk++) {
    if (signalPending(ctx)) {
      r = '-EINTR';
      break;
    }
    r = yield* ctx.kernel.kvm_arch_vcpu_pre_fault_memory(range, ctx);
    // WARN_ON_ONCE(r == 0 || r == -EIO) and any error end the loop.
    if (typeof r === 'string' || r === 0) break;
    range.size -= r;
    range.gpa += r;
  }
  yield* call(ACTOR.kvm, { type: 'kvm.srcu.unlock', session });
  return done(range.size !== prevSize ? '0' : typeof r === 'string' ? r : '0');
}

/** Sets a userspace event from the vCPU thread. */
export function* vcpuSignalEvent(event: string): Proc<OpResult> {
  yield* call(ACTOR.usync, { type: 'usync.signal', event });
  return { rc: '0' };
}

/** Waits on the vCPU thread for a userspace event. */
export function* vcpuWaitEvent(event: string): Proc<OpResult> {
  yield* call(ACTOR.usync, { type: 'usync.wait', event });
  return { rc: '0' };
}

/** The VM type a `kvm.vm.state` reply names. */
function vmType(t: string): VmType {
  const found = VM_TYPES.find((v) => v === t);
  if (found === undefined) throw new Error(`kvm.vm.state answered VM type ${t}`);
  return found;
}

/** KVM_RUN's errno: a guest access that ended in a memory-fault exit returns it (`-EHWPOISON` after a memory failure). */
export function* withExitErrno(run: Proc<OpResult>, ctx: ProcContext): Proc<OpResult> {
  ctx.locals.delete(EXIT_ERRNO);
  const r = yield* run;
  const errno = ctx.locals.get(EXIT_ERRNO)?.['errno'];
  ctx.locals.delete(EXIT_ERRNO);
  return r.rc === '-EFAULT' && typeof errno === 'string' ? { ...r, rc: errno } : r;
}

/** A `preFault` op: one KVM_PRE_FAULT_MEMORY; `value` = `range.size` left. */
export function* preFault(op: PreFaultOp, ctx: ProcContext): Proc<OpResult> {
  const range: PrefaultRange = { gpa: op.gpa, size: op.size };
  const rc = yield* preFaultIoctl(ctx, range, op.flags);
  return { rc, value: range.size };
}

/** The §6.3 helper `pre_fault_memory()` (see `preFaultTestOpSchema`). */
export function* preFaultTest(op: PreFaultTestOp, ctx: ProcContext): Proc<OpResult> {
  const range: PrefaultRange = { gpa: op.gpa, size: op.size };
  const sync = op.sync;
  if (sync !== undefined) yield* call(ACTOR.usync, { type: 'usync.signal', event: `${sync}:go` });
  let recreated = sync === undefined;
  let rc = '0';
  for (let i = 0; i < PREFAULT_TEST_LOOPS_MAX; i++) {
    const prev = range.size;
    rc = yield* preFaultIoctl(ctx, range, 0);
    const failed = rc !== '0';
    // TEST_ASSERT((range.size < prev) ^ (ret < 0)).
    if (range.size < prev === failed) return { rc: 'ASSERT', value: range.size };
    if (rc === '-EINTR') continue;
    if (!recreated && sync !== undefined) {
      yield* call(ACTOR.usync, { type: 'usync.signal', event: `${sync}:recreate` });
      yield* call(ACTOR.usync, { type: 'usync.wait', event: `${sync}:joined` });
      recreated = true;
      if (range.size > 0) continue;
    }
    if (range.size === 0 || failed) break;
  }
  return { rc, value: range.size };
}
