/**
 * fallocate(PUNCH_HOLE|KEEP_SIZE) (spec O4, `kvm_gmem_punch_hole`): under
 * `invalidate_lock` for write, invalidate-begin and zap the SPTEs of the
 * bindings, truncate the folios of the range (`truncate_inode_pages_range`:
 * lock each folio, unmap its host PTEs, remove it from the page cache), then
 * invalidate-end. Attributes are unchanged (INV-19). The thread records
 * `HolePunched` (the folios that left the file) before it drops the lock.
 * Variant B4 replaces it with the version that zaps but does not truncate (F-9361).
 * With a HugeTLB allocator (rfc-1g-v2) see punchHoleHuge.ts.
 */
import { ACTOR, PAGE_SIZE } from '../model/env.js';
import type { OpResult } from '../model/ops.js';
import { gmemInvalidateEnd } from './gmemInvalidate.js';
import { truncateFolio } from './hugepage.js';
import type { Proc, ProcContext, PunchHoleOp } from './kernel.js';
import { callGmem, lock, unlock } from './proc.js';

/** `kvm_gmem_punch_hole` with 4K folios. */
export function* kvmGmemPunchHole(op: PunchHoleOp, ctx: ProcContext): Proc<OpResult> {
  if (op.offset % PAGE_SIZE !== 0 || op.size % PAGE_SIZE !== 0 || op.size === 0) return { rc: '-EINVAL' };
  const start = op.offset / PAGE_SIZE;
  const end = Math.min(start + op.size / PAGE_SIZE, ctx.env.pages);
  if (start >= end) return { rc: '0' };
  yield* lock(ACTOR.gmem, 'invalidate', 'W');
  const ranges = yield* ctx.kernel.kvm_gmem_invalidate_begin(start, end, 'both', ctx);
  const list = yield* callGmem(ACTOR.gmem, { type: 'gmem.filemap.list', start, end });
  const folios = list.folios;
  // truncate_inode_pages_range: lock, unmap, remove from the page cache, unlock, put.
  for (const folio of folios) yield* truncateFolio(folio, start);
  yield* gmemInvalidateEnd(ranges);
  // Contract of PUNCH_HOLE, recorded while invalidate_lock is still held: these folios left the file.
  ctx.record('HolePunched', { thread: ctx.self, gmem: ACTOR.gmem, start, end, folios });
  yield* unlock(ACTOR.gmem, 'invalidate', 'W');
  return { rc: '0' };
}
