/**
 * fallocate(KEEP_SIZE) - allocate (spec O3, `kvm_gmem_fallocate` /
 * `kvm_gmem_allocate`):
 *
 * - without KEEP_SIZE: `-EOPNOTSUPP`; offset/len not page-aligned or len 0:
 *   `-EINVAL`; `offset + len > i_size`: `-EINVAL`;
 * - under `invalidate_lock(R)`, for each folio of the range
 *   `kvm_gmem_get_folio` (allocating, locked), unlock, put. Nothing is zeroed or
 *   mapped and attributes do not change; a pending signal stops the loop
 *   before the next folio with `-EINTR` (the folios already allocated stay);
 * - with a HugeTLB allocator (rfc-1g-v2): start and end are rounded *down* to
 *   hugepage boundaries; each allocation takes a whole huge page from the
 *   subpool (`-ENOMEM` when it is empty) and is split at once if the hugepage has
 *   a shared index (the inode does both in one step). The model visits one index
 *   per hugepage: the kernel's visits of the other indices only find the folios
 *   that allocation created.
 */
import { ACTOR, PAGE_SIZE } from '../model/env.js';
import { hugeFloor, hugePages, usesHugetlb } from '../model/hugetlb.js';
import type { OpResult } from '../model/ops.js';
import { getFolioOrErr } from './filemap.js';
import type { FallocateOp, Proc, ProcContext } from './kernel.js';
import { call, lock, unlock } from './proc.js';
import { takeSignal } from './signals.js';

/** `kvm_gmem_fallocate` in allocate mode (`kvm_gmem_allocate`). */
export function* kvmGmemFallocate(op: FallocateOp, ctx: ProcContext): Proc<OpResult> {
  if (!op.keepSize) return { rc: '-EOPNOTSUPP' };
  if (op.size === 0 || op.offset % PAGE_SIZE !== 0 || op.size % PAGE_SIZE !== 0) return { rc: '-EINVAL' };
  let start = op.offset / PAGE_SIZE;
  let end = start + op.size / PAGE_SIZE;
  if (end > ctx.env.pages) return { rc: '-EINVAL' };
  const huge = usesHugetlb(ctx.env);
  const nr = hugePages(ctx.env);
  if (huge) {
    start = hugeFloor(start, nr);
    end = hugeFloor(end, nr);
  }
  yield* lock(ACTOR.gmem, 'invalidate', 'R');
  let rc = '0';
  // Bounded: each round advances by at least one page.
  for (let index = start; index < end;) {
    if (takeSignal(ctx)) {
      rc = '-EINTR';
      break;
    }
    const f = yield* getFolioOrErr(index, { create: true, lock: true, why: 'fallocate' });
    if (f === null) throw new Error('kvm_gmem_get_folio with FGP_CREAT returned nothing');
    if ('err' in f) {
      rc = f.err;
      break;
    }
    yield* call(f.folio, { type: 'folio.unlock' });
    yield* call(f.folio, { type: 'folio.put', why: 'fallocate' });
    index = huge ? hugeFloor(index, nr) + nr : f.base + 2 ** f.order;
  }
  yield* unlock(ACTOR.gmem, 'invalidate', 'R');
  return { rc };
}
