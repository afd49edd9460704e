/**
 * The workload vocabulary: operations a VMM thread performs, in order. Each op
 * may carry the outcome the scenario expects (`expect`: one rc or a list of
 * acceptable rcs); a different outcome is reported as an `EXPECT` violation.
 */
import { z } from 'zod';
import { guestOpSchema } from './guestOps.js';

const nat = z.number().int().nonnegative();
const rcs = z.union([z.string(), z.array(z.string()).min(1)]);

const common = {
  /** Acceptable return codes, e.g. `"0"`, `"-EAGAIN"`, `"SIGBUS"`. */
  expect: rcs.optional(),
  /** Expected `error_offset` (bytes) when the op returns `-EAGAIN`. */
  expectErrorOffset: nat.optional()
};

/** Host access to page `index` of the VMM's shared mmap of the guest_memfd (faults it in if needed). */
export const accessOpSchema = z
  .object({ op: z.literal('access'), index: nat, write: z.boolean().default(false), value: nat.optional(), expectValue: nat.optional(), ...common })
  .strict();
/** In-place conversion ioctl on `[offset, offset+size)` bytes of the guest_memfd. */
export const convertOpSchema = z
  .object({ op: z.literal('convert'), offset: nat, size: nat, to: z.enum(['private', 'shared']), retryEagain: z.boolean().default(false), ...common })
  .strict();
/** GUP on page `index`: FOLL_PIN (`pin`, optionally FOLL_LONGTERM) or FOLL_GET (`get`, e.g. vmsplice). */
export const pinOpSchema = z
  .object({
    op: z.literal('pin'),
    index: nat,
    pin: z.string().min(1),
    kind: z.enum(['pin', 'get']).default('pin'),
    longterm: z.boolean().default(false),
    ...common
  })
  .strict();
/** Drops the reference taken by the `pin` op named `pin`. */
export const unpinOpSchema = z.object({ op: z.literal('unpin'), pin: z.string().min(1), ...common }).strict();
/** munmap / MADV_DONTNEED of `npages` pages from `index`: zaps host PTEs. */
export const munmapOpSchema = z.object({ op: z.literal('munmap'), index: nat, npages: z.number().int().positive().default(1), ...common }).strict();
/** fallocate(PUNCH_HOLE|KEEP_SIZE) on `[offset, offset+size)` bytes. */
export const punchHoleOpSchema = z.object({ op: z.literal('punchHole'), offset: nat, size: nat, ...common }).strict();

/** fallocate(KEEP_SIZE) allocation of `[offset, offset+size)` bytes (O3); `keepSize: false` is the unsupported mode (`-EOPNOTSUPP`). */
export const fallocateOpSchema = z.object({ op: z.literal('fallocate'), offset: nat, size: nat, keepSize: z.boolean().default(true), ...common }).strict();

// --- the VM and file ops of the upstream modes (O1, O2, O5, O6, O8; procedures/setMemoryAttributes.ts, memslots.ts, gmemFile.ts, userMemory.ts, kvmRun.ts)

/** A file descriptor name: `gmem` = the scenario's guest_memfd, others are named by `createGmem`. */
const fd = z.string().min(1).default('gmem');

/** `KVM_SET_MEMORY_ATTRIBUTES` (O6) on `[address, address+size)` bytes of guest physical memory; `attributes` 8 = PRIVATE. */
export const setMemoryAttributesOpSchema = z
  .object({ op: z.literal('setMemoryAttributes'), address: nat, size: nat, attributes: nat, flags: nat.default(0), ...common })
  .strict();
/**
 * Fault injection on the VMM thread (fail-nth): the next `count`
 * `KVM_SET_MEMORY_ATTRIBUTES` calls of this thread that reach `xa_reserve`
 * (O6 step 3) fail it, so they return `-ENOMEM` before any change.
 */
export const injectAttrReserveFailureOpSchema = z
  .object({ op: z.literal('injectAttrReserveFailure'), count: z.number().int().positive().default(1), ...common })
  .strict();
/** A signal becomes pending for this VMM thread: the next interruptible loop (fallocate, O3) returns `-EINTR`. */
export const signalOpSchema = z.object({ op: z.literal('signal'), ...common }).strict();
/** `KVM_SET_USER_MEMORY_REGION2` creating memslot `slot` (O2); `flags` may hold GUEST_MEMFD, READONLY, LOG_DIRTY_PAGES. */
export const createMemslotOpSchema = z
  .object({
    op: z.literal('createMemslot'),
    slot: nat,
    asId: nat.default(0),
    gpa: nat,
    size: nat,
    flags: z.array(z.enum(['GUEST_MEMFD', 'READONLY', 'LOG_DIRTY_PAGES'])).default([]),
    /** `userspace_addr` in bytes (0 = NULL). */
    userspaceAddr: nat.default(0),
    fd,
    /** `guest_memfd_offset` in bytes. */
    offset: nat.default(0),
    ...common
  })
  .strict();
/** `KVM_SET_USER_MEMORY_REGION2` with size 0: deletes memslot `slot` (O2). */
export const deleteMemslotOpSchema = z.object({ op: z.literal('deleteMemslot'), slot: nat, asId: nat.default(0), ...common }).strict();
/** `KVM_CREATE_GUEST_MEMFD(size, flags)` (O1): flags by name or bit number; the new fd is called `fd`. */
export const createGmemOpSchema = z
  .object({
    op: z.literal('createGmem'),
    size: nat,
    flags: z.array(z.union([z.enum(['MMAP', 'INIT_SHARED']), z.number().int().min(0).max(63)])).default([]),
    fd: z.string().min(1).optional(),
    ...common
  })
  .strict();
