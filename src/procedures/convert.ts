/**
 * The `convert` op: a VMM's conversion ioctl on `[offset, offset+size)` bytes of
 * the guest_memfd, retried on `-EAGAIN` when the scenario asks (as the
 * selftests' helper does). Each attempt is the design's
 * `kvm_gmem_convert_range` (in place: `convertInPlace.ts`; RFC 1G-v2:
 * `convertHuge.ts`).
 */
import { PAGE_SIZE } from '../model/env.js';
import type { OpResult } from '../model/ops.js';
import type { ConvertOp, Proc, ProcContext } from './kernel.js';

/** Checks the ioctl arguments (size 0, unaligned, beyond `i_size`: `-EINVAL`); returns the page range, or null. */
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
export function* convert(op: ConvertOp, ctx: ProcContext): Proc<OpResult> {
  const attempts = op.retryEagain ? CONVERT_RETRIES_MAX : 1;
  let r: OpResult = { rc: '-EAGAIN' };
  for (let i = 0; i < attempts; i++) {
    r = yield* ctx.kernel.kvm_gmem_convert_range(op, ctx);
    if (r.rc !== '-EAGAIN') return r;
  }
  return r;
}
