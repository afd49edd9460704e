/**
 * The guest program vocabulary: what a vCPU's guest does, in order (spec §1.11).
 * Each op may carry the outcome the scenario expects (`expect`: one rc or a list
 * of acceptable rcs); a different outcome is reported as an `EXPECT` violation.
 *
 * Indices are guest_memfd page indices; the vCPU turns them into GFNs through the
 * memslot binding (`gfn = baseGfn + index - pgoff`).
 */
import { z } from 'zod';

const nat = z.number().int().nonnegative();
const rcs = z.union([z.string(), z.array(z.string()).min(1)]);

/**
 * A guest load or store to the page backed by guest_memfd index `index`, with
 * private (`private: true`, e.g. TDX private GPA / SNP C-bit set) or shared intent.
 * Without `private` (upstream modes, a SW_PROTECTED or DEFAULT VM only) the access
 * carries no private bit: KVM synthesizes it from the gfn's current attribute at
 * each EPT violation (`kvm_mem_is_private()` in `kvm_mmu_page_fault`, spec §1.9).
 * Goes through a present SPTE or the KVM page fault (O10). A private/shared
 * mismatch ends the op with `-EFAULT` and a `MemoryFaultExit` (INV-20).
 */
export const guestAccessOpSchema = z
  .object({
    op: z.literal('guestAccess'),
    index: nat,
    /** Private intent; absent = synthesized by KVM from the current attribute (SW_PROTECTED / DEFAULT VMs). */
    private: z.boolean().optional(),
    write: z.boolean().default(false),
    /** Value a write stores. */
    value: nat.optional(),
    /** Acceptable rcs: `"0"`, `"-EFAULT"` (memory-fault exit), `"KVM_EXIT_MMIO"` (shared access without a slot). */
    expect: rcs.optional(),
    /** Value a read must return when it returns `"0"`. */
    expectValue: nat.optional()
  })
  .strict();

/**
 * `KVM_HC_MAP_GPA_RANGE(gpa, npages, flags)` (O14): exits to the VMM side of the
 * vCPU thread with `KVM_EXIT_HYPERCALL`; the VMM punches a hole (`punchHole`,
 * selftest `MAP_GPA_DO_FALLOCATE`) and/or converts the range in place to `to`
 * (`MAP_GPA_SET_ATTRIBUTES`), then re-enters with `hypercall.ret`.
 */
export const mapGpaRangeOpSchema = z
  .object({
    op: z.literal('mapGpaRange'),
    index: nat,
    npages: z.number().int().positive().default(1),
    /** Target attribute (`MAP_GPA_SET_ATTRIBUTES`, `MAP_GPA_SHARED`); absent = attributes unchanged. */
    to: z.enum(['private', 'shared']).optional(),
    /** `MAP_GPA_DO_FALLOCATE`: the VMM punches a hole over the range first. */
    punchHole: z.boolean().default(false),
    /** Acceptable rcs (the hypercall's `ret` as an errno name; `"0"` on success). */
    expect: rcs.optional()
  })
  .strict()
  .refine((o) => o.to !== undefined || o.punchHole, { message: 'mapGpaRange needs `to` or `punchHole`' });

/**
 * `KVM_PRE_FAULT_MEMORY` (O13), a vCPU ioctl the VMM issues on the vCPU thread:
 * one call on `[gpa, gpa+size)` (bytes, guest physical). `expect`: acceptable
 * rcs (`"0"` or `"-E..."`); `expectLeft`: `range.size` the call must leave.
 */
export const preFaultOpSchema = z
  .object({ op: z.literal('preFault'), gpa: nat, size: nat, flags: nat.default(0), expect: rcs.optional(), expectLeft: nat.optional() })
  .strict();

/**
 * The selftest helper `pre_fault_memory()` of spec §6.3 on the vCPU thread:
 * signals `<sync>:go` (the slot worker deletes the slot), then loops
 * KVM_PRE_FAULT_MEMORY on `[gpa, gpa+size)` asserting `(range.size < prev) XOR
 * (ret < 0)` (rc `ASSERT` otherwise), retrying `-EINTR`; after the first call it
 * signals `<sync>:recreate` and waits for `<sync>:joined` (pthread_join), retrying
 * while bytes are left; stops when `range.size == 0` or on an error. Returns the
 * last rc with `value` = `range.size` left. Without `sync` no worker is involved.
 */
