/**
 * A design of one's own: the in-place conversion RFC (rfc-inplace-v8) with the
 * refcount check of a conversion to private moved before
 * `filemap_invalidate_lock`, the way a reviewer might propose it to keep the
 * lock hold time short. Between the check and the lock a host fault can map
 * the page again (it takes the invalidate lock for read, which nobody holds
 * yet): the conversion then commits a page mapped in host userspace (INV-1).
 *
 * Run it: gmemsim explore --plugin examples/v8-check-before-lock.ts --mode v8-check-before-lock --scenario convert-vs-fault
 */
import {
  ACTOR,
  call,
  callGmem,
  convertRange,
  defineMode,
  gmemInvalidateEnd,
  lock,
  type OpResult,
  type Proc,
  type ProcContext,
  unlock,
  unmapMappingPages
} from 'gmemsim';
import type { KernelPaths } from 'gmemsim';

type ConvertOp = Parameters<KernelPaths['kvm_gmem_convert_range']>[0];

/** `kvm_gmem_set_attributes` with the to-private safety check done before taking the invalidate lock. */
function* convertCheckingFirst(op: ConvertOp, ctx: ProcContext): Proc<OpResult> {
  const range = convertRange(op.offset, op.size, ctx.env.pages);
  if (range === null) return { rc: '-EINVAL' };
  const { start, end } = range;
  const toPrivate = op.to === 'private';
  if (toPrivate) {
    // Moved up: unmap and check without the lock...
    yield* unmapMappingPages(start, end);
    const refused = yield* ctx.kernel.kvm_gmem_check_conversion(start, end, ctx);
    if (refused !== null) return refused;
  }
  // ...and only then serialise against faults and other conversions.
  yield* lock(ACTOR.gmem, 'invalidate', 'W');
  const same = yield* callGmem(ACTOR.gmem, { type: 'gmem.attr.range', start, end, private: toPrivate });
  if (same.uniform) {
    yield* unlock(ACTOR.gmem, 'invalidate', 'W');
    return { rc: '0' };
  }
  const ranges = yield* ctx.kernel.kvm_gmem_invalidate_begin(start, end, 'both', ctx);
  if (!toPrivate) {
    const list = yield* callGmem(ACTOR.gmem, { type: 'gmem.filemap.list', start, end });
    for (const folio of list.folios) yield* call(folio, { type: 'folio.archInvalidate', why: 'convert' });
  }
  yield* callGmem(ACTOR.gmem, { type: 'gmem.attr.store', start, end, private: toPrivate });
  yield* gmemInvalidateEnd(ranges);
  yield* unlock(ACTOR.gmem, 'invalidate', 'W');
  return { rc: '0' };
}

/** The design. */
export const checkBeforeLock = defineMode({
  id: 'v8-check-before-lock',
  base: 'rfc-inplace-v8',
  summary: 'rfc-inplace-v8 with the conversion refcount check moved before filemap_invalidate_lock',
  patch: { paths: { kvm_gmem_convert_range: () => convertCheckingFirst } }
});
