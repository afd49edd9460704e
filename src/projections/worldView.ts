/**
 * The world view: a fold of the facts into a mirror of the modelled state
 * (attributes, page cache, folio references, host PTEs, GUP pins). Invariant
 * checkers read it. It uses only facts, so it works on logs from any source.
 *
 * For speed the view is an owned accumulator: {@link evolveWorldView} updates
 * the view it is given and returns it. It is still a deterministic fold: the
 * same entries always give the same view.
 */
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
  readonly pins: Map<string, { subpage: number; kind: string; longterm: boolean; step: number }>;
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
    const c = list[i] as AttrChange;
    if (index >= c.start && index < c.end) return c;
  }
  return undefined;
}

function n(e: LogEntry, f: string): number {
  return e.data[f] as number;
}
function s(e: LogEntry, f: string): string {
  return e.data[f] as string;
}

/** Folds one entry into the view. Non-fact entries are ignored. */
export function evolveWorldView(view: WorldView, e: LogEntry): WorldView {
  if (e.kind !== 'fact') return view;
  view.facts++;
  switch (e.type) {
    case 'GmemCreated':
      view.attrs.set(s(e, 'gmem'), RangeMap.filled(n(e, 'pages'), false));
      view.attrChanges.set(s(e, 'gmem'), []);
      break;
    case 'AttrStored': {
      const g = s(e, 'gmem');
      const a = view.attrs.get(g);
      if (a === undefined) break;
      const priv = e.data['private'] === true;
      view.attrs.set(g, a.store(n(e, 'start'), n(e, 'end'), priv));
      view.attrChanges.get(g)?.push({ start: n(e, 'start'), end: n(e, 'end'), private: priv, step: e.step });
      break;
    }
    case 'FolioAllocated':
      view.folios.set(s(e, 'folio'), {
        gmem: s(e, 'gmem'),
        base: n(e, 'base'),
        order: n(e, 'order'),
        refcount: 0,
        truncated: false,
        freed: false,
        pins: new Map(),
        mapcount: new Map(),
        ...(typeof e.data['hugePage'] === 'string' ? { hugePage: e.data['hugePage'] } : {}),
        ...(typeof e.data['hugeOrigin'] === 'string' ? { hugeOrigin: e.data['hugeOrigin'] } : {})
      });
      break;
    case 'FolioSplit': {
      // filemap_remove_folio_for_restructuring: the huge folio left the page cache.
      const f = view.folios.get(s(e, 'folio'));
      if (f !== undefined) {
        f.truncated = true;
        f.restructured = 'split';
      }
      break;
    }
    case 'FolioMerged': {
      const from = e.data['from'];
      for (const id of Array.isArray(from) ? from : []) {
        const f = view.folios.get(String(id));
        if (f === undefined) continue;
        f.truncated = true;
        f.restructured = 'merged';
      }
      break;
    }
    case 'FolioRef': {
      const f = view.folios.get(s(e, 'folio'));
      if (f !== undefined) f.refcount = n(e, 'refcount');
      break;
    }
    case 'FolioTruncated': {
      const f = view.folios.get(s(e, 'folio'));
      if (f !== undefined) f.truncated = true;
      break;
    }
    case 'FolioFreed': {
      const f = view.folios.get(s(e, 'folio'));
      if (f !== undefined) f.freed = true;
      break;
    }
    case 'HostPteInstalled': {
      const key = pteKey(s(e, 'gmem'), n(e, 'index'));
      const list = view.ptes.get(key) ?? [];
      list.push({ mm: s(e, 'mm'), page: n(e, 'page'), folio: s(e, 'folio'), subpage: n(e, 'subpage'), step: e.step });
      view.ptes.set(key, list);
      const f = view.folios.get(s(e, 'folio'));
      if (f !== undefined) f.mapcount.set(n(e, 'subpage'), (f.mapcount.get(n(e, 'subpage')) ?? 0) + 1);
      break;
    }
    case 'HostPteZapped': {
      const key = pteKey(s(e, 'gmem'), n(e, 'index'));
      const list = (view.ptes.get(key) ?? []).filter((p) => !(p.mm === s(e, 'mm') && p.page === n(e, 'page')));
      if (list.length === 0) view.ptes.delete(key);
      else view.ptes.set(key, list);
      const f = view.folios.get(s(e, 'folio'));
      if (f !== undefined) {
        const c = (f.mapcount.get(n(e, 'subpage')) ?? 0) - 1;
        if (c <= 0) f.mapcount.delete(n(e, 'subpage'));
        else f.mapcount.set(n(e, 'subpage'), c);
      }
      break;
    }
    case 'GupPinned': {
      const f = view.folios.get(s(e, 'folio'));
      f?.pins.set(s(e, 'pin'), { subpage: n(e, 'subpage'), kind: s(e, 'kind'), longterm: e.data['longterm'] === true, step: e.step });
      break;
    }
    case 'GupUnpinned':
      view.folios.get(s(e, 'folio'))?.pins.delete(s(e, 'pin'));
      break;
    default:
      evolveKvmView(view.kvm, e);
      break;
  }
  return view;
}
