/**
 * In-place conversion, S-INPLACE-v8 `KVM_SET_MEMORY_ATTRIBUTES2` on the
 * guest_memfd (spec O7a, `kvm_gmem_set_attributes` / `__kvm_gmem_set_attributes`):
 *
 * 1. validate (size 0, unaligned, beyond i_size: `-EINVAL`);
 * 2. `invalidate_lock` for write; a range that already has the attribute is a no-op;
 * 3. to private: `unmap_mapping_pages` (all host PTEs of the range), then
 *    `kvm_gmem_is_safe_for_conversion`: every folio must hold exactly
 *    `nr_pages + 1` references, else `-EAGAIN` with `error_offset` = the first
 *    offending folio, nothing changed;
 * 4. `kvm_gmem_invalidate_begin` (zap SPTEs), store attributes, `invalidate_end`.
 *
 * The refcount check and the attribute store are separate deliveries (§7.2).
 * Variant NOCHECK skips step 3's check; B11 checks mapcount/pincount instead.
 * Mode rfc-1g-v2 runs `KVM_GMEM_CONVERT_*` instead (convertHuge.ts, O7b).
 */
import { ACTOR, hasVariant, PAGE_SIZE } from '../model/env.js';
import type { OpResult, VmmOp } from '../model/ops.js';
import type { ProcContext } from './proc.js';
import { convertShareability } from './convertHuge.js';
import { gmemInvalidateBegin, gmemInvalidateEnd } from './gmemInvalidate.js';
import { bool, callAny, lock, num, type Proc, strs, unlock } from './proc.js';

/** Checks the ioctl arguments; returns `-EINVAL` or the page range. */
export function convertRange(offset: number, size: number, pages: number): { start: number; end: number } | null {
  if (size === 0 || offset % PAGE_SIZE !== 0 || size % PAGE_SIZE !== 0) return null;
  const start = offset / PAGE_SIZE;
  const end = start + size / PAGE_SIZE;
  if (start >= pages || end > pages) return null;
  return { start, end };
}

/** Attempts of a conversion op that retries on -EAGAIN (a VMM that waits for transient references to go). */
export const CONVERT_RETRIES_MAX = 400;

/** Runs a `convert` op; with `retryEagain` the VMM retries -EAGAIN like the selftests' helper. */
export function* convert(op: Extract<VmmOp, { op: 'convert' }>, ctx: ProcContext): Proc<OpResult> {
  const attempts = op.retryEagain ? CONVERT_RETRIES_MAX : 1;
  let r: OpResult = { rc: '-EAGAIN' };
  for (let i = 0; i < attempts; i++) {
    r = yield* convertOnce(op, ctx);
    if (r.rc !== '-EAGAIN') return r;
  }
  return r;
}

function* convertOnce(op: Extract<VmmOp, { op: 'convert' }>, ctx: ProcContext): Proc<OpResult> {
  if (ctx.env.mode === 'rfc-1g-v2') return yield* convertShareability(op, ctx);
  const range = convertRange(op.offset, op.size, ctx.env.pages);
  if (range === null) return { rc: '-EINVAL' };
  const { start, end } = range;
  const toPrivate = op.to === 'private';
  yield* lock(ACTOR.gmem, 'invalidate', 'W');
  const same = yield* callAny(ACTOR.gmem, { type: 'gmem.attr.range', start, end, private: toPrivate });
  if (bool(same, 'uniform')) {
    yield* unlock(ACTOR.gmem, 'invalidate', 'W');
    return { rc: '0' };
  }
  if (toPrivate) {
    yield* callAny(ACTOR.mm, { type: 'mm.zap', start, end });
    if (!hasVariant(ctx.env, 'NOCHECK')) {
      // lru_add_drain_all(): drop the transient references of the LRU-add batches (B18 skips it).
      if (!hasVariant(ctx.env, 'B18')) yield* callAny(ACTOR.gmem, { type: 'gmem.lru.drain' });
      const list = yield* callAny(ACTOR.gmem, { type: 'gmem.filemap.list', start, end });
      const check = hasVariant(ctx.env, 'B11') ? 'mapcount-pincount' : 'refcount';
      for (const folio of strs(list, 'folios')) {
        const safe = yield* callAny(folio, { type: 'folio.checkSafe', check });
        if (!bool(safe, 'ok')) {
          yield* unlock(ACTOR.gmem, 'invalidate', 'W');
          return { rc: '-EAGAIN', errorOffset: Math.max(start, num(safe, 'base')) * PAGE_SIZE };
        }
      }
    }
  }
  const ranges = yield* gmemInvalidateBegin(start, end, 'both', ctx.env);
  if (!toPrivate) {
    // To shared: kvm_arch_gmem_invalidate (e.g. SNP RMP -> shared) before the page can be host-faulted (INV-16).
    const list = yield* callAny(ACTOR.gmem, { type: 'gmem.filemap.list', start, end });
    for (const folio of strs(list, 'folios')) yield* callAny(folio, { type: 'folio.archInvalidate', why: 'convert' });
  }
  yield* callAny(ACTOR.gmem, { type: 'gmem.attr.store', start, end, private: toPrivate });
  yield* gmemInvalidateEnd(ranges);
  yield* unlock(ACTOR.gmem, 'invalidate', 'W');
  return { rc: '0' };
}