/** close(fd): the last fput queues `kvm_gmem_release` (O5). */
export const closeOpSchema = z.object({ op: z.literal('close'), fd, ...common }).strict();
/** fstat(fd): returns `field` (`size` = st_size, `blksize`, `ino`) as the op's value. */
export const fstatOpSchema = z
  .object({ op: z.literal('fstat'), fd, field: z.enum(['size', 'blksize', 'ino']).default('size'), expectValue: nat.optional(), ...common })
  .strict();
/** read / write / pread / pwrite of `len` bytes on a guest_memfd (always refused). */
export const fileIoOpSchema = z
  .object({ op: z.literal('fileIo'), fd, kind: z.enum(['read', 'write', 'pread', 'pwrite']), len: nat.default(64), ...common })
  .strict();
/** mmap(size, MAP_SHARED or MAP_PRIVATE) of a guest_memfd (O8 / §1.4). */
export const mmapOpSchema = z.object({ op: z.literal('mmap'), fd, size: nat, shared: z.boolean().default(true), ...common }).strict();
/** madvise on the guest_memfd mapping: MADV_HUGEPAGE, MADV_COLLAPSE (refused), MADV_DONTNEED (zaps PTEs). */
export const madviseOpSchema = z
  .object({
    op: z.literal('madvise'),
    advice: z.enum(['MADV_HUGEPAGE', 'MADV_COLLAPSE', 'MADV_DONTNEED']),
    index: nat,
    npages: z.number().int().positive().default(1),
    ...common
  })
  .strict();
/** A VMM load/store to host page `page` of its userspace memory (the memory behind memslots' `userspace_addr`). */
export const uaccessOpSchema = z.object({ op: z.literal('uaccess'), page: nat, write: z.boolean().default(false), value: nat.optional(), ...common }).strict();
/** munmap / MADV_DONTNEED of host pages `[page, page+npages)` of userspace memory: fires the mmu-notifier (O8). */
export const umunmapOpSchema = z.object({ op: z.literal('umunmap'), page: nat, npages: z.number().int().positive().default(1), ...common }).strict();

/**
 * `KVM_RUN` on the VMM thread itself (the selftests' vcpu_run from the main thread): runs the guest ops in order and
 * returns `"0"`, the first failing rc, or `"GUEST_ASSERT"` when a read differs from its `expectValue` (the value of
 * the last access is the op's value).
 */
export const kvmRunOpSchema = z.object({ op: z.literal('kvmRun'), guest: z.array(guestOpSchema).min(1), ...common }).strict();

// --- userspace synchronisation, VM death, populate and memory failure (spec §6.3, O13, O16, O17)

/** Sets the named userspace event (a flag other threads wait for; spec §6.3's worker hand-shake). */
export const signalEventOpSchema = z.object({ op: z.literal('signalEvent'), event: z.string().min(1), ...common }).strict();
/** Waits until the named userspace event is set. */
export const waitEventOpSchema = z.object({ op: z.literal('waitEvent'), event: z.string().min(1), ...common }).strict();
/** `kvm_vm_dead()`: the VM is marked dead (a pre-fault then fails with -EIO). */
export const markVmDeadOpSchema = z.object({ op: z.literal('markVmDead'), ...common }).strict();
/**
 * `kvm_gmem_populate` (O16; SNP_LAUNCH_UPDATE / TDX INIT_MEM_REGION) of `npages` pages from guest physical byte
 * address `gpa`, copying `value` (the source page contents) into each; the op's value is the number of pages done.
 */
export const populateOpSchema = z
  .object({
    op: z.literal('populate'),
    gpa: nat,
    npages: z.number().int().positive().default(1),
    value: nat.default(0),
    expectValue: nat.optional(),
    ...common
  })
  .strict();
/** A hardware memory error on page `index` of guest_memfd `fd` (memory_failure -> `kvm_gmem_error_folio`, O17). */
export const memoryFailureOpSchema = z.object({ op: z.literal('memoryFailure'), fd, index: nat, ...common }).strict();

/** Any VMM thread op. */
export const vmmOpSchema = z.discriminatedUnion('op', [
  accessOpSchema,
  convertOpSchema,
  pinOpSchema,
  unpinOpSchema,
  munmapOpSchema,
  punchHoleOpSchema,
  fallocateOpSchema,
  setMemoryAttributesOpSchema,
  injectAttrReserveFailureOpSchema,
  signalOpSchema,
  createMemslotOpSchema,
  deleteMemslotOpSchema,
  createGmemOpSchema,
  closeOpSchema,
  fstatOpSchema,
  fileIoOpSchema,
  mmapOpSchema,
  madviseOpSchema,
  uaccessOpSchema,
  umunmapOpSchema,
  signalEventOpSchema,
  waitEventOpSchema,
  markVmDeadOpSchema,
  populateOpSchema,
  memoryFailureOpSchema,
  kvmRunOpSchema
]);

/** A VMM thread op, after defaults are applied. */
export type VmmOp = z.infer<typeof vmmOpSchema>;
/** A VMM thread op as written (defaults optional). */
export type VmmOpInput = z.input<typeof vmmOpSchema>;

/** What an op returned. */
export interface OpResult {
  /** `"0"`, a negative errno name (`"-EAGAIN"`), or a signal (`"SIGBUS"`). */
  readonly rc: string;
  /** `error_offset` in bytes, for conversions that failed with `-EAGAIN`. */
  readonly errorOffset?: number | null;
  /** Value read by an `access`. */
  readonly value?: number | null;
}
