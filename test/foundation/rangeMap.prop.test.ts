import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { RangeMap } from '../../src/model/rangeMap.js';

const SIZE = 64;
const storeArb = fc.record({ start: fc.nat({ max: SIZE - 1 }), len: fc.integer({ min: 1, max: SIZE }), value: fc.constantFrom(0, 1, 2) });

describe('RangeMap (exact range store, spec §1.1)', () => {
  test.prop([fc.array(storeArb, { maxLength: 40 })])('should agree with a per-index array and never touch indices outside a store', (stores) => {
    let map = RangeMap.filled(SIZE, 0);
    const model = new Array<number>(SIZE).fill(0);
    for (const { start, len, value } of stores) {
      const end = Math.min(SIZE, start + len);
      const before = [...model];
      map = map.store(start, end, value);
      for (let i = start; i < end; i++) model[i] = value;
      for (let i = 0; i < SIZE; i++) {
        expect(map.get(i)).toBe(model[i]);
        if (i < start || i >= end) expect(model[i]).toBe(before[i]);
      }
      // always merged: no two adjacent runs carry the same value
      map.runs.forEach((r, k) => {
        if (k > 0) expect(map.runs[k - 1]?.value).not.toBe(r.value);
      });
      expect(map.runs[0]?.start).toBe(0);
      expect(map.size).toBe(SIZE);
    }
  });

  test.prop([fc.array(storeArb, { maxLength: 20 }), fc.nat({ max: SIZE - 1 }), fc.integer({ min: 1, max: SIZE })])(
    'should answer uniform() and find() like a scan',
    (stores, start, len) => {
      let map = RangeMap.filled(SIZE, 0);
      for (const s of stores) map = map.store(s.start, Math.min(SIZE, s.start + s.len), s.value);
      const end = Math.min(SIZE, start + len);
      const values = Array.from({ length: end - start }, (_, k) => map.get(start + k));
      for (const v of [0, 1, 2]) {
        expect(map.uniform(start, end, v)).toBe(values.every((x) => x === v));
        const k = values.indexOf(v);
        expect(map.find(start, end, v)).toBe(k < 0 ? -1 : start + k);
      }
    }
  );
});
