/**
 * HugeTLB helpers for the huge-folio modes (spec §1.1 allocator, §1.3, O3, O15,
 * INV-11): hugepage geometry and the per-inode subpool as pure functions.
 *
 * The subpool reserves `size / hugepage` pages of the host-global pool when the
 * guest_memfd is created (`hugepage_new_subpool` / `guestmem_hugetlb` inode
 * setup); an allocation takes one page from the subpool; a page goes back to
 * the subpool only when its folio is merged and its refcount reached 0.
 */
import type { ModelEnv } from './env.js';

/** Folio orders the model knows: 4K, 2M, 1G. */
export const FOLIO_ORDERS = [0, 9, 18] as const;

/** True if the run backs the guest_memfd with HugeTLB pages (modes rfc-1g-v2 and rfc-1g-v1, folios of 2M or 1G). */
export function usesHugetlb(env: ModelEnv): boolean {
  return env.hugetlbAllocator === true && env.folioOrder > 0;
}

/** Pages of one hugepage of the run (1 when the run has no HugeTLB allocator). */
export function hugePages(env: ModelEnv): number {
  return usesHugetlb(env) ? 2 ** env.folioOrder : 1;
}

/** `index` rounded down to its hugepage. */
export function hugeFloor(index: number, nr: number): number {
  return index - (index % nr);
}

/** `index` rounded up to a hugepage boundary. */
export function hugeCeil(index: number, nr: number): number {
  const r = index % nr;
  return r === 0 ? index : index + (nr - r);
}

/** Subpool counters, in hugepages. */
export interface Subpool {
  /** Pages reserved at creation (`size / hugepage`). */
  readonly reserved: number;
  /** Pages handed out to folios of this guest_memfd. */
  readonly inUse: number;
  /** Reserved pages not in use. */
  readonly free: number;
}

/** Result of reserving a subpool from the global pool. */
export type ReserveResult =
  | { readonly ok: true; readonly subpool: Subpool; readonly globalFree: number }
  | { readonly ok: false; readonly rc: '-ENOMEM' | '-EINVAL'; readonly globalFree: number };

/**
 * Reserves the subpool of a guest_memfd of `pages` pages with hugepages of
 * `nr` pages from a global pool with `globalFree` free hugepages:
 * `-EINVAL` if the size is not hugepage-aligned, `-ENOMEM` if the global pool
 * cannot cover the reservation.
 */
export function reserveSubpool(pages: number, nr: number, globalFree: number): ReserveResult {
  if (pages % nr !== 0) return { ok: false, rc: '-EINVAL', globalFree };
  const need = pages / nr;
  if (need > globalFree) return { ok: false, rc: '-ENOMEM', globalFree };
  return { ok: true, subpool: { reserved: need, inUse: 0, free: need }, globalFree: globalFree - need };
}

/** Takes one page from the subpool, or null if none is free. */
export function subpoolTake(pool: Subpool): Subpool | null {
  if (pool.free === 0) return null;
  return { reserved: pool.reserved, inUse: pool.inUse + 1, free: pool.free - 1 };
}

/** Returns one page to the subpool. Throws if nothing is in use (a double free is a model bug). */
export function subpoolGive(pool: Subpool): Subpool {
  if (pool.inUse === 0) throw new Error('subpool: free of a page that is not in use');
  return { reserved: pool.reserved, inUse: pool.inUse - 1, free: pool.free + 1 };
}
