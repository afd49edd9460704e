/**
 * INV-13 Merge/split only when quiescent [RFC 1G] (spec §4, O15): a split or
 * merge happens only while every affected folio holds exactly its page-cache
 * references (`folio_ref_freeze(folio, nr_pages)`), is not host-mapped and not
 * pinned; a merge additionally requires that no index of the hugepage is
 * shared (except the merge PUNCH_HOLE does right before truncating the whole
 * hugepage under the same lock, `reason: truncate`, O4 RFC 1G-v2). 4K folios of
 * a split hugepage that were never touched hold only their page-cache reference
 * by construction and are not listed in `FolioMerged`.
 */
import type { FactEntry } from '../../events/facts.js';
import { defineChecker, hex, violation } from '../checker.js';
import type { Violation } from '../violation.js';
import type { FolioView, WorldView } from '../worldView.js';

function busy(f: FolioView): string[] {
  const problems: string[] = [];
  const nr = 2 ** f.order;
  if (f.refcount !== nr) problems.push(`refcount ${f.refcount}, expected ${nr} (page cache only)`);
  const mapped = [...f.mapcount.values()].reduce((a, b) => a + b, 0);
  if (mapped > 0) problems.push(`${mapped} host mapping(s)`);
  if (f.pins.size > 0) problems.push(`${f.pins.size} GUP reference(s)/pin(s) (${[...f.pins.keys()].join(', ')})`);
  return problems;
}

function onMerge(view: WorldView, e: FactEntry<'FolioMerged'>): Violation[] {
  const { gmem, base } = e.data;
  const end = base + 2 ** e.data.order;
  const out: Violation[] = [];
  for (const id of e.data.from) {
    const f = view.folios.get(id);
    if (f === undefined) continue;
    const problems = busy(f);
    if (problems.length > 0) out.push(violation('INV-13', e, `merge of hugepage ${hex(base)} of ${gmem} while 4K folio ${id} has ${problems.join(', ')}`));
  }
  if (e.data.reason === 'truncate') return out;
  const a = view.attrs.get(gmem);
  const shared = a === undefined ? -1 : a.find(base, Math.min(end, a.size), false);
  if (shared >= 0) out.push(violation('INV-13', e, `merge of hugepage ${hex(base)} of ${gmem} while index ${hex(shared)} is shared`));
  return out;
}

/** The INV-13 checker. */
export const inv13 = defineChecker({
  id: 'INV-13',
  statement: 'huge folios are split and merged only while quiescent (page-cache refs only, unmapped, unpinned; merge: all private)',
  modes: ['*'],
  init: () => undefined,
  facts: {
    FolioMerged: (_s, e, view) => onMerge(view, e),
    FolioSplit: (_s, e, view) => {
      const folio = e.data.folio;
      const f = view.folios.get(folio);
      if (f === undefined) return [];
      const problems = busy(f);
      return problems.length === 0 ? [] : [violation('INV-13', e, `split of folio ${folio} at ${hex(f.base)} while it has ${problems.join(', ')}`)];
    }
  }
});
