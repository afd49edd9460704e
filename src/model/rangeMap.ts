/**
 * An exact range store over `[0, size)`: the shape of the guest_memfd attribute
 * maple tree (spec §1.1). Every index has a value at all times, adjacent equal
 * ranges are always merged, and a store never changes indices outside the
 * requested range (the property B13's clobbering `xa_store_range` broke).
 *
 * Values are immutable: every update returns a new map.
 */

/** One maximal run of equal values. */
export interface Run<V> {
  readonly start: number;
  readonly end: number;
  readonly value: V;
}

/** An immutable, always-merged range map. */
export class RangeMap<V> {
  private constructor(readonly runs: readonly Run<V>[]) {}

  /** A map of `size` indices, all `value`. */
  static filled<V>(size: number, value: V): RangeMap<V> {
    if (!(size > 0)) throw new Error('RangeMap needs a positive size');
    return new RangeMap([{ start: 0, end: size, value }]);
  }

  /** Number of indices covered. */
  get size(): number {
    return (this.runs[this.runs.length - 1] as Run<V>).end;
  }

  /** Value at `index`. */
  get(index: number): V {
    return this.runAt(index).value;
  }

  /** The run containing `index`. */
  runAt(index: number): Run<V> {
    let lo = 0;
    let hi = this.runs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.runs[mid] as Run<V>;
      if (index < r.start) hi = mid - 1;
      else if (index >= r.end) lo = mid + 1;
      else return r;
    }
    throw new Error(`RangeMap: index ${index} outside [0, ${this.size})`);
  }

  /** True if every index in `[start, end)` has `value`. */
  uniform(start: number, end: number, value: V): boolean {
    const r = this.runAt(start);
    return r.value === value && r.end >= end;
  }

  /** The first index in `[start, end)` whose value is `value`, or -1. */
  find(start: number, end: number, value: V): number {
    let i = start;
    while (i < end) {
      const r = this.runAt(i);
      if (r.value === value) return i;
      i = r.end;
    }
    return -1;
  }

  /** Runs overlapping `[start, end)`, clipped to it. */
  slice(start: number, end: number): Run<V>[] {
    const out: Run<V>[] = [];
    let i = start;
    while (i < end) {
      const r = this.runAt(i);
      out.push({ start: i, end: Math.min(r.end, end), value: r.value });
      i = r.end;
    }
    return out;
  }

  /** A new map with `[start, end)` set to `value`, neighbours merged. */
  store(start: number, end: number, value: V): RangeMap<V> {
    if (!(start >= 0 && end <= this.size && start < end)) {
      throw new Error(`RangeMap.store: bad range [${start}, ${end}) of ${this.size}`);
    }
    const out: Run<V>[] = [];
    const push = (r: Run<V>): void => {
      if (r.start >= r.end) return;
      const last = out[out.length - 1];
      if (last !== undefined && last.value === r.value && last.end === r.start) {
        out[out.length - 1] = { start: last.start, end: r.end, value: r.value };
      } else out.push(r);
    };
    let placed = false;
    for (const r of this.runs) {
      if (r.end <= start || r.start >= end) {
        if (!placed && r.start >= end) {
          push({ start, end, value });
          placed = true;
        }
        push(r);
        continue;
      }
      push({ start: r.start, end: start, value: r.value });
      if (!placed) {
        push({ start, end, value });
        placed = true;
      }
      push({ start: end, end: r.end, value: r.value });
    }
    if (!placed) push({ start, end, value });
    return new RangeMap(out);
  }
}
