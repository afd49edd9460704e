/**
 * Modes (spec §7.1): which protocol design a run models. A mode is a
 * configuration of the same machines, never a copy of them.
 */

/** Every mode the spec names. */
export const MODES = ['rfc-inplace-v8', 'rfc-1g-v2', 'rfc-1g-v1', 'upstream-6.8', 'upstream-6.18', 'fd-2022'] as const;

/** A protocol design. */
export type Mode = (typeof MODES)[number];

/** Modes the model implements today. The others are rejected with a clear error (exit 2). */
export const IMPLEMENTED_MODES: readonly Mode[] = ['rfc-inplace-v8', 'rfc-1g-v2', 'upstream-6.8', 'upstream-6.18', 'rfc-1g-v1', 'fd-2022'];

/** What each mode means (spec §7.1), for `gmemsim modes` and docs. */
export const MODE_SUMMARY: Readonly<Record<Mode, string>> = {
  'rfc-inplace-v8': 'in-place conversion: per-inode attribute maple tree, KVM_SET_MEMORY_ATTRIBUTES2 on the guest_memfd (O7a)',
  'rfc-1g-v2': 'HugeTLB 2M/1G guest_memfd with shareability tree, KVM_GMEM_CONVERT_* and split/merge (O7b, O15)',
  'rfc-1g-v1': 'VM attributes plus guest_memfd faultability xarray, HugeTLB split before host map (O6 + O7c)',
  'upstream-6.8': 'VM attribute array, private from guest_memfd, shared from userspace_addr (O6)',
  'upstream-6.18': 'as 6.8 plus GUEST_MEMFD_FLAG_MMAP/INIT_SHARED and GMEM_ONLY memslots',
  'fd-2022': 'memfile_notifier design: a page is private iff allocated in the backing store'
};

/** True if `name` is a mode the spec names. */
export function isMode(name: string): name is Mode {
  return (MODES as readonly string[]).includes(name);
}
