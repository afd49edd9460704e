/**
 * `kvm_gmem_get_folio` on any guest_memfd inode (not only the scenario's
 * `gmem0`): the same lookup + `folio_try_get` (+ lock) as
 * {@link getFolioOrErr} in `filemap.ts`, retried when the folio was truncated in
 * between. Used by the paths that follow a memslot to whatever file it is bound
 * to (upstream faults and pre-faults after a slot was re-created with a new
 * guest_memfd, populate, memory failure).
 */
import { ACTOR } from '../model/env.js';
import { type FolioErr, getFolioOrErr, type HeldFolio, LOOKUP_RETRIES_MAX } from './filemap.js';
import { bool, call, num, type Proc, str } from './proc.js';

/** Looks up (with `create`, allocates) the folio of `index` in inode `gmem`, with a reference and optionally locked. */
export function* getGmemFolio(gmem: string, index: number, opts: { create: boolean; lock: boolean; why: string }): Proc<HeldFolio | FolioErr | null> {
  if (gmem === ACTOR.gmem) return yield* getFolioOrErr(index, opts);
  for (let attempt = 0; attempt < LOOKUP_RETRIES_MAX; attempt++) {
    const r = yield* call(gmem, { type: 'gmem.filemap.get', index, create: opts.create });
    if (r.type === 'gmem.error') return { err: str(r, 'rc') };
    if (typeof r['err'] === 'string') return { err: r['err'] };
    const folio = r['folio'];
    if (typeof folio !== 'string') return null;
    const g = yield* call(folio, { type: 'folio.get', lock: opts.lock, why: opts.why, index });
    if (bool(g, 'ok')) return { folio: str(g, 'folio'), base: num(g, 'base'), order: num(g, 'order'), uptodate: bool(g, 'uptodate') };
  }
  throw new Error(`filemap lookup of ${gmem} index ${index} kept racing with truncation`);
}
