/**
 * `kvm_gmem_get_folio` on any guest_memfd inode (not only the scenario's
 * `gmem0`): the same lookup + `folio_try_get` (+ lock) as
 * {@link getFolioOrErr} in `filemap.ts`, retried when the folio was truncated in
 * between. Used by the paths that follow a memslot to whatever file it is bound
 * to (upstream faults and pre-faults after a slot was re-created with a new
 * guest_memfd, populate, memory failure).
 */
import { type FolioErr, getFolioOrErr, type HeldFolio } from './filemap.js';
import type { Proc } from './proc.js';

/** Looks up (with `create`, allocates) the folio of `index` in inode `gmem`, with a reference and optionally locked. */
export function* getGmemFolio(gmem: string, index: number, opts: { create: boolean; lock: boolean; why: string }): Proc<HeldFolio | FolioErr | null> {
  return yield* getFolioOrErr(index, opts, gmem);
}
