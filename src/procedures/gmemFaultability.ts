/**
 * The guest_memfd side of `KVM_SET_MEMORY_ATTRIBUTES` in mode rfc-1g-v1 (spec
 * O6 "RFC 1G-v1 addition", O7c, INV-3; S-1G-v1 `kvm_gmem_should_set_attributes`):
 * the rfc-1g-v1 table's kernel paths `kvm_gmem_should_set_attributes_private`,
 * `kvm_gmem_should_set_attributes_shared`, `kvm_gmem_set_attributes_done` and
 * `kvm_gmem_set_attributes_abort`, which `setMemoryAttributes`
 * (setMemoryAttributes.ts) calls under `slots_lock`:
 *
 * - **to private**, before the VM attributes change (before `xa_reserve`):
 *   for every guest_memfd range the gfn range covers, under
 *   `invalidate_lock(W)` (patch 39: faults take it for read), clear
 *   faultability (`kvm_gmem_set_faultable(false)`), then
 *   `kvm_gmem_no_mappings_range`: every folio of the range must hold no
 *   unexpected reference (the refcount check the thread converged on: page
 *   cache + the checker's own, which also excludes mappings and pins; variant
 *   B11 restores v1's `folio_mapped() || folio_maybe_dma_pinned()`). A busy folio
 *   restores the faultability of the indices that had it and fails `-EINVAL`
 *   (userspace must unmap and unpin first; v1 never unmaps for the caller).
 *   Otherwise `invalidate_lock(W)` stays held until the VM attributes are stored
 *   (INV-4: the whole check-then-commit sequence), so no reference taken under
 *   the lock for read (fallocate, host fault) slips in between;
 * - **to shared**, after the pre-set invalidation zapped the private SPTEs and
 *   the new attributes were stored (so `faultable => !private` holds at every
 *   step, INV-3), under `invalidate_lock(W)`: split every huge folio of the range
 *   (v1 splits before any host mapping, INV-12; the private SPTEs of the whole
 *   hugepage are zapped first, INV-9; a folio that cannot be frozen stays huge
 *   and its indices stay unfaultable), then set faultable. Nothing is
 *   merged when converting back to private (v1 reunites a huge page only when
 *   it is truncated).
 *
 * Faultability stores go through the kernel path `kvm_gmem_set_faultable`, one
 * request each (`gmem.faultable.store`): the v1 per-index `xa_store` loop, or,
 * with variants B13 / B13-INV (which replace that path), one `xa_store_range`
 * that replaces every overlapping multi-index entry whole.
 */
import { ACTOR } from '../model/env.js';
import { hugePages, usesHugetlb } from '../model/hugetlb.js';
import { rangesOf } from './gmemInvalidate.js';
import { hugepagesIn, splitHugepage, zapRanges } from './hugepage.js';
import type { Proc, ProcContext } from './kernel.js';
import { call, callGmem, lock, unlock } from './proc.js';
import type { GmemRange, ShouldSetPrivate } from './types.js';

/**
 * `kvm_gmem_set_faultable` (S-1G-v1): stores `faultable` over `[start, end)`
 * of `gmem` index by index (`xa_store`), so a later store over part of the
 * range leaves the rest as it is.
 */
export function* kvmGmemSetFaultable(gmem: string, start: number, end: number, faultable: boolean, _ctx: ProcContext): Proc<void> {
  yield* callGmem(gmem, { type: 'gmem.faultable.store', start, end, faultable, how: 'index' });
}

/** The guest_memfd ranges the gfns `[start, end)` map to through memslots with a guest_memfd. */
export function* gmemRangesOf(start: number, end: number): Proc<GmemRange[]> {
  const ov = yield* call(ACTOR.kvm, { type: 'kvm.memslots.overlapping', start, end });
  const gmems = ov.gmems;
  const bases = ov.baseGfns;
  const sizes = ov.npages;
  const pgoffs = ov.pgoffs;
  const out: GmemRange[] = [];
  gmems.forEach((gmem, i) => {
    if (gmem === '') return;
    const base = bases[i] ?? 0;
    const pgoff = pgoffs[i] ?? 0;
    const s = Math.max(start, base);
    const e = Math.min(end, base + (sizes[i] ?? 0));
    if (s < e) out.push({ gmem, start: pgoff + (s - base), end: pgoff + (e - base) });
  });
  return out;
}

/**
 * `kvm_gmem_should_set_attributes_private` for every range: `-EINVAL`
 * (faultability restored, locks dropped) if a folio is still mapped or
 * referenced; else the `invalidate_lock`s stay held (INV-4: the whole
 * check-then-commit sequence) until {@link v1CommitDone} after the VM store.
 */
