/**
 * Mode `rfc-inplace-v8`: the in-place conversion RFC (v8): per-inode attribute
 * maple tree, `KVM_SET_MEMORY_ATTRIBUTES2` on the guest_memfd (O7a), host
 * faults check the attribute under `invalidate_lock`, conversions to private
 * check refcounts after draining the LRU-add batches. The base table is this
 * design.
 */
import { MODE_SUMMARY } from '../model/modes.js';
import { BASE_OWNERS, BASE_PATHS } from './base.js';
import type { ModeTable } from './table.js';

/** The in-place RFC. */
export const RFC_INPLACE_V8: ModeTable = {
  id: 'rfc-inplace-v8',
  summary: MODE_SUMMARY['rfc-inplace-v8'],
  paths: BASE_PATHS,
  // Folios added to the page cache are parked in an LRU-add batch (folio_add_lru), which conversions drain.
  owners: { ...BASE_OWNERS, gmem: { ...BASE_OWNERS.gmem, lruBatchOnAdd: true } },
  hugetlbAllocator: false,
  actors: { lru: true, shm: false }
};
