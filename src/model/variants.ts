/**
 * Variants: switches that reintroduce a catalogued bug (spec §5) by changing a
 * protocol step. A variant never records a violation itself; the violation must
 * arise from the changed behaviour under some interleaving.
 */
import type { Mode } from './modes.js';

/** Description of one variant. */
export interface VariantInfo {
  readonly id: string;
  readonly name: string;
  /** What the variant changes, in kernel terms. */
  readonly change: string;
  readonly modes: readonly Mode[];
  /** The invariant exploration is expected to find broken. */
  readonly breaks: string;
  /** Other invariants the same bug breaks first under some interleavings. */
  readonly alsoBreaks?: readonly string[];
  /** A built-in scenario that exposes it. */
  readonly scenario: string;
}

/** Every variant the model implements. */
export const VARIANTS: readonly VariantInfo[] = [
  {
    id: 'B6',
    name: 'private mapping level may exceed the guest_memfd folio order',
    change: 'kvm_max_private_mapping_level() computes max_level = min(folio order, fault max, vendor limit) but returns the vendor level (F-MAXLVL)',
    modes: ['rfc-1g-v2'],
    breaks: 'INV-8',
    scenario: 'hugepage-private-fault-2m'
  },
  {
    id: 'B19',
    name: 'hugepage installed while memory attributes are changing (not in spec §5: found by gmemsim, upstream 9129633d568e)',
    change:
      'kvm_arch_pre_set_memory_attributes adds only the changing gfns to the invalidation, not the head/tail hugepages they partly cover, so a fault on a neighbouring gfn installs a hugepage from stale mixed flags',
    modes: ['upstream-6.8', 'upstream-6.18'],
    breaks: 'INV-21',
    alsoBreaks: ['INV-8', 'INV-5'],
    scenario: 'upstream-lpage-levels'
  },
  {
    id: 'B20',
    name: 'guest_memfd invalidation zaps only private SPTEs of a GMEM_ONLY memslot (not in spec §5: the GMEM_ONLY case of INV-21)',
    change:
      'kvm_gmem_invalidate_begin (PUNCH_HOLE, release, memory failure) zaps with KVM_FILTER_PRIVATE whatever the file, as without kvm_gmem_get_invalidate_filter: the shared SPTEs of a GMEM_ONLY memslot map guest_memfd pages, no mmu-notifier covers them, and they survive the invalidation (PUNCH_HOLE: they keep mapping the freed page)',
    modes: ['upstream-6.18'],
    breaks: 'INV-21',
    alsoBreaks: ['INV-9'],
    scenario: 'gmem-only-shared-vs-punch'
  },
  {
    id: 'B12',
    name: 'per-folio (not per-subpage) pin tracking on a huge folio',
    change:
      'huge folios are never split: a 2M/1G folio with mixed shared/private subpages is host-mapped and GUP-pinned as one large folio, whose pins core-mm cannot attribute to subpages',
    modes: ['rfc-1g-v2'],
    breaks: 'INV-12',
    scenario: 'hugepage-subpage-pin-convert'
  },
  {
    id: 'B18',
    name: 'transient references make conversion fail spuriously',
    change: 'the safety check does not drain the per-CPU LRU-add batches, so a recently added folio keeps a transient reference and every retry gets -EAGAIN',
    modes: ['rfc-inplace-v8'],
    breaks: 'LIVENESS',
    scenario: 'fault-munmap-convert-retry'
  },
  {
    id: 'B4',
    name: 'PUNCH_HOLE zaps but does not truncate',
    change: 'kvm_gmem_punch_hole invalidates the SPTEs but never calls truncate_inode_pages_range: folios and old contents stay (F-9361)',
    modes: ['rfc-inplace-v8'],
    breaks: 'INV-15',
    scenario: 'punch-hole-refault'
  },
  {
    id: 'B1',
    name: 'unbalanced invalidate_begin/end in guest_memfd punch-hole',
    change:
      'kvm_gmem_invalidate_begin takes mmu_lock and calls kvm_mmu_invalidate_begin even when no binding overlaps, while invalidate_end only runs for an overlap (F-b25a)',
    modes: ['rfc-inplace-v8', 'rfc-1g-v2'],
    breaks: 'INV-7',
    scenario: 'punch-unbound-vs-fault'
  },
  {
    id: 'NOCHECK',
    name: 'conversion without any safety check',
    change: 'KVM_SET_MEMORY_ATTRIBUTES2 to private skips kvm_gmem_is_safe_for_conversion entirely',
    modes: ['rfc-inplace-v8'],
    breaks: 'INV-2',
    scenario: 'pin-vs-convert'
  },
  {
    id: 'B10',
    name: 'shareability checked outside the lock that serialises conversion',
    change: 'the host fault reads the attribute (rfc-1g-v1: the faultability) and takes the folio without filemap_invalidate_lock_shared (v1 before patch 39)',
    modes: ['rfc-inplace-v8', 'rfc-1g-v1'],
    breaks: 'INV-4',
    scenario: 'convert-vs-fault'
  },
  {
    id: 'B11',
    name: 'conversion check uses mapcount/pincount instead of refcount',
    change:
      'the safety check accepts a folio if !folio_mapped() && !folio_maybe_dma_pinned(), missing FOLL_GET references (rfc-1g-v1: kvm_gmem_no_mappings_range as posted; its v1 form is exposed by v1-vmsplice-munmap-convert)',
    modes: ['rfc-inplace-v8', 'rfc-1g-v1'],
    breaks: 'INV-2',
    scenario: 'vmsplice-munmap-convert'
  },
  {
    id: 'B15',
    name: 'SPTE installed without the locked retry check',
    change:
      'the vCPU fault installs the SPTE under mmu_lock without mmu_invalidate_retry_gfn, trusting only the lockless mmu_invalidate_retry_gfn_unsafe pre-checks (the SPTE then outlives the truncation: INV-9 follows)',
    modes: ['rfc-inplace-v8'],
    breaks: 'INV-6',
    alsoBreaks: ['INV-16', 'INV-5', 'INV-9'],
    scenario: 'private-fault-vs-punch-hole'
  },
  {
    id: 'B17',
    name: 'deferred HugeTLB pool return',
    change:
      'the free_folio of a truncated huge folio is queued to a kernel worker instead of returning the page to the subpool before the last folio_put returns, so PUNCH_HOLE returns with the page still out of the subpool and an immediate fallocate can fail with -ENOMEM',
    modes: ['rfc-1g-v2'],
    breaks: 'INV-11',
    scenario: 'hugepage-punch-refallocate'
  },
  {
    id: 'B22',
    name: 'conversion to shared without the arch invalidation of the converted pages (not in spec §5: the INV-16 hook of S-1G-v2)',
    change:
      'KVM_GMEM_CONVERT_SHARED stores SHAREABILITY_ALL without calling kvm_arch_gmem_invalidate on the converted pages (kvm_gmem_shareability_apply without the hook of "KVM: guest_memfd: Call arch invalidation hooks when converting to shared"): the split 4K folios keep the RMP-private state the guest fault prepared, and the host maps them',
    modes: ['rfc-1g-v2'],
    breaks: 'INV-16',
    scenario: 'hugepage-arch-prepare-convert'
  },
  {
    id: 'B2',
    name: 'attribute change without range_add',
    change:
      'the pre-set handler of KVM_SET_MEMORY_ATTRIBUTES begins the invalidation and zaps but never calls kvm_mmu_invalidate_range_add, so the invalidation ends with its range still INVALID (F-69c7; a racing fault is saved only by the WARN+retry of the locked check)',
    modes: ['upstream-6.8', 'upstream-6.18'],
    breaks: 'INV-7',
    scenario: 'upstream-attr-vs-fault'
  },
  {
    id: 'B3',
    name: 'shared-only memslots not zapped on attribute change',
    change: 'kvm_arch_pre_set_memory_attributes skips memslots without guest_memfd, so their shared SPTEs survive a change to private (F-fb6f)',
    modes: ['upstream-6.8', 'upstream-6.18'],
    breaks: 'INV-21',
    scenario: 'upstream-attr-vs-fault'
  },
  {
    id: 'B5',
    name: 'mixed-attribute tracking reads lpage_info beyond the memslot',
    change:
      'kvm_arch_post_set_memory_attributes evaluates the head hugepage whenever its aligned gfn is inside the slot, even if the hugepage extends past the slot end (F-992b: vmalloc out-of-bounds read)',
    modes: ['upstream-6.8', 'upstream-6.18'],
    breaks: 'INV-8',
    scenario: 'upstream-lpage-head'
  },
  {
    id: 'B7',
    name: 'guest_memfd release vs memslot deletion use-after-free',
    change:
      'kvm_gmem_unbind returns early when get_file_active fails (file dying, release not yet run), leaving the binding to a memslot that is then freed; kvm_gmem_release later writes slot->gmem.file into freed memory (F-ae43)',
    modes: ['upstream-6.8', 'upstream-6.18'],
    breaks: 'INV-10',
    scenario: 'upstream-release-vs-delete'
  },
  // B13 (spec §5, RFC 1G-v1 TODO), mode rfc-1g-v1: faultability stored with xa_store_range.
  {
    id: 'B13',
    name: 'range store that clobbers neighbouring ranges',
    change:
      'kvm_gmem_set_faultable stores the range as one xa_store_range entry instead of per-index xa_store: a later store overlapping part of an entry replaces all of it (store_range(5,10,FAULT) then store_range(7,12,NULL) clears [5,12])',
    modes: ['rfc-1g-v1'],
    breaks: 'STORE-EXACT',
    scenario: 'b13-range-store-clobber'
  },
  {
    id: 'B13-INV',
    name: 'clobbering range store with the inverted faultability encoding',
    change:
      'as B13, with presence meaning unfaultable (the encoding the RFC thread mentions): erasing a shared range erases the neighbouring unfaultable entry whole, so private pages become host-faultable',
    modes: ['rfc-1g-v1'],
    breaks: 'INV-3',
    scenario: 'b13-inverted-clobber'
  },
  {
    id: 'B21',
    name: 'hugepage made host-faultable without the split (not in spec §5: the RFC 1G-v1 "split before mapping to userspace" rule, INV-12)',
    change:
      'kvm_gmem_should_set_attributes_shared sets the range faultable without splitting the HugeTLB folio behind it: the hugepage keeps its HugeTLB status while indices of it are host-faultable (the host fault then finds a large folio: SIGBUS)',
    modes: ['rfc-1g-v1'],
    breaks: 'INV-12',
    scenario: 'v1-hugepage-split-vs-guest'
  },
  {
    id: 'B8',
    name: 'pre-fault vs memslot deletion deadlock',
    change:
      'a pre-fault (fault->prefetch) on a KVM_MEMSLOT_INVALID slot returns RET_PF_RETRY instead of -EAGAIN, so KVM_PRE_FAULT_MEMORY spins inside its SRCU read section until the deletion completes, while the deletion waits in synchronize_srcu for that section (F-3ccb)',
    modes: ['upstream-6.8', 'upstream-6.18'],
    breaks: 'INV-14',
    scenario: 'prefault-vs-memslot-delete'
  },
  {
    id: 'B9',
    name: 'pre-fault uses an unloaded MMU root',
    change: 'kvm_arch_vcpu_pre_fault_memory ignores the result of kvm_mmu_reload(): after a failed root allocation it maps through the invalid root (F-28ce)',
    modes: ['upstream-6.8', 'upstream-6.18'],
    breaks: 'INV-17',
    scenario: 'prefault-root-alloc-failure'
  },
  {
    id: 'B14',
    name: 'pre-fault silently maps L1 GPAs in SMM / guest mode',
    change:
      "the rejected v2 patch: KVM_PRE_FAULT_MEMORY forces root_mmu and clears HF_SMM_MASK, mapping the GPA in the non-SMM L1 root with as_id 0 memslots instead of the current mode's root (or -EOPNOTSUPP in guest mode)",
    modes: ['upstream-6.8', 'upstream-6.18'],
    breaks: 'INV-17',
    scenario: 'prefault-vcpu-modes'
  }
];

/** Looks a variant up by id. */
export function findVariant(id: string): VariantInfo | undefined {
  return VARIANTS.find((v) => v.id === id);
}
