/**
 * Mode `rfc-1g-v2`: the HugeTLB guest_memfd RFC (1G-v2): shareability tree,
 * `KVM_GMEM_CONVERT_SHARED/PRIVATE` with split and merge of 2M/1G folios (O7b,
 * O15), a HugeTLB subpool reserved at creation. Its KVM side is the in-place
 * one (attributes from the guest_memfd).
 */
import { MODE_SUMMARY } from '../model/modes.js';
import { kvmGmemConvert } from '../procedures/convertHuge.js';
import { kvmGmemPunchHoleHugetlb } from '../procedures/punchHoleHuge.js';
import { BASE_OWNERS, BASE_PATHS } from './base.js';
import type { ModeTable } from './table.js';

/** The 1G RFC, v2. */
export const RFC_1G_V2: ModeTable = {
  id: 'rfc-1g-v2',
  summary: MODE_SUMMARY['rfc-1g-v2'],
  paths: { ...BASE_PATHS, kvm_gmem_convert_range: kvmGmemConvert, kvm_gmem_punch_hole: kvmGmemPunchHoleHugetlb },
  owners: BASE_OWNERS,
  hugetlbAllocator: true,
  actors: { lru: false, shm: false }
};
