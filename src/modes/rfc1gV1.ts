/**
 * Mode `rfc-1g-v1`: the HugeTLB guest_memfd RFC (1G-v1): the upstream VM
 * attribute array plus a guest_memfd faultability xarray (`kvm_gmem_set_faultable`);
 * `KVM_SET_MEMORY_ATTRIBUTES` locks the files and clears faultability before a
 * change to private (refusing busy folios), and splits hugepages and sets
 * faultability after a change to shared; host faults read faultability under
 * `invalidate_lock` (patch 39); `kvm_gmem_get_pfn` runs under it too.
 */
import { MODE_SUMMARY } from '../model/modes.js';
import { v1Abort, v1CommitDone, v1SetShared, v1ShouldSetPrivate } from '../procedures/gmemFaultability.js';
import { gmemNotFaultable } from '../procedures/hostFault.js';
import { upstreamAttempt } from '../procedures/kvmPageFault.js';
import { kvmGmemPunchHoleHugetlb } from '../procedures/punchHoleHuge.js';
import { BASE_OWNERS } from './base.js';
import type { ModeTable } from './table.js';
import { UPSTREAM_KVM_PATHS } from './upstream.js';

/** The 1G RFC, v1. */
export const RFC_1G_V1: ModeTable = {
  id: 'rfc-1g-v1',
  summary: MODE_SUMMARY['rfc-1g-v1'],
  paths: {
    ...UPSTREAM_KVM_PATHS,
    kvm_gmem_fault_is_private: gmemNotFaultable,
    kvm_gmem_punch_hole: kvmGmemPunchHoleHugetlb,
    kvm_gmem_should_set_attributes_private: v1ShouldSetPrivate,
    kvm_gmem_should_set_attributes_shared: (start, end, ctx) => v1SetShared(start, end, ctx),
    kvm_gmem_set_attributes_done: v1CommitDone,
    kvm_gmem_set_attributes_abort: v1Abort,
    kvm_mmu_do_page_fault: (req, attempt, ctx) => upstreamAttempt(req, attempt, ctx, { gmemInvalidateLock: true })
  },
  // The guest_memfd keeps the faultability xarray (kvm_gmem_set_faultable) beside the VM's attributes.
  owners: { ...BASE_OWNERS, gmem: { ...BASE_OWNERS.gmem, privacy: 'faultability' } },
  hugetlbAllocator: true,
  actors: { lru: false, shm: true }
};
