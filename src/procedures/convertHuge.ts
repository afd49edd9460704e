/**
 * S-1G-v2 `KVM_GMEM_CONVERT_SHARED` / `KVM_GMEM_CONVERT_PRIVATE`
 * (`kvm_gmem_convert_range`, spec O7b, O15), mode rfc-1g-v2:
 *
 * 1. validate (`-EINVAL`); `invalidate_lock(W)`; the work list is the
 *    sub-ranges whose shareability differs from the target (none: return 0);
 * 2. `invalidate_begin` over every work item rounded out to hugepages
 *    (`kvm_gmem_compute_invalidate_bound`; range_add only);
 * 3. should_proceed: to shared, zap the private SPTEs of the rounded ranges
 *    (huge SPTEs spanning a split go too); to private, `unmap_mapping_pages`
 *    of each item, then `kvm_gmem_has_safe_refcount` (every folio
 *    `refcount == nr_pages + 1`, else `-EAGAIN` with `error_offset` = the first
 *    offending folio, nothing changed), then zap the SPTEs of the rounded ranges;
 * 4. execute: to shared, arch-invalidate the pages of every work item
 *    (`kvm_arch_gmem_invalidate`, e.g. SNP RMP -> shared, before they are
 *    tracked as shared: the comment in `kvm_gmem_shareability_apply`, INV-16;
 *    only the converted subpages, so the rest of a huge folio stays prepared;
 *    variant B22 skips it); store the shareability, then restructure: to shared, split every
 *    huge folio of the rounded ranges; to private, try to merge every split
 *    hugepage of the rounded ranges whose indices are now all private. A split
 *    that cannot freeze the folio rolls back in reverse (shareability restored,
 *    hugepages split by this call merged back; the arch invalidation stays:
 *    the next private fault prepares again) and fails with `-EAGAIN`;
 * 5. `invalidate_end`; unlock.
 *
 * SHAREABILITY_GUEST is the `private: true` value of the inode's attribute map.
 */
import { ACTOR, PAGE_SIZE } from '../model/env.js';
import { hugePages } from '../model/hugetlb.js';
import type { OpResult } from '../model/ops.js';
import { convertRange } from './convert.js';
import { gmemInvalidateEnd } from './gmemInvalidate.js';
import { archInvalidateRange, hugepagesIn, invalidateBeginFileRanges, mergeHugepage, roundOut, splitHugepage, zapRanges } from './hugepage.js';
import type { ConvertOp, Proc, ProcContext } from './kernel.js';
import { call, callGmem, lock, unlock } from './proc.js';
import { unmapMappingPages } from './filemap.js';

/** Runs a `convert` op in mode rfc-1g-v2. */
export function* kvmGmemConvert(op: ConvertOp, ctx: ProcContext): Proc<OpResult> {
  const range = convertRange(op.offset, op.size, ctx.env.pages);
  if (range === null) return { rc: '-EINVAL' };
  const toPrivate = op.to === 'private';
  const nr = hugePages(ctx.env);
  yield* lock(ACTOR.gmem, 'invalidate', 'W');
  const runs = yield* call(ACTOR.gmem, { type: 'gmem.attr.runs', start: range.start, end: range.end });
  if (runs.type === 'gmem.error') {
    yield* unlock(ACTOR.gmem, 'invalidate', 'W');
    return { rc: runs.rc };
  }
  const starts = runs.starts;
  const ends = runs.ends;
  const privs = runs.privs;
  const work: { start: number; end: number }[] = [];
  starts.forEach((s, i) => {
    if (privs[i] !== toPrivate) work.push({ start: s, end: ends[i] ?? s });
  });
  if (work.length === 0) {
    yield* unlock(ACTOR.gmem, 'invalidate', 'W');
    return { rc: '0' };
  }
  const rounded = work.map((w) => roundOut(w.start, w.end, nr, ctx.env.pages));
  const ranges = yield* invalidateBeginFileRanges(
    rounded.map((r) => r.start),
    rounded.map((r) => r.end)
  );
  const finish = function* (rc: OpResult): Proc<OpResult> {
    yield* gmemInvalidateEnd(ranges);
    yield* unlock(ACTOR.gmem, 'invalidate', 'W');
    return rc;
  };
  if (toPrivate) {
    for (const w of work) yield* unmapMappingPages(w.start, w.end);
    for (const w of work) {
      const list = yield* callGmem(ACTOR.gmem, { type: 'gmem.filemap.list', start: w.start, end: w.end });
      for (const folio of list.folios) {
        const safe = yield* call(folio, { type: 'folio.checkSafe', check: 'refcount' });
        if (!safe.ok) return yield* finish({ rc: '-EAGAIN', errorOffset: Math.max(w.start, safe.base) * PAGE_SIZE });
      }
    }
    yield* zapRanges(ranges, 'both');
  } else {
    yield* zapRanges(ranges, 'private');
    // kvm_gmem_shareability_apply(SHAREABILITY_ALL): arch-invalidate before the pages are tracked as shared (INV-16).
    for (const w of work) yield* ctx.kernel.kvm_gmem_convert_arch_invalidate(w.start, w.end, ctx);
  }
  for (const w of work) yield* callGmem(ACTOR.gmem, { type: 'gmem.attr.store', start: w.start, end: w.end, private: toPrivate });
  if (nr === 1) return yield* finish({ rc: '0' });
  const split: number[] = [];
  for (const r of rounded) {
    for (const hp of yield* hugepagesIn(r.start, r.end)) {
      if (!toPrivate && hp.kind === 'huge') {
        const r = yield* ctx.kernel.kvm_gmem_split_for_shared(hp.folio, hp.base, ctx);
        if (r === 'kept') continue;
        if (r === 'split') {
          split.push(hp.base);
          continue;
        }
        // Rollback in reverse: shareability back, hugepages this call split merged back.
        for (const w of [...work].reverse()) yield* callGmem(ACTOR.gmem, { type: 'gmem.attr.store', start: w.start, end: w.end, private: !toPrivate });
        for (const b of split.reverse()) yield* mergeHugepage(b, 'rollback');
        return yield* finish({ rc: '-EAGAIN', errorOffset: hp.base * PAGE_SIZE });
      }
      if (toPrivate && hp.kind === 'split') {
        const all = yield* callGmem(ACTOR.gmem, { type: 'gmem.attr.range', start: hp.base, end: hp.base + nr, private: true });
        if (all.uniform) yield* mergeHugepage(hp.base, 'convert');
      }
    }
  }
  return yield* finish({ rc: '0' });
}

/** `kvm_arch_gmem_invalidate` of the converted indices `[start, end)` (`kvm_gmem_shareability_apply` to SHAREABILITY_ALL, INV-16). */
export function* kvmGmemConvertArchInvalidate(start: number, end: number, _ctx: ProcContext): Proc<void> {
  yield* archInvalidateRange(start, end, 'convert');
}

/** `kvm_gmem_split_folio_in_filemap` of a huge folio whose hugepage now has a shared index: `busy` if it had unexpected references. */
export function* kvmGmemSplitForShared(folio: string, base: number, _ctx: ProcContext): Proc<'split' | 'busy' | 'kept'> {
  return (yield* splitHugepage(folio, base, 'convert')) ? 'split' : 'busy';
}
