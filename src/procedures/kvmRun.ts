/**
 * `KVM_RUN` issued by a VMM thread with a guest program: the guest ops run on
 * this thread, in order, each as the vCPU op of the same name (`guest.ts`).
 */
import type { OpResult, VmmOp } from '../model/ops.js';
import type { Proc, ProcContext } from './kernel.js';

type Op<K extends VmmOp['op']> = Extract<VmmOp, { op: K }>;

/** `KVM_RUN` issued by the VMM thread: the guest ops run on this thread, in order. */
export function* kvmRun(op: Op<'kvmRun'>, ctx: ProcContext): Proc<OpResult> {
  let value: number | null = null;
  for (const g of op.guest) {
    const r = g.op === 'guestAccess' ? yield* ctx.kernel.vcpuOps.guestAccess(g, ctx) : yield* ctx.kernel.vcpuOps.mapGpaRange(g, ctx);
    if (r.rc !== '0') return { rc: r.rc };
    if (g.op === 'guestAccess') {
      value = r.value ?? null;
      if (!g.write && g.expectValue !== undefined && r.value !== g.expectValue) return { rc: 'GUEST_ASSERT', value };
    }
  }
  return { rc: '0', value };
}
