/**
 * INV-9 No mapping of freed or truncated folios (spec §4), stage-2 side: no SPTE
 * maps a folio that was removed from the page cache or freed, and no guest
 * access (forwarded by the MMU through an SPTE) reaches such a folio. Checked
 * when an SPTE is installed, when a folio is truncated, freed, split or merged
 * away (RFC 1G restructuring: its pieces are new folios) while an SPTE still
 * maps it (the zap must come first), and on every guest access.
 */
import type { LogEntry } from '../../events/logEntry.js';
import { ACTOR } from '../../model/env.js';
import type { CheckerSpec } from '../checker.js';
import { hex, violation } from '../checker.js';
import type { Violation } from '../violation.js';
import type { WorldView } from '../worldView.js';

function mappedBy(view: WorldView, folio: string, e: LogEntry, what: string): Violation[] {
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

/** The INV-9 checker. */
export const inv9: CheckerSpec = {
  id: 'INV-9',
  statement: 'no SPTE maps, and no guest access reaches, a truncated or freed folio',
  modes: ['*'],
  on: ['FolioFreed', 'FolioMerged', 'FolioRead', 'FolioSplit', 'FolioTruncated', 'FolioWritten', 'SptInstalled'],
  create: () => ({
    id: 'INV-9',
    check(view, e) {
      if (e.kind !== 'fact') return [];
      switch (e.type) {
        case 'SptInstalled': {
          const folio = e.data['pfn'] as string;
          const f = view.folios.get(folio);
          if (f === undefined || !(f.truncated || f.freed)) return [];
          return [
            violation(
              'INV-9',
              e,
              `${e.data['private'] === true ? 'private' : 'shared'} SPTE for gfn ${hex(e.data['gfn'] as number)} installed by ${String(e.data['by'])} at step ${e.step} maps ${f.freed ? 'freed' : 'truncated'} folio ${folio}`
            )
          ];
        }
        case 'FolioTruncated':
          return mappedBy(view, e.data['folio'] as string, e, 'truncated');
        case 'FolioFreed':
          return mappedBy(view, e.data['folio'] as string, e, 'freed');
        case 'FolioSplit':
          return mappedBy(view, e.data['folio'] as string, e, 'split');
        case 'FolioMerged': {
          const from = e.data['from'];
          return (Array.isArray(from) ? from : []).flatMap((f) => mappedBy(view, String(f), e, `merged into ${String(e.data['folio'])}`));
        }
        case 'FolioRead':
        case 'FolioWritten': {
          if (e.data['by'] !== ACTOR.mmu) return [];
          const folio = e.data['folio'] as string;
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
        default:
          return [];
      }
    }
  })
};
