/**
 * INV-11 HugeTLB pool conservation [RFC 1G] (spec §4): per guest_memfd with a
 * HugeTLB subpool, `inUse + free == reserved` after every allocation and
 * return, each counter moves by one; a huge page goes back to the subpool only
 * as one merged folio whose refcount reached 0 (no live 4K folio of it is
 * left), and no 4K folio of a huge page is ever freed on its own. The
 * accounting userspace can see must be settled when PUNCH_HOLE returns (B17):
 * a huge folio freed by a thread is back in the subpool before that thread's
 * PUNCH_HOLE returns, and every freed huge page is back when the run ends.
 */
import type { LogEntry } from '../../events/logEntry.js';
import type { CheckerSpec } from '../checker.js';
import { violation } from '../checker.js';
import type { Violation } from '../violation.js';
import type { WorldView } from '../worldView.js';

interface PoolState {
  reserved: number;
  inUse: number;
  free: number;
}

interface Pending {
  readonly folio: string;
  readonly by: string;
  readonly step: number;
}

function num(e: LogEntry, f: string): number {
  return e.data[f] as number;
}

/** The INV-11 checker. */
export const inv11: CheckerSpec = {
  id: 'INV-11',
  statement: 'HugeTLB subpool pages are conserved and return to the pool only as whole merged huge pages with refcount 0',
  modes: ['*'],
  on: ['End', 'FolioFreed', 'FolioFreedToPool', 'HugePageAllocated', 'OpReturned', 'SubpoolReserved'],
  create: () => {
    const pools = new Map<string, PoolState>();
    const live = new Map<string, number>();
    const pending = new Map<string, Pending>();

    const counters = (e: LogEntry, delta: number): Violation[] => {
      const gmem = e.data['gmem'] as string;
      const p = pools.get(gmem);
      const got = { inUse: num(e, 'inUse'), free: num(e, 'free'), reserved: num(e, 'reserved') };
      const out: Violation[] = [];
      if (got.inUse + got.free !== got.reserved) {
        out.push(violation('INV-11', e, `${gmem} subpool: in use ${got.inUse} + free ${got.free} != reserved ${got.reserved}`));
      }
      if (p === undefined) out.push(violation('INV-11', e, `${gmem}: ${e.type} without a reserved subpool`));
      else if (p.reserved !== got.reserved || p.inUse + delta !== got.inUse || p.free - delta !== got.free) {
        out.push(violation('INV-11', e, `${gmem} subpool moved from in use ${p.inUse}/free ${p.free} to ${got.inUse}/${got.free} on one ${e.type}`));
      }
      if (got.free < 0 || got.inUse < 0) out.push(violation('INV-11', e, `${gmem} subpool counter below zero`));
      pools.set(gmem, got);
      return out;
    };

    const onFreedToPool = (view: WorldView, e: LogEntry): Violation[] => {
      const page = e.data['page'] as string;
      const folio = e.data['folio'] as string;
      const out = counters(e, -1);
      if (!live.has(page)) out.push(violation('INV-11', e, `huge page ${page} returned to the subpool but it was not in use`));
      live.delete(page);
      pending.delete(page);
      const f = view.folios.get(folio);
      if (f === undefined) return out;
      if (f.order === 0 || f.hugePage !== page)
        out.push(violation('INV-11', e, `huge page ${page} returned through folio ${folio}, which is not that merged huge folio`));
      else if (!f.freed) out.push(violation('INV-11', e, `huge page ${page} returned while folio ${folio} still holds ${f.refcount} reference(s)`));
      if (f.restructured === 'split') out.push(violation('INV-11', e, `huge page ${page} returned while it is split into 4K folios`));
      for (const [id, sub] of view.folios) {
        if (sub.hugeOrigin === page && !sub.truncated && !sub.freed) {
          out.push(violation('INV-11', e, `huge page ${page} returned while its 4K folio ${id} is still in the page cache`));
        }
      }
      return out;
    };

    return {
      id: 'INV-11',
      check(view, e) {
        if (e.kind === 'sched') {
          if (e.type !== 'End' || e.data['reason'] !== 'quiescent') return [];
          return [...pending.entries()].map(([page, p]) =>
            violation('INV-11', e, `huge page ${page} (folio ${p.folio}) freed at step ${p.step} never returned to the subpool`, [p.step])
          );
        }
        if (e.kind !== 'fact') return [];
        switch (e.type) {
          case 'SubpoolReserved': {
            const reserved = num(e, 'reserved');
            pools.set(e.data['gmem'] as string, { reserved, inUse: 0, free: reserved });
            return [];
          }
          case 'HugePageAllocated': {
            const page = e.data['page'] as string;
            const out = counters(e, 1);
            if (live.has(page)) out.push(violation('INV-11', e, `huge page ${page} handed out twice`));
            live.set(page, e.step);
            return out;
          }
          case 'FolioFreed': {
            const folio = e.data['folio'] as string;
            const f = view.folios.get(folio);
            if (f === undefined) return [];
            if (f.hugeOrigin !== undefined) {
              return [violation('INV-11', e, `4K folio ${folio} of huge page ${f.hugeOrigin} freed on its own (a subpage left the huge page)`)];
            }
            if (f.hugePage !== undefined) pending.set(f.hugePage, { folio, by: typeof e.data['by'] === 'string' ? e.data['by'] : folio, step: e.step });
            return [];
          }
          case 'FolioFreedToPool':
            return onFreedToPool(view, e);
          case 'OpReturned': {
            if (e.data['name'] !== 'punchHole') return [];
            const thread = e.data['thread'] as string;
            const out: Violation[] = [];
            for (const [page, p] of pending) {
              if (p.by !== thread) continue;
              out.push(
                violation('INV-11', e, `PUNCH_HOLE of ${thread} returned while huge page ${page} it freed at step ${p.step} is not back in the subpool`, [
                  p.step
                ])
              );
            }
            return out;
          }
          default:
            return [];
        }
      }
    };
  }
};
