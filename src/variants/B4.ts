/**
 * Variant B4: see `change`.
 */
import { ACTOR, PAGE_SIZE } from '../model/env.js';
import { gmemInvalidateEnd } from '../procedures/gmemInvalidate.js';
import { callGmem, lock, unlock } from '../procedures/proc.js';
import { defineVariant } from './define.js';

/** Variant B4. */
export const V_B4 = defineVariant({
  id: 'B4',
  name: 'PUNCH_HOLE zaps but does not truncate',
  change: 'kvm_gmem_punch_hole invalidates the SPTEs but never calls truncate_inode_pages_range: folios and old contents stay (F-9361)',
  modes: ['rfc-inplace-v8'],
  breaks: 'INV-15',
  scenario: 'punch-hole-refault',
  patch: {
    paths: {
      // kvm_gmem_punch_hole before F-9361: invalidates and zaps, but never truncate_inode_pages_range().
      kvm_gmem_punch_hole: () =>
        function* (op, ctx) {
          if (op.offset % PAGE_SIZE !== 0 || op.size % PAGE_SIZE !== 0 || op.size === 0) return { rc: '-EINVAL' };
          const start = op.offset / PAGE_SIZE;
          const end = Math.min(start + op.size / PAGE_SIZE, ctx.env.pages);
          if (start >= end) return { rc: '0' };
          yield* lock(ACTOR.gmem, 'invalidate', 'W');
          const ranges = yield* ctx.kernel.kvm_gmem_invalidate_begin(start, end, 'both', ctx);
          const folios = (yield* callGmem(ACTOR.gmem, { type: 'gmem.filemap.list', start, end })).folios;
          yield* gmemInvalidateEnd(ranges);
          ctx.record('HolePunched', { thread: ctx.self, gmem: ACTOR.gmem, start, end, folios });
          yield* unlock(ACTOR.gmem, 'invalidate', 'W');
          return { rc: '0' };
        }
    }
  }
});
