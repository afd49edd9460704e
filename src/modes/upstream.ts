/**
 * The upstream designs (`virt/kvm/guest_memfd.c`, `virt/kvm/kvm_main.c`,
 * `arch/x86/kvm/mmu/`): the VM attribute array (`KVM_SET_MEMORY_ATTRIBUTES`,
 * O6) is the truth; private pages come from guest_memfd, shared ones from
 * `userspace_addr`; the KVM fault runs under SRCU with a lock-free attribute read.
 *
 * - `upstream-6.8`: no guest_memfd mmap;
 * - `upstream-6.18`: `GUEST_MEMFD_FLAG_MMAP` / `INIT_SHARED`, GMEM_ONLY memslots
 *   (a file created shared can be host-faulted, without the invalidate lock).
 */
import { MODE_SUMMARY } from '../model/modes.js';
import { upstreamGuestGfn, upstreamMapGpaRange } from '../procedures/guest.js';
import { gmemNotInitShared, kvmGmemFaultUserMapping, noGmemMmapFault } from '../procedures/hostFault.js';
import type { KernelPaths } from '../procedures/kernel.js';
import { upstreamPageFault } from '../procedures/kvmPageFault.js';
import { gmemOnlyIfMmap } from '../procedures/memslots.js';
import { BASE_OWNERS, BASE_PATHS } from './base.js';
import type { ModeTable } from './table.js';

/** The KVM side every upstream-based design shares (RFC 1G-v1 builds on it too). */
export const UPSTREAM_KVM_PATHS: KernelPaths = {
  ...BASE_PATHS,
  kvm_mmu_page_fault: upstreamPageFault,
  guest_gfn: upstreamGuestGfn,
  kvm_hc_map_gpa_range: upstreamMapGpaRange
};

/** Linux 6.8. */
export const UPSTREAM_6_8: ModeTable = {
  id: 'upstream-6.8',
  summary: MODE_SUMMARY['upstream-6.8'],
  paths: { ...UPSTREAM_KVM_PATHS, kvm_gmem_fault_user_mapping: noGmemMmapFault, kvm_gmem_fault_is_private: gmemNotInitShared },
  // KVM_CREATE_GUEST_MEMFD takes no flags in 6.8 (no mmap, no INIT_SHARED).
  owners: { ...BASE_OWNERS, kvm: { ...BASE_OWNERS.kvm, gmemFlags: 'none' } },
  hugetlbAllocator: false,
  actors: { lru: false, shm: true }
};

/** Linux 6.18. */
export const UPSTREAM_6_18: ModeTable = {
  id: 'upstream-6.18',
  summary: MODE_SUMMARY['upstream-6.18'],
  paths: {
    ...UPSTREAM_KVM_PATHS,
    kvm_gmem_fault_user_mapping: (index, ctx) => kvmGmemFaultUserMapping(index, ctx, { invalidateLock: false, mapLargeFolios: false }),
    kvm_gmem_fault_is_private: gmemNotInitShared,
    kvm_memslot_gmem_only: gmemOnlyIfMmap
  },
  // Memslots bound to an mmap-able guest_memfd are KVM_MEMSLOT_GMEM_ONLY.
  owners: { ...BASE_OWNERS, kvm: { ...BASE_OWNERS.kvm, gmemOnlyMemslots: true } },
  hugetlbAllocator: false,
  actors: { lru: false, shm: true }
};
