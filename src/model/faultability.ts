/**
 * The RFC 1G-v1 guest_memfd faultability xarray (spec §1.1, S-SEED0 diff
 * `kvm_gmem_set_faultable` / `kvm_gmem_is_faultable`) as a pure value, with the
 * xarray store semantics that matter for B13:
 *
 * - a **per-index store** (`xa_store(xa, i, val)`, what v1 does) creates or
 *   erases the single-index entry at `i` and changes nothing else;
 * - a **range store** (`xa_store_range(xa, first, last, val)`, variant B13)
 *   creates one multi-index entry; any store that touches an index of an
 *   existing multi-index entry replaces that *whole* entry, so
 *   `store_range(5, 10, val)` then `store_range(7, 12, NULL)` leaves all of
 *   `[5, 12]` empty (the RFC's TODO comment).
 *
 * Encodings: `present-faultable` (v1: the value "FAULT" at `i` = the host may
 * fault `i`) and `present-unfaultable` (the flipped encoding the thread
 * mentions; with a clobbering range store it turns private indices faultable).
 *
 * Entries are kept in a {@link RangeMap} of entry tags: `''` = no entry, `'1'` =
 * single-index entries, `'#<n>'` = the multi-index entry number n (unique, so
 * neighbouring multi-index entries never merge).
 */
import { RangeMap } from './rangeMap.js';

/** Which presence means what. */
export type FaultEncoding = 'present-faultable' | 'present-unfaultable';

/** How a store is made: per index (v1) or as one range entry (B13). */
export type StoreHow = 'index' | 'range';

/** The faultability xarray of one inode. */
export interface Faultability {
  readonly encoding: FaultEncoding;
  readonly entries: RangeMap<string>;
  readonly nextEntry: number;
}

/** Result of a store: the new xarray and the span whose entries it touched (`>=` the requested range). */
export interface StoreResult {
  readonly next: Faultability;
  readonly start: number;
  readonly end: number;
}

/** A new xarray of `pages` indices, every index `faultable` (stored per index). */
export function initialFaultability(pages: number, faultable: boolean, encoding: FaultEncoding): Faultability {
  const present = encoding === 'present-faultable' ? faultable : !faultable;
  return { encoding, entries: RangeMap.filled(pages, present ? '1' : ''), nextEntry: 1 };
}

/** `kvm_gmem_is_faultable`. */
export function isFaultable(x: Faultability, index: number): boolean {
  const present = x.entries.get(index) !== '';
  return x.encoding === 'present-faultable' ? present : !present;
}

/**
 * Sets `[start, end)` to `faultable` (`kvm_gmem_set_faultable`), per index or
 * as one range entry. Either way a multi-index entry overlapping the range is
 * replaced whole (its indices outside the range lose their value).
 */
export function storeFaultable(x: Faultability, start: number, end: number, faultable: boolean, how: StoreHow): StoreResult {
  let s = start;
  let e = end;
  for (const run of x.entries.slice(start, end)) {
    if (!run.value.startsWith('#')) continue;
    // The whole multi-index entry: its run may extend beyond the requested range.
    const whole = x.entries.runAt(run.start);
    s = Math.min(s, whole.start);
    e = Math.max(e, whole.end);
  }
  let entries = s < start || e > end ? x.entries.store(s, e, '') : x.entries;
  const present = x.encoding === 'present-faultable' ? faultable : !faultable;
  let nextEntry = x.nextEntry;
  if (!present) entries = entries.store(start, end, '');
  else if (how === 'index') entries = entries.store(start, end, '1');
  else entries = entries.store(start, end, `#${nextEntry++}`);
  return { next: { encoding: x.encoding, entries, nextEntry }, start: s, end: e };
}

/** Maximal runs of equal faultability over `[start, end)` (parallel lists). */
export function faultableRuns(x: Faultability, start: number, end: number): { starts: number[]; ends: number[]; faultable: boolean[] } {
  const starts: number[] = [];
  const ends: number[] = [];
  const faultable: boolean[] = [];
  for (const run of x.entries.slice(start, end)) {
    const f = isFaultable(x, run.start);
    const last = faultable.length - 1;
    if (last >= 0 && faultable[last] === f && ends[last] === run.start) {
      ends[last] = run.end;
      continue;
    }
    starts.push(run.start);
    ends.push(run.end);
    faultable.push(f);
  }
  return { starts, ends, faultable };
}
