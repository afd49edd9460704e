/**
 * Mode `fd-2022`: the memfile_notifier design of 2022 ("a page is private iff
 * allocated in the backing store"): fallocate maps private and notifies KVM,
 * PUNCH_HOLE makes pages shared again, the KVM fault compares the access with
 * allocation, and a mismatch exits with `KVM_EXIT_MEMORY_ERROR`.
 */
import { MODE_SUMMARY } from '../model/modes.js';
import { fallocateFd2022, fd2022MemoryFaultExitRc, fd2022PageFault } from '../procedures/fd2022.js';
import { BASE_OWNERS, BASE_PATHS } from './base.js';
import type { ModeTable } from './table.js';

/** The 2022 memfile_notifier design. */
export const FD_2022: ModeTable = {
  id: 'fd-2022',
  summary: MODE_SUMMARY['fd-2022'],
  paths: { ...BASE_PATHS, kvm_gmem_fallocate: fallocateFd2022, kvm_mmu_page_fault: fd2022PageFault, kvm_memory_fault_exit_rc: fd2022MemoryFaultExitRc },
  // A page is private exactly when allocated in the backing store.
  owners: { ...BASE_OWNERS, gmem: { ...BASE_OWNERS.gmem, attributeSource: 'allocation' } },
  hugetlbAllocator: false,
  actors: { lru: false, shm: true }
};
