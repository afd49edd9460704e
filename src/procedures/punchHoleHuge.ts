/**
 * fallocate(PUNCH_HOLE|KEEP_SIZE) with a HugeTLB allocator, mode rfc-1g-v2
 * (spec O4 RFC 1G-v2, S-1G-v2 `kvm_gmem_truncate_inode_range`):
 *
 * 1. validate (`-EINVAL`; at/after `i_size` a no-op); `invalidate_lock(W)`;
 *    `invalidate_begin` + zap of the SPTEs of the range;
 * 2. head/tail parts of the range smaller than a hugepage are only zeroed,
 *    nothing leaves the page cache (`folio_zero_range` on a huge folio or on the
 *    4K folios of a split hugepage);
 * 3. every full hugepage, in ascending order: a huge folio (no shared index) is
 *    truncated directly; a split hugepage is unmapped (`unmap_mapping_pages`),
 *    every 4K folio must hold a safe refcount (else `-EAGAIN`, stopping there;
 *    hugepages already done stay done), merged back, and the merged folio
 *    truncated; its last put returns the huge page to the subpool before the
 *    operation goes on (synchronous; variant B17 defers it);
 * 4. `invalidate_end`; unlock. Shareability is unchanged (INV-19).
 */
import { ACTOR, PAGE_SIZE } from '../model/env.js';
import { hugeCeil, hugeFloor, hugePages, usesHugetlb } from '../model/hugetlb.js';
import type { OpResult } from '../model/ops.js';
import { gmemInvalidateEnd } from './gmemInvalidate.js';
import { hugepagesIn, mergeHugepage, truncateFolio } from './hugepage.js';
import type { Proc, ProcContext, PunchHoleOp } from './kernel.js';
import { kvmGmemPunchHole } from './punchHole.js';
import { call, callGmem, lock, unlock } from './proc.js';
import { unmapMappingPages } from './filemap.js';

/** Zeroes `[start, end)`, a part of one hugepage, without removing anything from the page cache. */
function* zeroPartial(start: number, end: number): Proc<void> {
  for (const hp of yield* hugepagesIn(start, end)) {
    if (hp.kind === 'huge') {
      const g = yield* call(hp.folio, { type: 'folio.get', lock: true, why: 'truncate', index: start });
      if (!g.ok) continue;
      yield* call(hp.folio, { type: 'folio.zeroRange', start: start - hp.base, end: end - hp.base });
      yield* call(hp.folio, { type: 'folio.unlock' });
      yield* call(hp.folio, { type: 'folio.put', why: 'truncate' });
    } else if (hp.kind === 'split') {
      const s = yield* callGmem(ACTOR.gmem, { type: 'gmem.split.subs', base: hp.base });
      const indices = s.indices;
      const subs = s.folios;
      for (let i = 0; i < subs.length; i++) {
        const index = indices[i] ?? 0;
        if (index < start || index >= end) continue;
        const sub = subs[i] ?? '';
        const g = yield* call(sub, { type: 'folio.get', lock: true, why: 'truncate', index });
        if (!g.ok) continue;
        yield* call(sub, { type: 'folio.zeroRange', start: 0, end: 1 });
        yield* call(sub, { type: 'folio.unlock' });
        yield* call(sub, { type: 'folio.put', why: 'truncate' });
      }
      yield* callGmem(ACTOR.gmem, { type: 'gmem.zeroRange', start, end });
    }
  }
}

/** Runs a `punchHole` op on a guest_memfd with a HugeTLB allocator. */
export function* hugetlbPunchHole(op: PunchHoleOp, ctx: ProcContext): Proc<OpResult> {
  if (op.offset % PAGE_SIZE !== 0 || op.size % PAGE_SIZE !== 0 || op.size === 0) return { rc: '-EINVAL' };
  const start = op.offset / PAGE_SIZE;
  const end = Math.min(start + op.size / PAGE_SIZE, ctx.env.pages);
  if (start >= end) return { rc: '0' };
  const nr = hugePages(ctx.env);
  yield* lock(ACTOR.gmem, 'invalidate', 'W');
  const probe = yield* call(ACTOR.gmem, { type: 'gmem.attr.range', start, end, private: true });
  if (probe.type === 'gmem.error') {
    yield* unlock(ACTOR.gmem, 'invalidate', 'W');
    return { rc: probe.rc };
  }
  const ranges = yield* ctx.kernel.kvm_gmem_invalidate_begin(start, end, 'both', ctx);
  const fullStart = hugeCeil(start, nr);
  const fullEnd = hugeFloor(end, nr);
  if (fullStart >= fullEnd) yield* zeroPartial(start, end);
  else {
    if (start < fullStart) yield* zeroPartial(start, fullStart);
    if (fullEnd < end) yield* zeroPartial(fullEnd, end);
  }
  let rc: OpResult = { rc: '0' };
  if (fullStart < fullEnd) {
    for (const hp of yield* hugepagesIn(fullStart, fullEnd)) {
      if (hp.kind === 'huge') {
        yield* truncateFolio(hp.folio, hp.base);
        continue;
      }
      if (hp.kind === 'none') continue;
      yield* unmapMappingPages(hp.base, hp.base + nr);
      const s = yield* callGmem(ACTOR.gmem, { type: 'gmem.split.subs', base: hp.base });
      let safe = true;
      for (const sub of s.folios) {
        const r = yield* call(sub, { type: 'folio.checkSafe', check: 'refcount' });
        if (!r.ok) {
          safe = false;
          break;
        }
      }
      const merged = safe ? yield* mergeHugepage(hp.base, 'truncate') : null;
      if (merged === null) {
        rc = { rc: '-EAGAIN' };
        break;
      }
      yield* truncateFolio(merged, hp.base);
    }
  }
  yield* gmemInvalidateEnd(ranges);
  yield* unlock(ACTOR.gmem, 'invalidate', 'W');
  return rc;
}

/**
 * `kvm_gmem_punch_hole` of a design whose guest_memfd may use a HugeTLB
 * allocator (RFC 1G): the HugeTLB form when the file's folios are huge, else
 * the 4K one.
 */
export function* kvmGmemPunchHoleHugetlb(op: PunchHoleOp, ctx: ProcContext): Proc<OpResult> {
  return usesHugetlb(ctx.env) ? yield* hugetlbPunchHole(op, ctx) : yield* kvmGmemPunchHole(op, ctx);
}
