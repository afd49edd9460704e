/**
 * GUP (spec O9): `pin_user_pages` (FOLL_PIN, optionally FOLL_LONGTERM) and
 * `get_user_pages` (FOLL_GET, e.g. vmsplice). The slow path: look the PTE up
 * under the PTE lock (`follow_page_pte`), take the reference on the folio, drop
 * the PTE lock; a missing PTE is faulted in first (`faultin_page`, through O8),
 * so only shared pages can be pinned.
 */
import { ACTOR } from '../model/env.js';
import type { OpResult, VmmOp } from '../model/ops.js';
import type { Proc, ProcContext } from './kernel.js';
import { call } from './proc.js';

/** Fault-and-retry rounds before GUP gives up. */
export const GUP_RETRIES_MAX = 8;

/** Runs a `pin` op. */
export function* gupPin(op: Extract<VmmOp, { op: 'pin' }>, ctx: ProcContext): Proc<OpResult> {
  if (ctx.locals.has(op.pin)) throw new Error(`pin name ${op.pin} is already in use`);
  for (let attempt = 0; attempt < GUP_RETRIES_MAX; attempt++) {
    const pte = yield* call(ACTOR.mm, { type: 'mm.gupLookup', page: op.index });
    if (!pte.present || pte.folio === null) {
      const fault = yield* ctx.kernel.kvm_gmem_fault_user_mapping(op.index, ctx);
      if (fault === 'SIGBUS') return { rc: '-EFAULT' };
      continue;
    }
    const folio = pte.folio;
    const subpage = pte.subpage;
    const pinned = yield* call(folio, { type: 'folio.pin', subpage, kind: op.kind, longterm: op.longterm, pin: op.pin });
    yield* call(ACTOR.mm, { type: 'mm.pteUnlock', page: op.index });
    if (!pinned.ok) continue;
    ctx.locals.set(op.pin, { folio, subpage, index: op.index });
    return { rc: '0' };
  }
  return { rc: '-EFAULT' };
}

/** Runs an `unpin` op: `unpin_user_page` / `put_page`. */
export function* gupUnpin(op: Extract<VmmOp, { op: 'unpin' }>, ctx: ProcContext): Proc<OpResult> {
  const held = ctx.locals.get(op.pin);
  if (held === undefined) return { rc: '-EINVAL' };
  yield* call(String(held['folio']), { type: 'folio.unpin', pin: op.pin });
  ctx.locals.delete(op.pin);
  return { rc: '0' };
}

/** Runs a `munmap` op (modelled as MADV_DONTNEED: the VMA stays, PTEs go). */
export function* munmap(op: Extract<VmmOp, { op: 'munmap' }>, _ctx: ProcContext): Proc<OpResult> {
  yield* call(ACTOR.mm, { type: 'mm.zap', start: op.index, end: op.index + op.npages });
  return { rc: '0' };
}
