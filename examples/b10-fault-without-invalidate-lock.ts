/**
 * B10, re-expressed from outside gmemsim: the host fault on the guest_memfd
 * mapping reads whether the index is private and takes the folio without
 * `filemap_invalidate_lock_shared` (RFC 1G-v1 before patch 39). A conversion
 * can then commit between the check and the folio reference.
 *
 * The RFC diff this stands for:
 *
 *   static vm_fault_t kvm_gmem_fault(struct vm_fault *vmf)
 *   {
 *   -	filemap_invalidate_lock_shared(inode->i_mapping);
 *   	if (!kvm_gmem_is_faultable(inode, vmf->pgoff)) { ret = VM_FAULT_SIGBUS; goto out; }
 *   	folio = kvm_gmem_get_folio(inode, vmf->pgoff);
 *   	...
 *   -	filemap_invalidate_unlock_shared(inode->i_mapping);
 *
 * Run it: gmemsim explore --plugin examples/b10-fault-without-invalidate-lock.ts --variant MY-B10 --scenario convert-vs-fault
 */
import { ACTOR, call, defineVariant, type FaultResult, folioPut, folioUnlockPut, getFolio, type Proc, type ProcContext } from 'gmemsim';

/** `kvm_gmem_fault_user_mapping` as the RFC posted it: no `invalidate_lock` around the check and the lookup. */
function* faultWithoutInvalidateLock(index: number, ctx: ProcContext): Proc<FaultResult> {
  if (index >= ctx.env.pages) return 'SIGBUS';
  // The design's own check (in place: the attribute; RFC 1G-v1: the faultability), now unlocked.
  if (yield* ctx.kernel.kvm_gmem_fault_is_private(index, ctx)) return 'SIGBUS';
  const f = yield* getFolio(index, { create: true, lock: true, why: 'fault' });
  if (f === null) throw new Error('filemap_get_folio with FGP_CREAT returned nothing');
  if (f.order > 0) {
    yield* folioUnlockPut(f.folio, 'fault');
    return 'SIGBUS';
  }
  if (!f.uptodate) yield* call(f.folio, { type: 'folio.zero' });
  // finish_fault: the PTE under the PTE lock, then folio_unlock; a racing fault that installed first wins.
  const inst = yield* call(ACTOR.mm, { type: 'mm.pteInstall', page: index, folio: f.folio, subpage: index - f.base, index });
  yield* call(f.folio, { type: 'folio.unlock' });
  if (!inst.installed) yield* folioPut(f.folio, 'fault');
  return 'ok';
}

/** The variant: the host fault path replaced, in the designs that have a guest_memfd mmap with a privacy check. */
export const myB10 = defineVariant({
  id: 'MY-B10',
  name: 'host fault checks privacy outside the invalidate lock (B10, from a plugin)',
  change: 'kvm_gmem_fault_user_mapping reads the attribute / faultability and takes the folio without filemap_invalidate_lock_shared',
  modes: ['rfc-inplace-v8', 'rfc-1g-v1'],
  breaks: 'INV-4',
  scenario: 'convert-vs-fault',
  patch: { paths: { kvm_gmem_fault_user_mapping: () => faultWithoutInvalidateLock } }
});
