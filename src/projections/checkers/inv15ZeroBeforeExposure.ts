/**
 * INV-15 Zero before first exposure (spec §4): the first host or guest read of
 * a page of a newly allocated folio observes zeroes; after PUNCH_HOLE and a
 * refault the range reads 0. Checked per file index: a read that returns a
 * non-zero value must be preceded by a write to that index since the index was
 * last truncated (PUNCH_HOLE) or zeroed (partial-hugepage PUNCH_HOLE). Folio
 * lineage through split and merge keeps the contents, so the written set is
 * per index, not per folio. A folio a PUNCH_HOLE removed from the file
 * (`HolePunched`) is never read or written again (B4: zapped, not truncated).
 */
import type { FactEntry } from '../../events/facts.js';
import { defineChecker, hex, violation } from '../checker.js';
import type { Violation } from '../violation.js';
import type { WorldView } from '../worldView.js';

interface State {
  /** gmem -> indices written since they were last truncated or zeroed */
  readonly written: Map<string, Set<number>>;
  /** folio -> step of the PUNCH_HOLE that removed it from the file */
  readonly punched: Map<string, number>;
}

function setOf(s: State, gmem: string): Set<number> {
  let w = s.written.get(gmem);
  if (w === undefined) {
    w = new Set();
    s.written.set(gmem, w);
  }
  return w;
}

function clear(s: State, gmem: string, start: number, end: number): void {
  const w = s.written.get(gmem);
  if (w === undefined) return;
  for (const i of w) if (i >= start && i < end) w.delete(i);
}

/** A read or write of a folio a PUNCH_HOLE removed from the file (B4), or null. */
function afterPunch(s: State, view: WorldView, e: FactEntry<'FolioRead' | 'FolioWritten'>): Violation[] | null {
  const folio = e.data.folio;
  const at = s.punched.get(folio);
  if (at === undefined) return null;
  const f = view.folios.get(folio);
  const index = f === undefined ? -1 : f.base + e.data.subpage;
  return [
    violation(
      'INV-15',
      e,
      `${e.data.by} ${e.type === 'FolioRead' ? `read ${hex(e.data.value)} from` : 'wrote to'} page ${hex(index)} of folio ${folio} at step ${e.step}, though PUNCH_HOLE removed that folio from the file at step ${at}`,
      [at]
    )
  ];
}

/** The INV-15 checker. */
export const inv15 = defineChecker({
  id: 'INV-15',
  statement: 'the first read of a newly allocated (or punched and refaulted) page returns zeroes',
  modes: ['*'],
  init: (): State => ({ written: new Map(), punched: new Map() }),
  facts: {
    HolePunched: (s, e) => {
      for (const folio of e.data.folios) s.punched.set(folio, e.step);
      return [];
    },
    FolioWritten: (s, e, view) => {
      const punched = afterPunch(s, view, e);
      if (punched !== null) return punched;
      const f = view.folios.get(e.data.folio);
      if (f !== undefined) setOf(s, f.gmem).add(f.base + e.data.subpage);
      return [];
    },
    FolioTruncated: (s, e, view) => {
      const f = view.folios.get(e.data.folio);
      if (f !== undefined) clear(s, f.gmem, f.base, f.base + 2 ** f.order);
      return [];
    },
    FolioRangeZeroed: (s, e, view) => {
      const f = view.folios.get(e.data.folio);
      if (f !== undefined) clear(s, f.gmem, f.base + e.data.start, f.base + e.data.end);
      return [];
    },
    SplitRangeZeroed: (s, e) => {
      clear(s, e.data.gmem, e.data.start, e.data.end);
      return [];
    },
    FolioRead: (s, e, view) => {
      const punched = afterPunch(s, view, e);
      if (punched !== null) return punched;
      const folio = e.data.folio;
      const f = view.folios.get(folio);
      const value = e.data.value;
      if (f === undefined || value === 0) return [];
      const index = f.base + e.data.subpage;
      if (s.written.get(f.gmem)?.has(index) === true) return [];
      return [
        violation(
          'INV-15',
          e,
          `read of page ${hex(index)} of ${f.gmem} (folio ${folio}) by ${e.data.by} returned ${hex(value)} though nothing was written since it was allocated`
        )
      ];
    }
  }
});
