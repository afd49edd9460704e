/**
 * guest_memfd file operations a VMM issues (spec O1, §1.4, O5): `KVM_CREATE_GUEST_MEMFD`
 * (`kvm_gmem_create`), close (the last `fput` queues `kvm_gmem_release`), fstat,
 * read/write (guest_memfd has none: `-EINVAL`), mmap (`kvm_gmem_mmap`: needs
 * `GUEST_MEMFD_FLAG_MMAP` and `MAP_SHARED`) and madvise of the mapping.
 */
import { ACTOR, PAGE_SIZE } from '../model/env.js';
import type { OpResult, VmmOp } from '../model/ops.js';
import { GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP } from '../model/vm.js';
import type { Proc, ProcContext } from './kernel.js';
import { call, callGmem } from './proc.js';

type Op<K extends VmmOp['op']> = Extract<VmmOp, { op: K }>;

/** The guest_memfd actor a file descriptor name refers to, or null (-EBADF). */
export function fdActor(ctx: ProcContext, fd: string): string | null {
  if (fd === 'gmem') return ACTOR.gmem;
  const held = ctx.locals.get(`fd:${fd}`);
  return held === undefined ? null : String(held['gmem']);
}

/** `KVM_CREATE_GUEST_MEMFD` (O1). */
export function* createGmem(op: Op<'createGmem'>, ctx: ProcContext): Proc<OpResult> {
  const bits = op.flags.map((f) => (f === 'MMAP' ? Math.log2(GUEST_MEMFD_FLAG_MMAP) : f === 'INIT_SHARED' ? Math.log2(GUEST_MEMFD_FLAG_INIT_SHARED) : f));
  const pages = op.size > 0 && op.size % PAGE_SIZE === 0 ? op.size / PAGE_SIZE : null;
  const r = yield* call(ACTOR.kvm, { type: 'kvm.gmem.create', pages, flags: bits });
  const rc = r.rc;
  if (rc === '0' && op.fd !== undefined) ctx.locals.set(`fd:${op.fd}`, { gmem: r.gmem });
  return { rc };
}

/** close(fd) of a guest_memfd. */
export function* closeFd(op: Op<'close'>, ctx: ProcContext): Proc<OpResult> {
  const gmem = fdActor(ctx, op.fd);
  if (gmem === null || ctx.locals.has(`closed:${op.fd}`)) return { rc: '-EBADF' };
  ctx.locals.set(`closed:${op.fd}`, { gmem });
  yield* callGmem(gmem, { type: 'gmem.fput' });
  return { rc: '0' };
}

/** fstat(fd). */
export function* fstat(op: Op<'fstat'>, ctx: ProcContext): Proc<OpResult> {
  const gmem = fdActor(ctx, op.fd);
  if (gmem === null) return { rc: '-EBADF' };
  const st = yield* callGmem(gmem, { type: 'gmem.stat' });
  return { rc: '0', value: st[op.field] };
}

/** read/write/pread/pwrite: guest_memfd has no read/write file operations (-EINVAL). */
export function* fileIo(op: Op<'fileIo'>, ctx: ProcContext): Proc<OpResult> {
  const gmem = fdActor(ctx, op.fd);
  if (gmem === null) return { rc: '-EBADF' };
  yield* callGmem(gmem, { type: 'gmem.stat' });
  return { rc: '-EINVAL' };
}

/** mmap of a guest_memfd (§1.4, `kvm_gmem_mmap`): needs MMAP (-ENODEV) and MAP_SHARED (-EINVAL). */
export function* mmapGmem(op: Op<'mmap'>, ctx: ProcContext): Proc<OpResult> {
  const gmem = fdActor(ctx, op.fd);
  if (gmem === null) return { rc: '-EBADF' };
  if (op.size === 0) return { rc: '-EINVAL' };
  const st = yield* callGmem(gmem, { type: 'gmem.stat' });
  if (!st.mmap) return { rc: '-ENODEV' };
  if (!op.shared) return { rc: '-EINVAL' };
  return { rc: '0' };
}

/** madvise on the guest_memfd mapping. */
export function* madviseGmem(op: Op<'madvise'>): Proc<OpResult> {
  if (op.advice === 'MADV_COLLAPSE') return { rc: '-EINVAL' };
  if (op.advice === 'MADV_DONTNEED') yield* call(ACTOR.mm, { type: 'mm.zap', start: op.index, end: op.index + op.npages });
  return { rc: '0' };
}
