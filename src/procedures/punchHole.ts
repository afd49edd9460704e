/**
 * fallocate(PUNCH_HOLE|KEEP_SIZE) (spec O4, `kvm_gmem_punch_hole`): under
 * `invalidate_lock` for write, invalidate-begin and zap the SPTEs of the
 * bindings, truncate the folios of the range (`truncate_inode_pages_range`:
 * lock each folio, unmap its host PTEs, remove it from the page cache), then
 * invalidate-end. Attributes are unchanged (INV-19).
 * With a HugeTLB allocator (rfc-1g-v2) see punchHoleHuge.ts.
 */
import { ACTOR, PAGE_SIZE } from '../model/env.js';
import type { OpResult, VmmOp } from '../model/ops.js';
import type { ProcContext } from '../machines/programMachine.js';
import { usesHugetlb } from '../model/hugetlb.js';
import { gmemInvalidateBegin, gmemInvalidateEnd } from './gmemInvalidate.js';
import { punchHoleHuge } from './punchHoleHuge.js';
import { bool, call, lock, num, type Proc, strs, unlock } from './proc.js';

/** Runs a `punchHole` op. */
export function* punchHole(op: Extract<VmmOp, { op: 'punchHole' }>, ctx: ProcContext): Proc<OpResult> {
  if (usesHugetlb(ctx.env)) return yield* punchHoleHuge(op, ctx);
  if (op.offset % PAGE_SIZE !== 0 || op.size % PAGE_SIZE !== 0 || op.size === 0) return { rc: '-EINVAL' };
  const start = op.offset / PAGE_SIZE;
  const end = Math.min(start + op.size / PAGE_SIZE, ctx.env.pages);
  if (start >= end) return { rc: '0' };
  yield* lock(ACTOR.gmem, 'invalidate', 'W');
  const ranges = yield* gmemInvalidateBegin(start, end, 'both', ctx.env);
  const list = yield* call(ACTOR.gmem, { type: 'gmem.filemap.list', start, end });
  for (const folio of strs(list, 'folios')) {
    const g = yield* call(folio, { type: 'folio.get', lock: true, why: 'truncate', index: start });
    if (!bool(g, 'ok')) continue;
    const base = num(g, 'base');
    const nr = 2 ** num(g, 'order');
    yield* call(ACTOR.mm, { type: 'mm.zap', start: base, end: base + nr });
    yield* call(ACTOR.gmem, { type: 'gmem.filemap.remove', folio });
    yield* call(folio, { type: 'folio.truncate' });
    yield* call(folio, { type: 'folio.unlock' });
    yield* call(folio, { type: 'folio.put', why: 'truncate' });
  }
  yield* gmemInvalidateEnd(ranges);
  yield* unlock(ACTOR.gmem, 'invalidate', 'W');
  return { rc: '0' };
}
