/**
 * fallocate(PUNCH_HOLE|KEEP_SIZE) (spec O4, `kvm_gmem_punch_hole`): under
 * `invalidate_lock` for write, invalidate-begin and zap the SPTEs of the
 * bindings, truncate the folios of the range (`truncate_inode_pages_range`:
 * lock each folio, unmap its host PTEs, remove it from the page cache), then
 * invalidate-end. Attributes are unchanged (INV-19). The thread records
 * `HolePunched` (the folios that left the file) before it drops the lock.
 * Variant B4 zaps but does not truncate (F-9361).
 * With a HugeTLB allocator (rfc-1g-v2) see punchHoleHuge.ts.
 */
import { ACTOR, hasVariant, PAGE_SIZE } from '../model/env.js';
import type { OpResult, VmmOp } from '../model/ops.js';
import type { ProcContext } from './proc.js';
import { usesHugetlb } from '../model/hugetlb.js';
import { gmemInvalidateBegin, gmemInvalidateEnd } from './gmemInvalidate.js';
import { punchHoleHuge } from './punchHoleHuge.js';
import { truncateFolio } from './hugepage.js';
import { callAny, lock, type Proc, strs, unlock } from './proc.js';

/** Runs a `punchHole` op. */
export function* punchHole(op: Extract<VmmOp, { op: 'punchHole' }>, ctx: ProcContext): Proc<OpResult> {
  if (usesHugetlb(ctx.env)) return yield* punchHoleHuge(op, ctx);
  if (op.offset % PAGE_SIZE !== 0 || op.size % PAGE_SIZE !== 0 || op.size === 0) return { rc: '-EINVAL' };
  const start = op.offset / PAGE_SIZE;
  const end = Math.min(start + op.size / PAGE_SIZE, ctx.env.pages);
  if (start >= end) return { rc: '0' };
  yield* lock(ACTOR.gmem, 'invalidate', 'W');
  const ranges = yield* gmemInvalidateBegin(start, end, 'both', ctx.env);
  const list = yield* callAny(ACTOR.gmem, { type: 'gmem.filemap.list', start, end });
  const folios = strs(list, 'folios');
  // B4: zap but never truncate (the folios and their contents stay in the page cache).
  for (const folio of hasVariant(ctx.env, 'B4') ? [] : folios) yield* truncateFolio(folio, start);
  yield* gmemInvalidateEnd(ranges);
  // Contract of PUNCH_HOLE, recorded while invalidate_lock is still held: these folios left the file.
  ctx.record('HolePunched', { thread: ctx.self, gmem: ACTOR.gmem, start, end, folios });
  yield* unlock(ACTOR.gmem, 'invalidate', 'W');
  return { rc: '0' };
}
