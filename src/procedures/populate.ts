/**
 * `kvm_gmem_populate` (spec O16, SNP_LAUNCH_UPDATE / TDX INIT_MEM_REGION) as a
 * VMM-thread op: the ioctl takes `slots_lock` (held across, §2 order 5); the
 * memslot of `gpa` must be bound to a guest_memfd (else `-EINVAL`) whose file is
 * alive (else `-EFAULT`); then per page: `invalidate_lock(W)`, get (allocate) the
 * folio locked, the gfn must be PRIVATE (`kvm_range_has_memory_attributes`, else
 * `-EINVAL`), clear if !uptodate, `post_populate` = copy the source page
 * (`value`) + arch measurement (`GmemPopulated`), unlock, put, `invalidate_unlock`.
 * Returns the pages done (`value`), or the error if none was.
 */
import { ACTOR, PAGE_SIZE } from '../model/env.js';
import type { OpResult, VmmOp } from '../model/ops.js';
import { getFolioOrErr } from './filemap.js';
import type { Proc, ProcContext } from './kernel.js';
import { call, callGmem, lock, unlock } from './proc.js';

/** Pages one populate call handles at most. */
export const POPULATE_PAGES_MAX = 1024;

/** Runs a `populate` op. */
export function* populate(op: Extract<VmmOp, { op: 'populate' }>, ctx: ProcContext): Proc<OpResult> {
  if (op.gpa % PAGE_SIZE !== 0) return { rc: '-EINVAL', value: 0 };
  const gfn0 = op.gpa / PAGE_SIZE;
  yield* lock(ACTOR.kvm, 'slots', 'W');
  const fail = (rc: string): Proc<OpResult> =>
    (function* () {
      yield* unlock(ACTOR.kvm, 'slots', 'W');
      return { rc, value: 0 };
    })();
  const slot = yield* call(ACTOR.kvm, { type: 'kvm.memslot.lookup', gfn: gfn0 });
  // kvm_slot_can_be_private.
  if (!slot.found || !slot.guestMemfd) return yield* fail('-EINVAL');
  const gmem = slot.gmem;
  // kvm_gmem_get_file: the slot was unbound by a release, or the file is dying.
  if (gmem === '' || !(yield* callGmem(gmem, { type: 'gmem.file.active' })).ok) return yield* fail('-EFAULT');
  const base = slot.baseGfn;
  const npages = Math.min(op.npages, base + slot.npages - gfn0, POPULATE_PAGES_MAX);
  let done = 0;
  let rc = '0';
  for (; done < npages; done++) {
    const gfn = gfn0 + done;
    const index = slot.pgoff + (gfn - base);
    yield* lock(gmem, 'invalidate', 'W');
    const f = yield* getFolioOrErr(index, { create: true, lock: true, why: 'populate' }, gmem);
    if (f === null || 'err' in f) {
      yield* unlock(gmem, 'invalidate', 'W');
      rc = f === null ? '-ENOMEM' : f.err;
      break;
    }
    const attr = yield* call(ACTOR.kvm, { type: 'kvm.attr.read', gfn });
    if (!attr.private) {
      yield* call(f.folio, { type: 'folio.unlock' });
      yield* call(f.folio, { type: 'folio.put', why: 'populate' });
      yield* unlock(gmem, 'invalidate', 'W');
      rc = '-EINVAL';
      break;
    }
    if (!f.uptodate) yield* call(f.folio, { type: 'folio.zero' });
    // post_populate: copy the source page (and measure it); the folio is then uptodate/prepared.
    yield* call(f.folio, { type: 'folio.access', subpage: index - f.base, write: true, value: op.value });
    ctx.record('GmemPopulated', { gmem, gfn, index, folio: f.folio, value: op.value, by: ctx.self });
    yield* call(f.folio, { type: 'folio.unlock' });
    yield* call(f.folio, { type: 'folio.put', why: 'populate' });
    yield* unlock(gmem, 'invalidate', 'W');
  }
  yield* unlock(ACTOR.kvm, 'slots', 'W');
  return done > 0 ? { rc: '0', value: done } : { rc, value: 0 };
}
