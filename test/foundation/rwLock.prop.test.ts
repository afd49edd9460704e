import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { acquire, FREE_LOCK, isIdle, release, type RwLock } from '../../src/model/rwLock.js';

describe('rwLock (rw_semaphore with FIFO waiters)', () => {
  it('should not let a new reader pass a queued writer', () => {
    let l: RwLock = acquire(FREE_LOCK, 'r1', 'R').lock;
    l = acquire(l, 'w', 'W').lock;
    const r2 = acquire(l, 'r2', 'R');
    expect(r2.granted).toBe(false);
    const rel = release(r2.lock, 'r1', 'R');
    expect(rel.granted).toEqual([{ holder: 'w', mode: 'W' }]);
    const rel2 = release(rel.lock, 'w', 'W');
    expect(rel2.granted).toEqual([{ holder: 'r2', mode: 'R' }]);
  });

  test.prop([fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.constantFrom<'R' | 'W'>('R', 'W')), { maxLength: 30 })])(
    'should never grant a writer together with anyone, and drain to idle',
    (claims) => {
      let l: RwLock = FREE_LOCK;
      const holding = new Map<string, 'R' | 'W'>();
      const waiting = new Set<string>();
      const check = (): void => {
        if (l.writer !== null) expect(l.readers).toEqual([]);
      };
      for (const [who, mode] of claims) {
        if (holding.has(who) || waiting.has(who)) continue;
        const r = acquire(l, who, mode);
        l = r.lock;
        if (r.granted) holding.set(who, mode);
        else waiting.add(who);
        check();
      }
      for (let guard = 0; holding.size > 0 && guard < 100; guard++) {
        const [who, mode] = [...holding.entries()][0]!;
        const r = release(l, who, mode);
        l = r.lock;
        holding.delete(who);
        for (const g of r.granted) {
          waiting.delete(g.holder);
          holding.set(g.holder, g.mode);
        }
        check();
      }
      expect(waiting.size).toBe(0);
      expect(isIdle(l)).toBe(true);
    }
  );
});