export const preFaultTestOpSchema = z
  .object({
    op: z.literal('preFaultTest'),
    gpa: nat,
    size: nat,
    sync: z.string().min(1).optional(),
    expect: rcs.optional(),
    expectLeft: nat.optional()
  })
  .strict();

/** Puts the vCPU in `mode` (SMI / RSM, nested VM-entry / VM-exit): `kvm_mmu_reset_context`, the root is reloaded lazily. */
export const setVcpuModeOpSchema = z.object({ op: z.literal('setVcpuMode'), mode: z.enum(['normal', 'smm', 'guest']), expect: rcs.optional() }).strict();

/** Fault injection on the vCPU thread (fail-nth): the next `count` root allocations of `kvm_mmu_reload` fail with -ENOMEM (B9's trigger). */
export const injectRootAllocFailureOpSchema = z
  .object({ op: z.literal('injectRootAllocFailure'), count: z.number().int().positive().default(1), expect: rcs.optional() })
  .strict();

/** A signal becomes pending for the vCPU thread: the next pre-fault returns -EINTR (the handler runs on the way out). */
export const signalVcpuOpSchema = z.object({ op: z.literal('signalVcpu'), expect: rcs.optional() }).strict();

/** Waits on the vCPU thread until the named userspace event is set (e.g. the VMM's set-up is done). */
export const vcpuWaitEventOpSchema = z.object({ op: z.literal('waitEvent'), event: z.string().min(1), expect: rcs.optional() }).strict();

/** Sets the named userspace event from the vCPU thread. */
export const vcpuSignalEventOpSchema = z.object({ op: z.literal('signalEvent'), event: z.string().min(1), expect: rcs.optional() }).strict();

/** Any guest op. */
export const guestOpSchema = z.union([guestAccessOpSchema, mapGpaRangeOpSchema]);

/** vCPU ioctls the VMM issues on the vCPU thread (pre-fault, mode changes, fault injection, signals; O13). */
export const vcpuIoctlOpSchema = z.union([
  vcpuWaitEventOpSchema,
  vcpuSignalEventOpSchema,
  preFaultOpSchema,
  preFaultTestOpSchema,
  setVcpuModeOpSchema,
  injectRootAllocFailureOpSchema,
  signalVcpuOpSchema
]);

/** Any op of a vCPU thread's program: a guest op or a vCPU ioctl. */
export const vcpuOpSchema = z.union([
  guestAccessOpSchema,
  mapGpaRangeOpSchema,
  vcpuWaitEventOpSchema,
  vcpuSignalEventOpSchema,
  preFaultOpSchema,
  preFaultTestOpSchema,
  setVcpuModeOpSchema,
  injectRootAllocFailureOpSchema,
  signalVcpuOpSchema
]);

/** A guest op, after defaults are applied. */
export type GuestOp = z.infer<typeof guestOpSchema>;
/** A guest op as written. */
export type GuestOpInput = z.input<typeof guestOpSchema>;
/** The guest access op. */
export type GuestAccessOp = z.infer<typeof guestAccessOpSchema>;
/** The conversion hypercall op. */
export type MapGpaRangeOp = z.infer<typeof mapGpaRangeOpSchema>;
/** A vCPU ioctl op. */
export type VcpuIoctlOp = z.infer<typeof vcpuIoctlOpSchema>;
/** Any op of a vCPU thread, after defaults are applied. */
export type VcpuOp = z.infer<typeof vcpuOpSchema>;
/** The KVM_PRE_FAULT_MEMORY op. */
export type PreFaultOp = z.infer<typeof preFaultOpSchema>;
/** The §6.3 pre-fault loop op. */
export type PreFaultTestOp = z.infer<typeof preFaultTestOpSchema>;
/** The vCPU mode op. */
export type SetVcpuModeOp = z.infer<typeof setVcpuModeOpSchema>;

/** Id of vCPU `i`. */
export function vcpuId(i: number): string {
  return `vcpu${i}`;
}

/** Index of a vCPU id (`vcpu3` -> 3), or null. */
export function vcpuIndex(id: string): number | null {
  const m = /^vcpu(\d+)$/.exec(id);
  return m === null ? null : Number(m[1]);
}
