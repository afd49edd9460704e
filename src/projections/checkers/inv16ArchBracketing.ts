/**
 * INV-16 Arch prepare/invalidate bracketing (spec §4): a pfn is arch-prepared
 * (e.g. SNP RMP private) before any private SPTE maps it, and arch-invalidated
 * (back to host-owned) before it is freed to the allocator or, in the in-place
 * designs, becomes host-mapped again.
 *
 * The prepared state belongs to pfns, so the checker keeps it per physical
 * page and subpage range: a HugeTLB page (rfc-1g-v2) is one range map over its
 * subpages, whichever folios cover it over time; any other folio is its own
 * range map. A folio's subpages are located from `FolioAllocated` (`hugePage`:
 * the whole page; `hugeOrigin`: the 4K page at its offset in the page, known
 * from the `FolioSplit` of that page), so the state follows a split (every
 * 4K page keeps its state) and a merge (the merged folio is prepared exactly
 * where its pages were) without facts of its own. `FolioPrepared` and
 * `FolioArchInvalidated` cover `[start, end)` of their folio (absent = all of
 * it); an invalidation the inode records for not yet materialised 4K folios
 * names the huge folio they were split from, which locates the same pages.
 *
 * Fires on a private SPTE over a subpage that is not prepared (every subpage
 * the leaf covers inside its folio), a host PTE on a prepared subpage, and a
 * folio freed with any prepared subpage.
 *
 * Modes: the designs whose guest faults prepare private folios and whose
 * conversions or frees invalidate them: rfc-inplace-v8, rfc-1g-v2 (split and
 * merge followed as above), upstream-6.8 and upstream-6.18. Not fd-2022: the
 * 2022 design (S-SEED3) predates the arch hooks (`kvm_arch_gmem_prepare` /
 * `kvm_arch_gmem_invalidate` came with guest_memfd), so its model records no
 * prepare facts. Not rfc-1g-v1 either: its model has no conversion-time arch
 * invalidation (docs/model.md).
 */
import type { FactEntry } from '../../events/facts.js';
import { defineChecker, hex, violation } from '../checker.js';
import { leafPages } from '../kvmView.js';
import type { WorldView } from '../worldView.js';
import { RangeMap } from '../../model/rangeMap.js';

/** Where a folio's subpages are: `key` names the physical page (range map), `offset` its first subpage in it. */
interface Place {
  readonly key: string;
  readonly offset: number;
  /** Subpages of the folio. */
  readonly pages: number;
  /** Subpages of the physical page `key`. */
  readonly size: number;
  /** Huge page name for messages, or null. */
  readonly hugePage: string | null;
}

/** State of one physical page. */
interface Prepared {
  map: RangeMap<boolean>;
  /** Step of the last prepare / invalidation, for explanations. */
  preparedAt: number;
  invalidatedAt: number | null;
}

interface State {
  /** physical page -> prepared subpages */
  readonly state: Map<string, Prepared>;
  /** HugeTLB page -> its file base index and order (from its huge folio) */
  readonly huge: Map<string, { base: number; order: number }>;
}

/** Where the subpages of `folio` are. */
function place(st: State, view: WorldView, folio: string): Place {
  const f = view.folios.get(folio);
  const pages = 2 ** (f?.order ?? 0);
  if (f?.hugePage !== undefined) return { key: f.hugePage, offset: 0, pages, size: pages, hugePage: f.hugePage };
  const origin = f?.hugeOrigin === undefined ? undefined : st.huge.get(f.hugeOrigin);
  if (f?.hugeOrigin !== undefined && origin !== undefined) {
    const size = 2 ** origin.order;
    return { key: f.hugeOrigin, offset: f.base - origin.base, pages, size, hugePage: f.hugeOrigin };
  }
  return { key: folio, offset: 0, pages, size: pages, hugePage: null };
}

/** The folio's subpage range `[start, end)` (clipped to it), as physical subpages. */
function span(p: Place, start: number | undefined, end: number | undefined): [number, number] {
  const s = Math.max(0, Math.min(start ?? 0, p.pages));
  const e = Math.max(s, Math.min(end ?? p.pages, p.pages));
  return [p.offset + s, p.offset + e];
}

/** The state of `p`'s physical page (none if a hand-written log gave it another size). */
function stateOf(st: State, p: Place): Prepared | undefined {
  const cur = st.state.get(p.key);
  return cur !== undefined && cur.map.size === p.size ? cur : undefined;
}

