/**
 * The parts every design shares: the op table (each scenario op kind to its
 * kernel path) and the default implementation of every named path. A mode's
 * table starts from {@link BASE_PATHS} and names what its design does
 * differently.
 */
import { convert } from '../procedures/convert.js';
import { kvmGmemConvertArchInvalidate, kvmGmemSplitForShared } from '../procedures/convertHuge.js';
import { kvmGmemCheckConversion, kvmGmemIsSafeForConversion, kvmGmemSetAttributes, lruAddDrainAll } from '../procedures/convertInPlace.js';
import { kvmGmemFallocate } from '../procedures/fallocate.js';
import { kvmGmemSetFaultable, noGmemAbort, noGmemAttributeStep, noGmemSetShared, noGmemShouldSetPrivate } from '../procedures/gmemFaultability.js';
import { closeFd, createGmem, fileIo, fstat, madviseGmem, mmapGmem } from '../procedures/gmemFile.js';
import { kvmGmemGetInvalidateFilter, kvmGmemInvalidateBegin } from '../procedures/gmemInvalidate.js';
import { gmemRelease } from '../procedures/gmemRelease.js';
import { efaultExitRc, guestAccess, inPlaceGuestGfn, inPlaceMapGpaRange, mapGpaRange } from '../procedures/guest.js';
import { gupPin, gupUnpin, munmap } from '../procedures/gup.js';
import { hostAccess } from '../procedures/hostAccess.js';
import { gmemAttrIsPrivate, kvmGmemFaultUserMapping } from '../procedures/hostFault.js';
import type { KernelPaths } from '../procedures/kernel.js';
import type { OwnerOptions } from './table.js';
import { inPlacePageFault, isPageFaultStale, kvmFaultinPfnInvalidSlot, kvmMaxPrivateMappingLevel, upstreamAttempt } from '../procedures/kvmPageFault.js';
import { kvmRun } from '../procedures/kvmRun.js';
import { memoryFailure } from '../procedures/memoryFailure.js';
import { createMemslot, deleteMemslot, kvmGmemUnbind, neverGmemOnly } from '../procedures/memslots.js';
import { populate } from '../procedures/populate.js';
import {
  injectRootAllocFailure,
  kvmArchVcpuPreFaultMemory,
  kvmMmuReload,
  preFault,
  preFaultTest,
  setVcpuMode,
  signalVcpu,
  vcpuSignalEvent,
  vcpuWaitEvent,
  withExitErrno
} from '../procedures/prefault.js';
import { kvmGmemPunchHole } from '../procedures/punchHole.js';
import { injectAttrReserveFailure, kvmArchPreSetMemoryAttributes, kvmPreSetMemoryAttributes, setMemoryAttributes } from '../procedures/setMemoryAttributes.js';
import { raiseSignal } from '../procedures/signals.js';
import { uaccess, umunmap } from '../procedures/userMemory.js';
import { markVmDead, signalEvent, waitEvent } from '../procedures/userSync.js';

/** The default paths: the in-place design (S-INPLACE-v8) on the upstream KVM MMU; each mode overrides what differs. */
export const BASE_PATHS: KernelPaths = {
  vmmOps: {
    access: hostAccess,
    convert,
    pin: gupPin,
    unpin: gupUnpin,
    munmap,
    punchHole: (op, ctx) => ctx.kernel.kvm_gmem_punch_hole(op, ctx),
    fallocate: (op, ctx) => ctx.kernel.kvm_gmem_fallocate(op, ctx),
    setMemoryAttributes,
    injectAttrReserveFailure,
    signal: (_op, ctx) => raiseSignal(ctx),
    createMemslot,
    deleteMemslot,
    createGmem,
    close: closeFd,
    fstat,
    fileIo,
    mmap: mmapGmem,
    madvise: madviseGmem,
    uaccess,
    umunmap,
    signalEvent,
    waitEvent,
    markVmDead,
    populate,
    memoryFailure,
    kvmRun
  },
  vcpuOps: {
    preFault,
    preFaultTest,
    setVcpuMode,
    injectRootAllocFailure: (op, ctx) => injectRootAllocFailure(op.count, ctx),
    signalVcpu: (_op, ctx) => signalVcpu(ctx),
    waitEvent: (op) => vcpuWaitEvent(op.event),
    signalEvent: (op) => vcpuSignalEvent(op.event),
    // A run with memory failures reports EHWPOISON exits by their errno (O17).
    guestAccess: (op, ctx) => (ctx.env.hwpoison === true ? withExitErrno(guestAccess(op, ctx), ctx) : guestAccess(op, ctx)),
    mapGpaRange
  },
  kworkerOps: { gmemRelease },
  kvm_gmem_fault_user_mapping: (index, ctx) => kvmGmemFaultUserMapping(index, ctx, { invalidateLock: true, mapLargeFolios: false }),
  kvm_gmem_fault_is_private: gmemAttrIsPrivate,
  kvm_gmem_fallocate: kvmGmemFallocate,
  kvm_gmem_punch_hole: kvmGmemPunchHole,
  kvm_gmem_unbind: kvmGmemUnbind,
  kvm_gmem_invalidate_begin: kvmGmemInvalidateBegin,
  kvm_gmem_get_invalidate_filter: kvmGmemGetInvalidateFilter,
  kvm_gmem_convert_range: kvmGmemSetAttributes,
  kvm_gmem_check_conversion: kvmGmemCheckConversion,
  lru_add_drain_all: lruAddDrainAll,
  kvm_gmem_is_safe_for_conversion: kvmGmemIsSafeForConversion,
  kvm_gmem_convert_arch_invalidate: kvmGmemConvertArchInvalidate,
  kvm_gmem_split_for_shared: kvmGmemSplitForShared,
  kvm_gmem_set_faultable: kvmGmemSetFaultable,
  kvm_gmem_should_set_attributes_private: noGmemShouldSetPrivate,
  kvm_gmem_should_set_attributes_shared: noGmemSetShared,
  kvm_gmem_set_attributes_done: noGmemAttributeStep,
  kvm_gmem_set_attributes_abort: noGmemAbort,
  kvm_pre_set_memory_attributes: kvmPreSetMemoryAttributes,
  kvm_arch_pre_set_memory_attributes: kvmArchPreSetMemoryAttributes,
  kvm_memslot_gmem_only: neverGmemOnly,
  kvm_mmu_page_fault: inPlacePageFault,
  kvm_mmu_do_page_fault: (req, attempt, ctx) => upstreamAttempt(req, attempt, ctx, { gmemInvalidateLock: false }),
  is_page_fault_stale: isPageFaultStale,
  kvm_max_private_mapping_level: kvmMaxPrivateMappingLevel,
  kvm_faultin_pfn_invalid_slot: kvmFaultinPfnInvalidSlot,
  kvm_arch_vcpu_pre_fault_memory: kvmArchVcpuPreFaultMemory,
  kvm_mmu_reload: kvmMmuReload,
  guest_gfn: inPlaceGuestGfn,
  kvm_memory_fault_exit_rc: efaultExitRc,
  kvm_hc_map_gpa_range: inPlaceMapGpaRange
};

/** The default owner options: the in-place design's (every other design names what differs). */
export const BASE_OWNERS: OwnerOptions = {
  folio: { freeHugetlbFolio: 'sync' },
  gmem: { privacy: 'attributes', attributeSource: 'store', lruBatchOnAdd: false, splitOnAllocate: true, faultEncoding: 'present-faultable' },
  kvm: { lpageHead: 'contained', gmemOnlyMemslots: false, gmemFlags: 'mmap' }
};