export function* v1ShouldSetPrivate(start: number, end: number, ctx: ProcContext): Proc<ShouldSetPrivate> {
  const held: string[] = [];
  const restore: GmemRange[] = [];
  for (const r of yield* gmemRangesOf(start, end)) {
    if (!held.includes(r.gmem)) {
      yield* lock(r.gmem, 'invalidate', 'W');
      held.push(r.gmem);
    }
    const before = yield* callGmem(r.gmem, { type: 'gmem.faultable.runs', start: r.start, end: r.end });
    yield* ctx.kernel.kvm_gmem_set_faultable(r.gmem, r.start, r.end, false, ctx);
    const list = yield* callGmem(r.gmem, { type: 'gmem.filemap.list', start: r.start, end: r.end });
    let busy = false;
    for (const folio of list.folios) {
      if (!(yield* ctx.kernel.kvm_gmem_is_safe_for_conversion(folio, ctx)).ok) {
        busy = true;
        break;
      }
    }
    const starts = before.starts;
    const ends = before.ends;
    const was = before.faultable;
    const runs: GmemRange[] = [];
    for (let i = 0; i < starts.length; i++) if (was[i] === true) runs.push({ gmem: r.gmem, start: starts[i] ?? 0, end: ends[i] ?? 0 });
    if (busy) {
      // Restore what was faultable before (v1 set the whole range faultable again).
      for (const run of runs) yield* ctx.kernel.kvm_gmem_set_faultable(run.gmem, run.start, run.end, true, ctx);
      yield* v1CommitDone(held, ctx);
      return { rc: '-EINVAL' };
    }
    restore.push(...runs);
  }
  return { rc: null, held, restore };
}

/**
 * Undoes a successful {@link v1ShouldSetPrivate} when the attribute change
 * fails after it (`xa_reserve` -> `-ENOMEM`, O6 step 3): the indices that were
 * faultable become faultable again, then the `invalidate_lock`s are dropped.
 */
export function* v1Abort(held: readonly string[], restore: readonly GmemRange[], ctx: ProcContext): Proc<void> {
  for (const run of restore) yield* ctx.kernel.kvm_gmem_set_faultable(run.gmem, run.start, run.end, true, ctx);
  yield* v1CommitDone(held, ctx);
}

/** Drops the `invalidate_lock`s {@link v1ShouldSetPrivate} kept across the commit. */
export function* v1CommitDone(held: readonly string[], _ctx: ProcContext): Proc<void> {
  for (const gmem of [...held].reverse()) yield* unlock(gmem, 'invalidate', 'W');
}

/**
 * Removes the private SPTEs of the whole hugepage at `base` before its huge folio is split (the pieces are new
 * folios; an SPTE left on the huge one would map a folio no longer in the page cache, INV-9): its GFNs join the
 * invalidation the caller's pre-set began (bounds rounded out to the hugepage, as S-1G-v2
 * `kvm_gmem_compute_invalidate_bound`), and are zapped. Faults that still hold the folio make the split fail.
 */
function* zapHugepageSptes(gmem: string, base: number, nr: number): Proc<void> {
  yield* zapRanges(rangesOf(yield* callGmem(gmem, { type: 'gmem.bindings', start: base, end: base + nr })), 'private', true);
}

/**
 * `kvm_gmem_should_set_attributes_shared` for every range: split huge folios (after zapping the private SPTEs of
 * their hugepages), then set faultable. Runs inside the attribute change's invalidation (after the store, before
 * the post-set end). Variant B21 skips the split: the range becomes faultable while its huge folio stays whole.
 */
export function* v1SetShared(start: number, end: number, ctx: ProcContext, opts: { readonly splitHugepages: boolean } = { splitHugepages: true }): Proc<void> {
  const nr = hugePages(ctx.env);
  for (const r of yield* gmemRangesOf(start, end)) {
    yield* lock(r.gmem, 'invalidate', 'W');
    const stuck: { start: number; end: number }[] = [];
    if (opts.splitHugepages && usesHugetlb(ctx.env)) {
      for (const hp of yield* hugepagesIn(r.start, r.end)) {
        if (hp.kind !== 'huge') continue;
        yield* zapHugepageSptes(r.gmem, hp.base, nr);
        if (!(yield* splitHugepage(hp.folio, hp.base, 'convert'))) stuck.push({ start: Math.max(r.start, hp.base), end: Math.min(r.end, hp.base + nr) });
      }
    }
    // Set faultable on the range minus the hugepages that could not be split (bounded by the hugepage count).
    let at = r.start;
    for (const s of [...stuck, { start: r.end, end: r.end }]) {
      if (at < s.start) yield* ctx.kernel.kvm_gmem_set_faultable(r.gmem, at, s.start, true, ctx);
      at = s.end;
    }
    yield* unlock(r.gmem, 'invalidate', 'W');
  }
}

/** Upstream: `KVM_SET_MEMORY_ATTRIBUTES` has no guest_memfd step before a change to private. */
export function* noGmemShouldSetPrivate(_start: number, _end: number, _ctx: ProcContext): Proc<ShouldSetPrivate> {
  yield* [];
  return { rc: null, held: [], restore: [] };
}

/** Upstream: no guest_memfd step after a change to shared. */
export function* noGmemSetShared(_start: number, _end: number, _ctx: ProcContext): Proc<void> {
  yield* [];
}

/** Upstream: nothing to undo or unlock. */
export function* noGmemAttributeStep(_held: readonly string[], _ctx: ProcContext): Proc<void> {
  yield* [];
}

/** Upstream: nothing to restore. */
export function* noGmemAbort(_held: readonly string[], _restore: readonly GmemRange[], _ctx: ProcContext): Proc<void> {
  yield* [];
}
