/**
 * Host page fault on the guest_memfd mmap (spec O8), RFC in-place form
 * (`kvm_gmem_fault_user_mapping`, S-INPLACE-v8 patch 01): under
 * `filemap_invalidate_lock_shared`, SIGBUS if the index is private, else get and
 * lock the folio (allocating), zero it if not uptodate; then core-mm installs a
 * 4K PTE and unlocks the folio (`finish_fault`).
 *
 * Mode rfc-1g-v1 (`kvm_gmem_fault`, S-1G-v1): the same path with the
 * faultability xarray instead of the attribute (`FaultabilityRead`), under
 * `filemap_invalidate_lock_shared` as patch 39 adds it; a huge folio is never
 * mapped (v1 splits faultable hugepages first).
 *
 * Scheduling points (spec §7.2): the attribute read (`AttrRead`), the folio
 * reference (`HostFaultGotFolio`) and the PTE install (`HostPteInstalled`) are
 * separate deliveries. Variant B10 drops the invalidate lock, opening the window
 * between the attribute read and the folio reference to a conversion.
 */
import { ACTOR, hasVariant, isUpstream } from '../model/env.js';
import type { ProcContext } from './proc.js';
import { getFolio } from './filemap.js';
import { bool, callAny, lock, type Proc, unlock } from './proc.js';

/** Outcome of a host fault. */
export type FaultResult = 'ok' | 'SIGBUS';

/** Faults page `index` of the VMM's mapping into the host page table. */
export function* hostFault(index: number, ctx: ProcContext): Proc<FaultResult> {
  const { env } = ctx;
  if (index >= env.pages) return 'SIGBUS';
  // Upstream (kvm_gmem_fault_user_mapping, 6.18): only INIT_SHARED files fault (no attribute read, no
  // invalidate_lock); 6.8 has no guest_memfd mmap at all.
  if (isUpstream(env) && (env.mode === 'upstream-6.8' || !env.initShared)) return 'SIGBUS';
  const locked = !hasVariant(env, 'B10') && !isUpstream(env);
  const upstream = isUpstream(env);
  if (locked) yield* lock(ACTOR.gmem, 'invalidate', 'R');
  // rfc-1g-v1 (kvm_gmem_fault, S-1G-v1 + patch 39's lock): the check is kvm_gmem_is_faultable; its reply's `private` is !faultable.
  const check = env.mode === 'rfc-1g-v1' ? 'gmem.faultable.read' : 'gmem.attr.read';
  const attr = upstream ? null : yield* callAny(ACTOR.gmem, { type: check, index });
  if (attr !== null && bool(attr, 'private')) {
    if (locked) yield* unlock(ACTOR.gmem, 'invalidate', 'R');
    return 'SIGBUS';
  }
  const f = yield* getFolio(index, { create: true, lock: true, why: 'fault' });
  if (f === null) throw new Error('filemap_get_folio with FGP_CREAT returned nothing');
  if (f.order > 0 && !hasVariant(env, 'B12')) {
    // WARN_ON_ONCE(folio_test_large(folio)): huge folios are never host-mapped (B12 maps them).
    yield* callAny(f.folio, { type: 'folio.unlock' });
    yield* callAny(f.folio, { type: 'folio.put', why: 'fault' });
    if (locked) yield* unlock(ACTOR.gmem, 'invalidate', 'R');
    return 'SIGBUS';
  }
  if (!f.uptodate) yield* callAny(f.folio, { type: 'folio.zero' });
  if (locked) yield* unlock(ACTOR.gmem, 'invalidate', 'R');
  // VM_FAULT_LOCKED: core-mm installs the PTE under the PTE lock, then unlocks the folio.
  const subpage = index - f.base;
  const inst = yield* callAny(ACTOR.mm, { type: 'mm.pteInstall', page: index, folio: f.folio, subpage, index });
  if (bool(inst, 'installed')) {
    yield* callAny(f.folio, { type: 'folio.unlock' });
  } else {
    // Another thread installed the PTE first: drop our reference (VM_FAULT_NOPAGE).
    yield* callAny(f.folio, { type: 'folio.unlock' });
    yield* callAny(f.folio, { type: 'folio.put', why: 'fault' });
  }
  return 'ok';
}
