/**
 * Huge-folio restructuring (spec O15, S-1G-v2) as procedure steps, each a
 * separate delivery:
 *
 * - split (`kvm_gmem_split_folio_in_filemap`): `folio.freeze` (the folio must
 *   hold exactly its `nr_pages` page-cache references, no mapping, no pin),
 *   then `gmem.split` (removed from the page cache; its 4K folios take its
 *   place, materialised when first touched); each 4K page keeps its
 *   arch-prepared (RMP) state (INV-16);
 * - merge (`kvm_gmem_try_merge_folio_in_filemap`): `folio.freeze` of every
 *   materialised sub-folio (each must hold only its page-cache reference), then
 *   `gmem.merge`; if any freeze fails the frozen ones are unfrozen and the
 *   hugepage stays split; the merged folio is arch-prepared where its pages
 *   were (all shared pages: unprepared);
 * - truncation of one folio (`truncate_inode_folio`): lock, unmap host PTEs,
 *   remove from the page cache, drop the page-cache references, unlock, put. The
 *   last put of a HugeTLB folio returns its page to the subpool before the put
 *   returns (synchronous, S-1G-v2 after the B17 fix).
 *
 * - arch invalidation of a file range (`kvm_arch_gmem_invalidate` from
 *   `kvm_gmem_shareability_apply`, INV-16): `gmem.archInvalidate` (the 4K
 *   folios not yet materialised), then `folio.archInvalidate` of the subpages
 *   of each folio in the range.
 *
 * Also the guest-side invalidation over hugepage-rounded bounds
 * (`kvm_gmem_compute_invalidate_bound`, O7b step 2) with the zap as a separate
 * step (O7b step 3).
 */
import { ACTOR } from '../model/env.js';
import { hugeCeil, hugeFloor } from '../model/hugetlb.js';
import type { HugepageSplitReason } from '../events/protocol/index.js';
import type { Proc } from './kernel.js';
import { call, callGmem, lock, unlock } from './proc.js';
import type { GfnRanges, HugepageState, ZapFilter } from './types.js';
import { folioRefFreeze, folioRefUnfreeze, unmapMappingPages } from './filemap.js';

/** Upper bound on the hugepages one operation restructures (every loop is bounded). */
export const HUGEPAGES_PER_OP_MAX = 1 << 20;

/** A `gmem.hugepages` kind as the type says it (the inode answers only these). */
function hugepageKind(k: string | undefined): HugepageState['kind'] {
  if (k === 'none' || k === 'huge' || k === 'split') return k;
  throw new Error(`gmem.hugepages answered kind ${String(k)}`);
}

/** The hugepages overlapping `[start, end)`. */
export function* hugepagesIn(start: number, end: number): Proc<HugepageState[]> {
  const r = yield* callGmem(ACTOR.gmem, { type: 'gmem.hugepages', start, end });
  const bases = r.bases;
  const kinds = r.kinds;
  const folios = r.folios;
  if (bases.length > HUGEPAGES_PER_OP_MAX) throw new Error('too many hugepages for one operation');
  return bases.map((base, i) => ({ base, kind: hugepageKind(kinds[i]), folio: folios[i] ?? '' }));
}

/** `[start, end)` rounded out to hugepages of `nr` pages, clipped to the file. */
export function roundOut(start: number, end: number, nr: number, pages: number): { start: number; end: number } {
  return { start: hugeFloor(start, nr), end: Math.min(hugeCeil(end, nr), pages) };
}

/** Splits the huge folio `folio` at `base`; false if its refcount could not be frozen. */
export function* splitHugepage(folio: string, base: number, reason: HugepageSplitReason): Proc<boolean> {
  const f = yield* folioRefFreeze(folio);
  if (!f.ok) return false;
  if (f.hugePage === null) throw new Error(`split of ${folio}, which is not a HugeTLB folio`);
  yield* callGmem(ACTOR.gmem, {
    type: 'gmem.split',
    folio,
    base,
    reason,
    hugePage: f.hugePage,
    uptodate: f.uptodate,
    subpages: f.subpages,
    values: f.values,
    // The arch-prepared runs (INV-16), carried to the 4K folios.
    ...(f.preparedStarts === undefined || f.preparedEnds === undefined ? {} : { preparedStarts: f.preparedStarts, preparedEnds: f.preparedEnds })
  });
  return true;
}

/**
 * Merges the split hugepage at `base`; returns the merged folio, or null if a
 * sub-folio is busy. `reason` `truncate`: PUNCH_HOLE merges a hugepage that may
 * still have shared indices, to truncate it at once under the same lock.
 */
