/**
 * Host page fault on the guest_memfd mmap (spec O8,
 * `kvm_gmem_fault_user_mapping`, `virt/kvm/guest_memfd.c`): under
 * `filemap_invalidate_lock_shared`, SIGBUS if the index is private (the check
 * is the design's `kvm_gmem_fault_is_private`), else get and lock the folio
 * (allocating), zero it if not uptodate; then core-mm installs a 4K PTE and
 * unlocks the folio (`finish_fault`). A huge folio is never host-mapped
 * (`WARN_ON_ONCE(folio_test_large(folio))`).
 *
 * The designs differ in the check and the lock:
 * - in place (S-INPLACE-v8) and fd-2022: the attribute (`AttrRead`), under the lock;
 * - RFC 1G-v1 (`kvm_gmem_fault`): the faultability xarray (`FaultabilityRead`),
 *   under the lock patch 39 adds;
 * - upstream 6.18: only `INIT_SHARED` files fault, no attribute read, no lock;
 * - upstream 6.8: no guest_memfd mmap at all (SIGBUS).
 *
 * Scheduling points (spec §7.2): the check, the folio reference
 * (`HostFaultGotFolio`) and the PTE install (`HostPteInstalled`) are separate
 * deliveries. Variant B10 drops the lock, opening the window between the check
 * and the folio reference to a conversion; B12 maps huge folios.
 */
import { ACTOR } from '../model/env.js';
import { getFolio } from './filemap.js';
import type { Proc, ProcContext } from './kernel.js';
import { call, callGmem, lock, unlock } from './proc.js';
import type { FaultResult } from './types.js';

/** How a design's host fault takes the invalidate lock and treats large folios. */
export interface HostFaultOptions {
  /** `filemap_invalidate_lock_shared` around the check and the folio lookup (B10: false). */
  readonly invalidateLock: boolean;
  /** Map a large folio instead of refusing it (B12: true; the kernel WARNs and SIGBUSes). */
  readonly mapLargeFolios: boolean;
}

/** The fault of a design with a guest_memfd mmap: `kvm_gmem_fault_user_mapping` with the design's check. */
export function* kvmGmemFaultUserMapping(index: number, ctx: ProcContext, opts: HostFaultOptions): Proc<FaultResult> {
  if (index >= ctx.env.pages) return 'SIGBUS';
  const locked = opts.invalidateLock;
  if (locked) yield* lock(ACTOR.gmem, 'invalidate', 'R');
  if (yield* ctx.kernel.kvm_gmem_fault_is_private(index, ctx)) {
    if (locked) yield* unlock(ACTOR.gmem, 'invalidate', 'R');
    return 'SIGBUS';
  }
  const f = yield* getFolio(index, { create: true, lock: true, why: 'fault' });
  if (f === null) throw new Error('filemap_get_folio with FGP_CREAT returned nothing');
  if (f.order > 0 && !opts.mapLargeFolios) {
    // WARN_ON_ONCE(folio_test_large(folio)): huge folios are never host-mapped.
    yield* call(f.folio, { type: 'folio.unlock' });
    yield* call(f.folio, { type: 'folio.put', why: 'fault' });
    if (locked) yield* unlock(ACTOR.gmem, 'invalidate', 'R');
    return 'SIGBUS';
  }
  if (!f.uptodate) yield* call(f.folio, { type: 'folio.zero' });
  if (locked) yield* unlock(ACTOR.gmem, 'invalidate', 'R');
  // VM_FAULT_LOCKED: core-mm installs the PTE under the PTE lock, then unlocks the folio.
  const subpage = index - f.base;
  const inst = yield* call(ACTOR.mm, { type: 'mm.pteInstall', page: index, folio: f.folio, subpage, index });
  if (inst.installed) {
    yield* call(f.folio, { type: 'folio.unlock' });
  } else {
    // Another thread installed the PTE first: drop our reference (VM_FAULT_NOPAGE).
    yield* call(f.folio, { type: 'folio.unlock' });
    yield* call(f.folio, { type: 'folio.put', why: 'fault' });
  }
  return 'ok';
}

/** A design without a guest_memfd mmap (upstream 6.8): every host fault is SIGBUS. */
export function* noGmemMmapFault(_index: number, _ctx: ProcContext): Proc<FaultResult> {
  yield* [];
  return 'SIGBUS';
}

/** The in-place check: the index's attribute (`AttrRead`); private -> SIGBUS. */
export function* gmemAttrIsPrivate(index: number, _ctx: ProcContext): Proc<boolean> {
  return (yield* callGmem(ACTOR.gmem, { type: 'gmem.attr.read', index })).private;
}

/** RFC 1G-v1's check, `kvm_gmem_is_faultable` (`FaultabilityRead`): not faultable -> SIGBUS. */
export function* gmemNotFaultable(index: number, _ctx: ProcContext): Proc<boolean> {
  return (yield* callGmem(ACTOR.gmem, { type: 'gmem.faultable.read', index })).private;
}

/** Upstream 6.18's check: only a file created `INIT_SHARED` is shared (no attribute read). */
export function* gmemNotInitShared(_index: number, ctx: ProcContext): Proc<boolean> {
  yield* [];
  return !ctx.env.initShared;
}
