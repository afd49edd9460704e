/**
 * In-place conversion, S-INPLACE-v8 `KVM_SET_MEMORY_ATTRIBUTES2` on the
 * guest_memfd (spec O7a, `kvm_gmem_set_attributes` /
 * `__kvm_gmem_set_attributes`, `virt/kvm/guest_memfd.c` of the series):
 *
 * 1. validate (size 0, unaligned, beyond i_size: `-EINVAL`);
 * 2. `invalidate_lock` for write; a range that already has the attribute is a no-op;
 * 3. to private: `unmap_mapping_pages` (all host PTEs of the range), then the
 *    safety check (`kvm_gmem_check_conversion`): drain the LRU-add batches and
 *    `kvm_gmem_is_safe_for_conversion` of every folio, which must hold exactly
 *    `nr_pages + 1` references, else `-EAGAIN` with `error_offset` = the first
 *    offending folio, nothing changed;
 * 4. `kvm_gmem_invalidate_begin` (zap SPTEs); to shared: `kvm_arch_gmem_invalidate`
 *    of each folio (INV-16); store the attributes; `invalidate_end`.
 *
 * The refcount check and the attribute store are separate deliveries (§7.2).
 * Variants NOCHECK, B18 and B11 replace the check, the drain and the per-folio check.
 */
import { ACTOR, PAGE_SIZE } from '../model/env.js';
import type { OpResult } from '../model/ops.js';
import type { FolioSafe } from '../events/protocol/index.js';
import { convertRange } from './convert.js';
import { gmemInvalidateEnd } from './gmemInvalidate.js';
import type { ConvertOp, Proc, ProcContext } from './kernel.js';
import { call, callGmem, lock, unlock } from './proc.js';
import { unmapMappingPages } from './filemap.js';

/** One attempt of the in-place conversion ioctl (`kvm_gmem_set_attributes`). */
export function* kvmGmemSetAttributes(op: ConvertOp, ctx: ProcContext): Proc<OpResult> {
  const range = convertRange(op.offset, op.size, ctx.env.pages);
  if (range === null) return { rc: '-EINVAL' };
  const { start, end } = range;
  const toPrivate = op.to === 'private';
  yield* lock(ACTOR.gmem, 'invalidate', 'W');
  const same = yield* callGmem(ACTOR.gmem, { type: 'gmem.attr.range', start, end, private: toPrivate });
  if (same.uniform) {
    yield* unlock(ACTOR.gmem, 'invalidate', 'W');
    return { rc: '0' };
  }
  if (toPrivate) {
    yield* unmapMappingPages(start, end);
    const refused = yield* ctx.kernel.kvm_gmem_check_conversion(start, end, ctx);
    if (refused !== null) {
      yield* unlock(ACTOR.gmem, 'invalidate', 'W');
      return refused;
    }
  }
  const ranges = yield* ctx.kernel.kvm_gmem_invalidate_begin(start, end, 'both', ctx);
  if (!toPrivate) {
    // To shared: kvm_arch_gmem_invalidate (e.g. SNP RMP -> shared) before the page can be host-faulted (INV-16).
    const list = yield* callGmem(ACTOR.gmem, { type: 'gmem.filemap.list', start, end });
    for (const folio of list.folios) yield* call(folio, { type: 'folio.archInvalidate', why: 'convert' });
  }
  yield* callGmem(ACTOR.gmem, { type: 'gmem.attr.store', start, end, private: toPrivate });
  yield* gmemInvalidateEnd(ranges);
  yield* unlock(ACTOR.gmem, 'invalidate', 'W');
  return { rc: '0' };
}

/**
 * The to-private safety check of `__kvm_gmem_set_attributes` over `[start, end)`:
 * `lru_add_drain_all()` (the transient references of the LRU-add batches go),
 * then `kvm_gmem_is_safe_for_conversion` of each folio; the first unsafe one
 * makes the conversion fail with `-EAGAIN` and its offset.
 */
export function* kvmGmemCheckConversion(start: number, end: number, ctx: ProcContext): Proc<OpResult | null> {
  yield* ctx.kernel.lru_add_drain_all(ctx);
  const list = yield* callGmem(ACTOR.gmem, { type: 'gmem.filemap.list', start, end });
  for (const folio of list.folios) {
    const safe = yield* ctx.kernel.kvm_gmem_is_safe_for_conversion(folio, ctx);
    if (!safe.ok) return { rc: '-EAGAIN', errorOffset: Math.max(start, safe.base) * PAGE_SIZE };
  }
  return null;
}

/** `lru_add_drain_all()` for the file's folios (forwarded by the inode to the LRU-add batches, behind every `lru.add` it sent). */
export function* lruAddDrainAll(_ctx: ProcContext): Proc<void> {
  yield* callGmem(ACTOR.gmem, { type: 'gmem.lru.drain' });
}

/** `kvm_gmem_is_safe_for_conversion`: refcount == nr_pages + the checker's own lookup. */
export function* kvmGmemIsSafeForConversion(folio: string, _ctx: ProcContext): Proc<FolioSafe> {
  return yield* call(folio, { type: 'folio.checkSafe', check: 'refcount' });
}
