/**
 * The monitor hands a checker only the entry types its `on` list names; this
 * keeps each list honest: every entry type a checker's source compares against
 * must be in the `on` list of the checkers defined in that file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKERS } from '../../src/projections/monitor.js';

const dir = 'src/projections/checkers';

describe('checker dispatch lists', () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    it(`${file}: every compared entry type is in its on-list`, () => {
      const text = readFileSync(join(dir, file), 'utf8');
      const compared = new Set([...text.matchAll(/(?:case|type ===|type !==) '([A-Za-z]+)'/g)].map((m) => m[1] as string));
      const lists = [...text.matchAll(/\bon: \[([^\]]*)\]/g)].map((m) => new Set([...(m[1] as string).matchAll(/'([A-Za-z]+)'/g)].map((x) => x[1] as string)));
      expect(lists.length, 'each checker declares the entry types it inspects').toBeGreaterThan(0);
      for (const list of lists) for (const type of compared) expect(list.has(type), `${type} missing`).toBe(true);
    });
  }

  it('every registered checker declares an on-list', () => {
    expect(CHECKERS.filter((c) => c.on === undefined).map((c) => c.id)).toEqual([]);
  });
});