/** Names physical subpage `phys` of `p` for messages ('' for a whole order-0 folio). */
function sub(p: Place, phys: number): string {
  return p.hugePage !== null ? ` (subpage ${phys} of huge page ${p.hugePage})` : p.pages > 1 ? ` (subpage ${phys})` : '';
}

/** A huge folio locates its HugeTLB page in the file (for the 4K folios split from it). */
function hugeFolio(st: State, e: FactEntry<'FolioAllocated' | 'FolioSplit'>): [] {
  const { hugePage, order } = e.data;
  if (hugePage !== undefined && order > 0) st.huge.set(hugePage, { base: e.data.base, order });
  return [];
}

/** The INV-16 checker. */
export const inv16 = defineChecker({
  id: 'INV-16',
  statement: 'a folio is arch-prepared before a private SPTE maps it and arch-invalidated before it is freed or host-mapped again',
  modes: ['rfc-inplace-v8', 'rfc-1g-v2', 'upstream-6.8', 'upstream-6.18'],
  init: (): State => ({ state: new Map(), huge: new Map() }),
  facts: {
    FolioAllocated: hugeFolio,
    FolioSplit: hugeFolio,
    FolioPrepared: (st, e, view) => {
      const p = place(st, view, e.data.folio);
      const [s, t] = span(p, e.data.start, e.data.end);
      if (s >= t) return [];
      const cur = stateOf(st, p);
      const map = (cur?.map ?? RangeMap.filled(p.size, false)).store(s, t, true);
      st.state.set(p.key, { map, preparedAt: e.step, invalidatedAt: cur?.invalidatedAt ?? null });
      return [];
    },
    FolioArchInvalidated: (st, e, view) => {
      const p = place(st, view, e.data.folio);
      const cur = stateOf(st, p);
      const [s, t] = span(p, e.data.start, e.data.end);
      if (cur === undefined || s >= t) return [];
      cur.map = cur.map.store(s, t, false);
      cur.invalidatedAt = e.step;
      return [];
    },
    SptInstalled: (st, e, view) => {
      if (!e.data.private) return [];
      const pfn = e.data.pfn;
      const p = place(st, view, pfn);
      const first = e.data.subpage;
      const [s, t] = span(p, first, first + leafPages(e.data.level));
      // A leaf beyond its folio is INV-8's finding.
      if (s >= t) return [];
      const cur = stateOf(st, p);
      const bad = cur === undefined ? s : cur.map.find(s, t, false);
      if (bad < 0) return [];
      const gfn = hex(e.data.gfn);
      const why =
        cur === undefined || cur.invalidatedAt === null
          ? `which was never arch-prepared${sub(p, bad)}`
          : `which is not arch-prepared${sub(p, bad)} (arch-invalidated at step ${cur.invalidatedAt})`;
      return [
        violation('INV-16', e, `private SPTE for gfn ${gfn} installed at step ${e.step} maps folio ${pfn}, ${why}`, cur === undefined ? [] : [cur.preparedAt])
      ];
    },
    FolioFreed: (st, e, view) => {
      const folio = e.data.folio;
      const p = place(st, view, folio);
      const cur = stateOf(st, p);
      const [s, t] = span(p, undefined, undefined);
      if (cur === undefined) return [];
      const bad = cur.map.find(s, t, true);
      cur.map = cur.map.store(s, t, false);
      if (cur.map.find(0, cur.map.size, true) < 0) st.state.delete(p.key);
      if (bad < 0) return [];
      return [
        violation(
          'INV-16',
          e,
          `folio ${folio}${sub(p, bad)} freed at step ${e.step} while still arch-prepared (since step ${cur.preparedAt}) for private use`,
          [cur.preparedAt]
        )
      ];
    },
    HostPteInstalled: (st, e, view) => {
      const folio = e.data.folio;
      const p = place(st, view, folio);
      const cur = stateOf(st, p);
      const [s, t] = span(p, e.data.subpage, e.data.subpage + 1);
      if (cur === undefined || s >= t || cur.map.get(s) !== true) return [];
      return [
        violation(
          'INV-16',
          e,
          `folio ${folio}${sub(p, s)} host-mapped at page ${hex(e.data.index)} at step ${e.step} while still arch-prepared (since step ${cur.preparedAt}) for private use`,
          [cur.preparedAt]
        )
      ];
    }
  }
});
