/**
 * The static environment every actor of a run shares: mode, variant, sizes and
 * the ids of the singleton actors.
 */
import type { Mode } from './modes.js';

/** Page size in bytes. */
export const PAGE_SIZE = 4096;
/** GUP_PIN_COUNTING_BIAS: refs a FOLL_PIN adds to a small folio (spec §1.3.1). */
export const GUP_PIN_COUNTING_BIAS = 1024;

/** Ids of the singleton actors. */
export const ACTOR = {
  gmem: 'gmem0',
  mm: 'mm',
  mmu: 'mmu'
} as const;

/** Shared, immutable run environment. */
export interface ModelEnv {
  readonly mode: Mode;
  /** Active variant id, or null for the correct protocol. */
  readonly variant: string | null;
  /** guest_memfd size in pages. */
  readonly pages: number;
  /** Folio order the allocator hands out (0 = 4K, 9 = 2M, 18 = 1G). */
  readonly folioOrder: number;
  /** guest_memfd flags, e.g. `INIT_SHARED`. */
  readonly initShared: boolean;
  /** Memslot binding of the guest_memfd (slot 0), or null if unbound. */
  readonly binding: { readonly slot: number; readonly baseGfn: number; readonly pgoff: number; readonly npages: number } | null;
  /** Free hugepages of the host-global HugeTLB pool before the guest_memfd is created (rfc-1g-v2); absent = exactly enough. */
  readonly hugePoolPages?: number;
}

/** True if the run reintroduces bug `id`. */
export function hasVariant(env: ModelEnv, id: string): boolean {
  return env.variant === id;
}
