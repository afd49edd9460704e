/**
 * INV-9 No mapping of freed or truncated folios (spec §4), stage-2 side: no SPTE
 * maps a folio that was removed from the page cache or freed, and no guest
 * access (forwarded by the MMU through an SPTE) reaches such a folio. Checked
 * when an SPTE is installed, when a folio is truncated, freed, split or merged
 * away (RFC 1G restructuring: its pieces are new folios) while an SPTE still
 * maps it (the zap must come first), and on every guest access.
 */
import type { FactEntry } from '../../events/facts.js';
import type { LogEntry } from '../../events/logEntry.js';
import { ACTOR } from '../../model/env.js';
import { defineChecker, hex, violation } from '../checker.js';
import type { Violation } from '../violation.js';
import type { WorldView } from '../worldView.js';

function mappedBy(view: WorldView, folio: string, e: Pick<LogEntry, 'step' | 'seq'>, what: string): Violation[] {
  const out: Violation[] = [];
  for (const s of view.kvm.sptes.values()) {
    if (s.folio !== folio) continue;
    out.push(
      violation(
        'INV-9',
        e,
        `folio ${folio} ${what} at step ${e.step} while ${s.private ? 'private' : 'shared'} SPTE ${s.root}:${hex(s.gfn)} (level ${s.level}, installed by ${s.by} at step ${s.step}) still maps it`,
        [s.step]
      )
    );
  }
  return out;
}

/** A guest access forwarded by the MMU (through an SPTE) must not reach a truncated or freed folio. */
function access(view: WorldView, e: FactEntry<'FolioRead' | 'FolioWritten'>): Violation[] {
  if (e.data.by !== ACTOR.mmu) return [];
  const folio = e.data.folio;
  const f = view.folios.get(folio);
  if (f === undefined || !(f.truncated || f.freed)) return [];
  return [
    violation(
      'INV-9',
      e,
      `guest ${e.type === 'FolioRead' ? 'read' : 'write'} through a stale SPTE reached ${f.freed ? 'freed' : 'truncated'} folio ${folio} at step ${e.step}`
    )
  ];
}

/** The INV-9 checker. */
export const inv9 = defineChecker({
  id: 'INV-9',
  statement: 'no SPTE maps, and no guest access reaches, a truncated or freed folio',
  modes: ['*'],
  init: () => undefined,
  facts: {
    SptInstalled: (_s, e, view) => {
      const folio = e.data.pfn;
      const f = view.folios.get(folio);
      if (f === undefined || !(f.truncated || f.freed)) return [];
      return [
        violation(
          'INV-9',
          e,
          `${e.data.private ? 'private' : 'shared'} SPTE for gfn ${hex(e.data.gfn)} installed by ${e.data.by} at step ${e.step} maps ${f.freed ? 'freed' : 'truncated'} folio ${folio}`
        )
      ];
    },
    FolioTruncated: (_s, e, view) => mappedBy(view, e.data.folio, e, 'truncated'),
    FolioFreed: (_s, e, view) => mappedBy(view, e.data.folio, e, 'freed'),
    FolioSplit: (_s, e, view) => mappedBy(view, e.data.folio, e, 'split'),
    FolioMerged: (_s, e, view) => e.data.from.flatMap((f) => mappedBy(view, f, e, `merged into ${e.data.folio}`)),
    FolioRead: (_s, e, view) => access(view, e),
    FolioWritten: (_s, e, view) => access(view, e)
  }
});
