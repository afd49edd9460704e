/**
 * The world view: a fold of the facts into a mirror of the modelled state
 * (attributes, page cache, folio references, host PTEs, GUP pins). Invariant
 * checkers read it. It uses only facts, so it works on logs from any source.
 *
 * For speed the view is an owned accumulator: {@link evolveWorldView} updates
 * the view it is given and returns it. It is still a deterministic fold: the
 * same entries always give the same view.
 */
import { type AnyFactEntry, type FactData, isAnyFact } from '../events/facts.js';
import type { LogEntry } from '../events/logEntry.js';
import { RangeMap } from '../model/rangeMap.js';
import { evolveKvmView, initialKvmView, type KvmView } from './kvmView.js';

/** A folio as the log tells it. */
export interface FolioView {
  readonly gmem: string;
  readonly base: number;
  readonly order: number;
  refcount: number;
  truncated: boolean;
  freed: boolean;
  /** pin name -> subpage and kind */
  readonly pins: Map<string, { subpage: number; kind: FactData<'GupPinned'>['kind']; longterm: boolean; step: number }>;
  /** subpage -> number of host PTEs */
  readonly mapcount: Map<number, number>;
  /** The HugeTLB huge page this folio is (order > 0, rfc-1g-v2). */
  hugePage?: string;
  /** For a 4K folio made by a split: the huge page it came from. */
  hugeOrigin?: string;
  /** Left the page cache by a split (the huge folio) or a merge (its 4K folios); `truncated` is set too. */
  restructured?: 'split' | 'merged';
}

/** A host PTE as the log tells it. */
export interface PteView {
  readonly mm: string;
  readonly page: number;
  readonly folio: string;
  readonly subpage: number;
  readonly step: number;
}

/** Last change of an attribute range, for explanations. */
export interface AttrChange {
  readonly start: number;
  readonly end: number;
  readonly private: boolean;
  readonly step: number;
}

/** The view. */
export interface WorldView {
  /** gmem -> private bit per index */
  readonly attrs: Map<string, RangeMap<boolean>>;
  readonly attrChanges: Map<string, AttrChange[]>;
  readonly folios: Map<string, FolioView>;
  /** `${gmem}:${index}` -> PTEs mapping that index */
  readonly ptes: Map<string, PteView[]>;
  /** KVM stage-2 state: SPTEs, invalidation counters, vCPU faults (kvmView.ts) */
  readonly kvm: KvmView;
  /** facts seen */
  facts: number;
}

/** An empty view. */
export function initialWorldView(): WorldView {
  return { attrs: new Map(), attrChanges: new Map(), folios: new Map(), ptes: new Map(), kvm: initialKvmView(), facts: 0 };
}

/** Key of a host PTE slot. */
export function pteKey(gmem: string, index: number): string {
  return `${gmem}:${index}`;
}

/** True if index `index` of `gmem` is private in the view (unknown files: false). */
export function isPrivate(view: WorldView, gmem: string, index: number): boolean {
  const a = view.attrs.get(gmem);
  return a !== undefined && index < a.size && a.get(index);
}

/** The most recent attribute change covering `index`. */
export function lastChange(view: WorldView, gmem: string, index: number): AttrChange | undefined {
  const list = view.attrChanges.get(gmem) ?? [];
  for (let i = list.length - 1; i >= 0; i--) {
    const c = list[i];
    if (c !== undefined && index >= c.start && index < c.end) return c;
  }
  return undefined;
}

/** Folds one entry into the view. Non-fact entries are ignored; facts of unknown types are only counted. */
export function evolveWorldView(view: WorldView, e: LogEntry): WorldView {
  if (e.kind !== 'fact') return view;
  view.facts++;
  if (isAnyFact(e)) evolveFact(view, e);
  return view;
}

function evolveFact(view: WorldView, e: AnyFactEntry): void {
  switch (e.type) {
    case 'GmemCreated':
      view.attrs.set(e.data.gmem, RangeMap.filled(e.data.pages, false));
      view.attrChanges.set(e.data.gmem, []);
      break;
    case 'AttrStored': {
      const d = e.data;
      const a = view.attrs.get(d.gmem);
      if (a === undefined) break;
      view.attrs.set(d.gmem, a.store(d.start, d.end, d.private));
      view.attrChanges.get(d.gmem)?.push({ start: d.start, end: d.end, private: d.private, step: e.step });
      break;
    }
    case 'FolioAllocated': {
      const d = e.data;
      view.folios.set(d.folio, {
        gmem: d.gmem,
        base: d.base,
        order: d.order,
        refcount: 0,
        truncated: false,
        freed: false,
        pins: new Map(),
        mapcount: new Map(),
        ...(d.hugePage === undefined ? {} : { hugePage: d.hugePage }),
        ...(d.hugeOrigin === undefined ? {} : { hugeOrigin: d.hugeOrigin })
      });
      break;
    }
    case 'FolioSplit': {
      // filemap_remove_folio_for_restructuring: the huge folio left the page cache.
      const f = view.folios.get(e.data.folio);
      if (f !== undefined) {
        f.truncated = true;
        f.restructured = 'split';
      }
      break;
    }
    case 'FolioMerged':
      for (const id of e.data.from) {
        const f = view.folios.get(id);
        if (f === undefined) continue;
        f.truncated = true;
        f.restructured = 'merged';
      }
      break;
    case 'FolioRef': {
      const f = view.folios.get(e.data.folio);
      if (f !== undefined) f.refcount = e.data.refcount;
      break;
    }
    case 'FolioTruncated': {
      const f = view.folios.get(e.data.folio);
      if (f !== undefined) f.truncated = true;
      break;
    }
    case 'FolioFreed': {
      const f = view.folios.get(e.data.folio);
      if (f !== undefined) f.freed = true;
      break;
    }
    case 'HostPteInstalled': {
      const d = e.data;
      const key = pteKey(d.gmem, d.index);
      const list = view.ptes.get(key) ?? [];
      list.push({ mm: d.mm, page: d.page, folio: d.folio, subpage: d.subpage, step: e.step });
      view.ptes.set(key, list);
      const f = view.folios.get(d.folio);
      if (f !== undefined) f.mapcount.set(d.subpage, (f.mapcount.get(d.subpage) ?? 0) + 1);
      break;
    }
    case 'HostPteZapped': {
      const d = e.data;
      const key = pteKey(d.gmem, d.index);
      const list = (view.ptes.get(key) ?? []).filter((p) => !(p.mm === d.mm && p.page === d.page));
      if (list.length === 0) view.ptes.delete(key);
      else view.ptes.set(key, list);
      const f = view.folios.get(d.folio);
      if (f !== undefined) {
        const c = (f.mapcount.get(d.subpage) ?? 0) - 1;
        if (c <= 0) f.mapcount.delete(d.subpage);
        else f.mapcount.set(d.subpage, c);
      }
      break;
    }
    case 'GupPinned': {
      const d = e.data;
      view.folios.get(d.folio)?.pins.set(d.pin, { subpage: d.subpage, kind: d.kind, longterm: d.longterm, step: e.step });
      break;
    }
    case 'GupUnpinned':
      view.folios.get(e.data.folio)?.pins.delete(e.data.pin);
      break;
    default:
      evolveKvmView(view.kvm, e);
      break;
  }
}
