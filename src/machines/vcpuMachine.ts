/**
 * A vCPU (spec §1.9) running its guest program (§1.11): one guest op at a time,
 * each as a kernel-path procedure (src/procedures/guest.ts, kvmPageFault.ts).
 *
 * The xstate machine is the shared program machine (programMachine.ts): `idle`
 * -> `waiting` (tag `waiting`, blocked on a reply; each reply resumes the
 * procedure until its next request) -> `done`. Within an op the vCPU moves through the run states of §1.9, which
 * the procedure walks and the log records as facts:
 *
 * ```
 *                  guest op                 EPT violation (mmu.notPresent)
 *   (next op) ──► inGuest ───────────────────────────────► inKvmFault
 *                   ▲  │ mmu.access hit                     │  VcpuFaultStarted ... StaleCheck
 *                   │  └──► op returns 0                    │
 *                   │                                       ├─ SptInstalled / retry ──► inGuest (re-execute)
 *                   │                                       └─ attribute mismatch ───► exited(MEMORY_FAULT)
 *                   │                                            MemoryFaultExit; op returns -EFAULT
 *                   │    KVM_HC_MAP_GPA_RANGE
 *                   ├──────────────────────────► exited(HYPERCALL) ── VMM: PUNCH_HOLE / convert ──┐
 *                   │                              HypercallExit                                  │
 *                   └────────────────────────────── HypercallReturned (re-enter) ◄────────────────┘
 * ```
 *
 * The VMM side of the vCPU thread (hypercall handling) runs on this actor, as in
 * the kernel the exit returns to the same userspace thread.
 */
import type { VcpuOp } from '../model/guestOps.js';
import { createProgramMachine } from './programMachine.js';

/** The vCPU machine (its op dispatch: `runVcpuOp` in `src/procedures/dispatch.ts`, through the run's protocol table). */
export const vcpuMachine = createProgramMachine<VcpuOp>('vcpu');