export function* mergeHugepage(base: number, reason: 'convert' | 'truncate' | 'rollback'): Proc<string | null> {
  const s = yield* callGmem(ACTOR.gmem, { type: 'gmem.split.subs', base });
  const subs = s.folios;
  const frozen: string[] = [];
  const uptodates: boolean[] = [];
  const values: number[] = [];
  const prepareds: boolean[] = [];
  let ok = true;
  for (const sub of subs) {
    const f = yield* folioRefFreeze(sub);
    if (!f.ok) {
      ok = false;
      break;
    }
    frozen.push(sub);
    uptodates.push(f.uptodate);
    prepareds.push(f.preparedStarts !== undefined);
    const vals = f.values;
    values.push(vals[0] ?? 0);
  }
  if (ok) {
    const m = yield* callGmem(ACTOR.gmem, {
      type: 'gmem.merge',
      base,
      reason,
      folios: frozen,
      uptodates,
      values,
      ...(prepareds.includes(true) ? { prepareds } : {})
    });
    if (m.ok) return m.folio;
  }
  // Rollback: the hugepage stays split.
  for (const sub of frozen) yield* folioRefUnfreeze(sub);
  return null;
}

/**
 * `kvm_arch_gmem_invalidate` of the file range `[start, end)` (e.g. SNP RMP ->
 * shared): only the subpages in the range, each folio that covers part of it
 * (a huge folio not yet split included), so the pages that stay private keep
 * their state.
 */
export function* archInvalidateRange(start: number, end: number, why: string): Proc<void> {
  const r = yield* callGmem(ACTOR.gmem, { type: 'gmem.archInvalidate', start, end, why });
  const folios = r.folios;
  const starts = r.starts;
  const ends = r.ends;
  for (let i = 0; i < folios.length; i++) {
    yield* call(folios[i] ?? '', { type: 'folio.archInvalidate', why, start: starts[i] ?? 0, end: ends[i] ?? 0 });
  }
}

/** Truncates one folio (lock, unmap host PTEs, remove, drop page-cache refs, unlock, put). */
export function* truncateFolio(folio: string, index: number): Proc<void> {
  const g = yield* call(folio, { type: 'folio.get', lock: true, why: 'truncate', index });
  if (!g.ok) return;
  const base = g.base;
  const nr = 2 ** g.order;
  yield* unmapMappingPages(base, base + nr);
  yield* callGmem(ACTOR.gmem, { type: 'gmem.filemap.remove', folio });
  yield* call(folio, { type: 'folio.truncate' });
  yield* call(folio, { type: 'folio.unlock' });
  // For a HugeTLB folio the reply comes from the inode once the page is back in the subpool.
  yield* call(folio, { type: 'folio.put', why: 'truncate' });
}

/**
 * `kvm_gmem_invalidate_begin` over the given file ranges (already rounded by
 * the caller): take `mmu_lock`, begin, add each GFN range; no zap (O7b step 2).
 */
export function* invalidateBeginFileRanges(starts: readonly number[], ends: readonly number[]): Proc<GfnRanges> {
  const gs: number[] = [];
  const ge: number[] = [];
  for (let i = 0; i < starts.length; i++) {
    const b = yield* callGmem(ACTOR.gmem, { type: 'gmem.bindings', start: starts[i] ?? 0, end: ends[i] ?? 0 });
    gs.push(...b.gfnStarts);
    ge.push(...b.gfnEnds);
  }
  const ranges: GfnRanges = { starts: gs, ends: ge };
  if (gs.length === 0) return ranges;
  yield* lock(ACTOR.mmu, 'mmu', 'W');
  yield* call(ACTOR.mmu, { type: 'mmu.invalidate.begin' });
  for (let i = 0; i < gs.length; i++) yield* call(ACTOR.mmu, { type: 'mmu.invalidate.rangeAdd', start: gs[i] ?? 0, end: ge[i] ?? 0 });
  yield* unlock(ACTOR.mmu, 'mmu', 'W');
  return ranges;
}

/** Zaps the SPTEs `filter` selects in the GFN ranges of an invalidation in progress. */
export function* zapRanges(ranges: GfnRanges, filter: ZapFilter, addRanges = false): Proc<void> {
  if (ranges.starts.length === 0) return;
  yield* lock(ACTOR.mmu, 'mmu', 'W');
  for (let i = 0; i < ranges.starts.length; i++) {
    const start = ranges.starts[i] ?? 0;
    const end = ranges.ends[i] ?? 0;
    // `addRanges`: each range first joins the invalidation in progress (`kvm_mmu_invalidate_range_add`).
    if (addRanges) yield* call(ACTOR.mmu, { type: 'mmu.invalidate.rangeAdd', start, end });
    yield* call(ACTOR.mmu, { type: 'mmu.zap', start, end, filter });
  }
  yield* unlock(ACTOR.mmu, 'mmu', 'W');
}
