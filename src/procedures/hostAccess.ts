/**
 * A VMM load or store to page `index` of its guest_memfd mapping: through the
 * present PTE, or after a host fault (O8). A fault that fails delivers SIGBUS.
 */
import { ACTOR } from '../model/env.js';
import type { OpResult, VmmOp } from '../model/ops.js';
import type { Proc, ProcContext } from './kernel.js';
import { call } from './proc.js';

/** Re-faults before an access gives up (the PTE can be zapped again in between). */
export const ACCESS_RETRIES_MAX = 8;

/** Runs an `access` op. */
export function* hostAccess(op: Extract<VmmOp, { op: 'access' }>, ctx: ProcContext): Proc<OpResult> {
  for (let attempt = 0; attempt < ACCESS_RETRIES_MAX; attempt++) {
    const r = yield* call(ACTOR.mm, { type: 'mm.access', page: op.index, write: op.write, value: op.value ?? 0 });
    if (r.type === 'folio.accessed') return { rc: '0', value: r.value };
    const fault = yield* ctx.kernel.kvm_gmem_fault_user_mapping(op.index, ctx);
    if (fault === 'SIGBUS') return { rc: 'SIGBUS' };
  }
  return { rc: '-EFAULT' };
}
