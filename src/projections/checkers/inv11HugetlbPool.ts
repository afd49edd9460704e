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
import type { FactEntry } from '../../events/facts.js';
import { defineChecker, violation } from '../checker.js';
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

interface State {
  /** gmem -> its subpool counters as last recorded */
  readonly pools: Map<string, PoolState>;
  /** huge page -> step it was handed out */
  readonly live: Map<string, number>;
  /** huge page -> the free of its folio that has not returned it to the subpool yet */
  readonly pending: Map<string, Pending>;
}

/** A move of the subpool counters by one page (`delta`: +1 handed out, -1 returned). */
function counters(s: State, e: FactEntry<'HugePageAllocated' | 'FolioFreedToPool'>, delta: number): Violation[] {
  const gmem = e.data.gmem;
  const p = s.pools.get(gmem);
  const got = { inUse: e.data.inUse, free: e.data.free, reserved: e.data.reserved };
  const out: Violation[] = [];
  if (got.inUse + got.free !== got.reserved) {
    out.push(violation('INV-11', e, `${gmem} subpool: in use ${got.inUse} + free ${got.free} != reserved ${got.reserved}`));
  }
  if (p === undefined) out.push(violation('INV-11', e, `${gmem}: ${e.type} without a reserved subpool`));
  else if (p.reserved !== got.reserved || p.inUse + delta !== got.inUse || p.free - delta !== got.free) {
    out.push(violation('INV-11', e, `${gmem} subpool moved from in use ${p.inUse}/free ${p.free} to ${got.inUse}/${got.free} on one ${e.type}`));
  }
  if (got.free < 0 || got.inUse < 0) out.push(violation('INV-11', e, `${gmem} subpool counter below zero`));
  s.pools.set(gmem, got);
  return out;
}

function onFreedToPool(s: State, view: WorldView, e: FactEntry<'FolioFreedToPool'>): Violation[] {
  const { page, folio } = e.data;
  const out = counters(s, e, -1);
  if (!s.live.has(page)) out.push(violation('INV-11', e, `huge page ${page} returned to the subpool but it was not in use`));
  s.live.delete(page);
  s.pending.delete(page);
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
}

/** The INV-11 checker. */
export const inv11 = defineChecker({
  id: 'INV-11',
  statement: 'HugeTLB subpool pages are conserved and return to the pool only as whole merged huge pages with refcount 0',
  modes: ['*'],
  init: (): State => ({ pools: new Map(), live: new Map(), pending: new Map() }),
  facts: {
    SubpoolReserved: (s, e) => {
      const reserved = e.data.reserved;
      s.pools.set(e.data.gmem, { reserved, inUse: 0, free: reserved });
      return [];
    },
    HugePageAllocated: (s, e) => {
      const page = e.data.page;
      const out = counters(s, e, 1);
      if (s.live.has(page)) out.push(violation('INV-11', e, `huge page ${page} handed out twice`));
      s.live.set(page, e.step);
      return out;
    },
    FolioFreed: (s, e, view) => {
      const folio = e.data.folio;
      const f = view.folios.get(folio);
      if (f === undefined) return [];
      if (f.hugeOrigin !== undefined) {
        return [violation('INV-11', e, `4K folio ${folio} of huge page ${f.hugeOrigin} freed on its own (a subpage left the huge page)`)];
      }
      if (f.hugePage !== undefined) s.pending.set(f.hugePage, { folio, by: e.data.by ?? folio, step: e.step });
      return [];
    },
    FolioFreedToPool: (s, e, view) => onFreedToPool(s, view, e),
    OpReturned: (s, e) => {
      if (e.data.name !== 'punchHole') return [];
      const thread = e.data.thread;
      const out: Violation[] = [];
      for (const [page, p] of s.pending) {
        if (p.by !== thread) continue;
        out.push(
          violation('INV-11', e, `PUNCH_HOLE of ${thread} returned while huge page ${page} it freed at step ${p.step} is not back in the subpool`, [p.step])
        );
      }
      return out;
    }
  },
  sched: {
    End: (s, e) => {
      if (e.data.reason !== 'quiescent') return [];
      return [...s.pending.entries()].map(([page, p]) =>
        violation('INV-11', e, `huge page ${page} (folio ${p.folio}) freed at step ${p.step} never returned to the subpool`, [p.step])
      );
    }
  }
});
