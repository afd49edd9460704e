/**
 * Page-cache lookups shared by kernel paths (`mm/filemap.c`,
 * `kvm_gmem_get_folio`): `filemap_get_folio` / `__filemap_get_folio(FGP_LOCK |
 * FGP_CREAT)` as a lookup at the inode followed by `folio_try_get` (+ lock) at the
 * folio, retried when the folio was truncated in between (the mapping check
 * after `folio_lock`).
 */
import { ACTOR } from '../model/env.js';
import type { FolioFrozen, FolioRefReason } from '../events/protocol/folio.js';
import type { Proc } from './kernel.js';
import { call } from './proc.js';
import type { FolioErr, HeldFolio, LookupOptions } from './types.js';

/** Retries before a lookup gives up (a bound on every loop). */
export const LOOKUP_RETRIES_MAX = 8;

/**
 * Looks up (and with `create`, allocates) the folio covering `index` of the
 * scenario's guest_memfd, takes a reference and, with `lock`, the folio lock.
 * Returns null if there is no folio and `create` is false. Throws if the
 * allocation fails (callers that can see `-ENOMEM` use {@link getFolioOrErr}).
 */
export function* getFolio(index: number, opts: LookupOptions): Proc<HeldFolio | null> {
  const r = yield* getFolioOrErr(index, opts);
  if (r !== null && 'err' in r) throw new Error(`filemap_get_folio of index ${index} failed with ${r.err}`);
  return r;
}

/**
 * {@link getFolio} on guest_memfd `gmem` that reports allocation failures
 * instead of throwing: the HugeTLB subpool had no page (`-ENOMEM`, O3 RFC 1G) or
 * the file does not exist. A frozen folio (a split or merge in progress) fails
 * `folio_try_get` like a truncated one, and the lookup is retried.
 */
export function* getFolioOrErr(index: number, opts: LookupOptions, gmem: string = ACTOR.gmem): Proc<HeldFolio | FolioErr | null> {
  for (let attempt = 0; attempt < LOOKUP_RETRIES_MAX; attempt++) {
    const r = yield* call(gmem, { type: 'gmem.filemap.get', index, create: opts.create });
    if (r.type === 'gmem.error') return { err: r.rc };
    if (r.err !== undefined) return { err: r.err };
    const folio = r.folio;
    if (folio === null) return null;
    const g = yield* call(folio, { type: 'folio.get', lock: opts.lock, why: opts.why, index });
    if (g.ok) return { folio: g.folio, base: g.base, order: g.order, uptodate: g.uptodate };
  }
  throw new Error(`filemap lookup of ${gmem} index ${index} kept racing with truncation`);
}

/**
 * `folio_unlock` + `folio_put` of a folio this path holds locked with a
 * reference taken for `why` (the usual end of a locked lookup).
 */
export function* folioUnlockPut(folio: string, why: FolioRefReason): Proc<void> {
  yield* call(folio, { type: 'folio.unlock' });
  yield* call(folio, { type: 'folio.put', why });
}

/** `folio_put` of a reference taken for `why`. */
export function* folioPut(folio: string, why: FolioRefReason): Proc<void> {
  yield* call(folio, { type: 'folio.put', why });
}

/**
 * `folio_ref_freeze(folio, nr_pages)`: succeeds (`ok`) only when the page
 * cache holds the only references; a frozen folio fails every lookup until
 * {@link folioRefUnfreeze}. The reply carries what a split or merge needs
 * (`hugePage`, `subpages`, contents).
 */
export function* folioRefFreeze(folio: string): Proc<FolioFrozen> {
  return yield* call(folio, { type: 'folio.freeze' });
}

/** `folio_ref_unfreeze`: lookups succeed again. */
export function* folioRefUnfreeze(folio: string): Proc<void> {
  yield* call(folio, { type: 'folio.unfreeze' });
}

/**
 * `unmap_mapping_pages` of file pages `[start, end)` of the guest_memfd mapping
 * (`mm/memory.c`): clears the host PTEs (waiting while a fault holds a PTE lock
 * there) and answers with how many it cleared.
 */
export function* unmapMappingPages(start: number, end: number): Proc<number> {
  return (yield* call(ACTOR.mm, { type: 'mm.zap', start, end })).n;
}
