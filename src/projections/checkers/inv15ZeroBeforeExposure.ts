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
import type { CheckerSpec } from '../checker.js';
import { hex, violation } from '../checker.js';

/** The INV-15 checker. */
export const inv15: CheckerSpec = {
  id: 'INV-15',
  statement: 'the first read of a newly allocated (or punched and refaulted) page returns zeroes',
  modes: ['*'],
  on: ['FolioRangeZeroed', 'FolioRead', 'FolioTruncated', 'FolioWritten', 'HolePunched', 'SplitRangeZeroed'],
  create: () => {
    const written = new Map<string, Set<number>>();
    const setOf = (gmem: string): Set<number> => {
      let s = written.get(gmem);
      if (s === undefined) {
        s = new Set();
        written.set(gmem, s);
      }
      return s;
    };
    const clear = (gmem: string, start: number, end: number): void => {
      const s = written.get(gmem);
      if (s === undefined) return;
      for (const i of s) if (i >= start && i < end) s.delete(i);
    };
    /** folio -> step of the PUNCH_HOLE that removed it from the file */
    const punched = new Map<string, number>();
    return {
      id: 'INV-15',
      check(view, e) {
        if (e.kind !== 'fact') return [];
        if ((e.type === 'FolioRead' || e.type === 'FolioWritten') && punched.has(e.data['folio'] as string)) {
          const folio = e.data['folio'] as string;
          const f = view.folios.get(folio);
          const index = f === undefined ? -1 : f.base + (e.data['subpage'] as number);
          return [
            violation(
              'INV-15',
              e,
              `${String(e.data['by'])} ${e.type === 'FolioRead' ? `read ${hex(e.data['value'] as number)} from` : 'wrote to'} page ${hex(index)} of folio ${folio} at step ${e.step}, though PUNCH_HOLE removed that folio from the file at step ${punched.get(folio) ?? 0}`,
              [punched.get(folio) ?? 0]
            )
          ];
        }
        switch (e.type) {
          case 'HolePunched':
            for (const folio of e.data['folios'] as readonly string[]) punched.set(folio, e.step);
            return [];
          case 'FolioWritten': {
            const f = view.folios.get(e.data['folio'] as string);
            if (f !== undefined) setOf(f.gmem).add(f.base + (e.data['subpage'] as number));
            return [];
          }
          case 'FolioTruncated': {
            const f = view.folios.get(e.data['folio'] as string);
            if (f !== undefined) clear(f.gmem, f.base, f.base + 2 ** f.order);
            return [];
          }
          case 'FolioRangeZeroed': {
            const f = view.folios.get(e.data['folio'] as string);
            if (f !== undefined) clear(f.gmem, f.base + (e.data['start'] as number), f.base + (e.data['end'] as number));
            return [];
          }
          case 'SplitRangeZeroed':
            clear(e.data['gmem'] as string, e.data['start'] as number, e.data['end'] as number);
            return [];
          case 'FolioRead': {
            const folio = e.data['folio'] as string;
            const f = view.folios.get(folio);
            const value = e.data['value'] as number;
            if (f === undefined || value === 0) return [];
            const index = f.base + (e.data['subpage'] as number);
            if (written.get(f.gmem)?.has(index) === true) return [];
            return [
              violation(
                'INV-15',
                e,
                `read of page ${hex(index)} of ${f.gmem} (folio ${folio}) by ${String(e.data['by'])} returned ${hex(value)} though nothing was written since it was allocated`
              )
            ];
          }
          default:
            return [];
        }
      }
    };
  }
};
