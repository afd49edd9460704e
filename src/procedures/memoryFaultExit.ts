/**
 * What the KVM fault paths share: the retry bound, and the memory-fault exit
 * (`kvm_mmu_prepare_memory_fault_exit`, `arch/x86/kvm/mmu/mmu.c`; spec §1.9,
 * INV-20): KVM_RUN returns -1/EFAULT with `KVM_EXIT_MEMORY_FAULT{gpa, size, flags}`.
 */
import { PAGE_SIZE } from '../model/env.js';
import type { ProcContext } from './kernel.js';
import type { FaultOutcome } from './types.js';

/** vCPU-local key of the errno of the last memory-fault exit when it is not EFAULT (`-EHWPOISON`, O17). */
export const EXIT_ERRNO = 'vcpu:exitErrno';

/** Fault rounds (RET_PF_RETRY) before the model gives up; each retry needs a new invalidation. */
export const FAULT_RETRIES_MAX = 16;

/** `KVM_MEMORY_EXIT_FLAG_PRIVATE` (spec §1.9). */
export const KVM_MEMORY_EXIT_FLAG_PRIVATE = 1 << 3;

/** Pages of a leaf at `level` (1 = 4K, 2 = 2M, 3 = 1G). */
export function levelPages(level: number): number {
  return level === 3 ? 262144 : level === 2 ? 512 : 1;
}

/** Records the memory-fault exit of INV-20 (`kvm_mmu_prepare_memory_fault_exit`) for `gfn`. */
export function recordMemoryFaultExit(ctx: ProcContext, gfn: number, isPrivate: boolean): FaultOutcome {
  const errno = ctx.locals.get(EXIT_ERRNO)?.['errno'];
  ctx.record('MemoryFaultExit', {
    vcpu: ctx.self,
    gpa: gfn * PAGE_SIZE,
    size: PAGE_SIZE,
    flags: isPrivate ? KVM_MEMORY_EXIT_FLAG_PRIVATE : 0,
    private: isPrivate,
    ...(typeof errno === 'string' ? { errno } : {})
  });
  return { kind: 'memoryFault' };
}
