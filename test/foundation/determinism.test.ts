import { describe, expect, it } from 'vitest';
import { BUILTIN_SCENARIOS, DEFAULT_SCENARIO } from '../../src/scenarios/builtins.js';
import { record } from '../helpers/run.js';

describe('determinism', () => {
  it('should give a byte-identical log for the same seed and scenario (100 seeds)', () => {
    for (let seed = 0; seed < 100; seed++) {
      const a = record(DEFAULT_SCENARIO, seed);
      const b = record(DEFAULT_SCENARIO, seed);
      expect(b.lines.join('\n'), `seed ${seed}`).toBe(a.lines.join('\n'));
    }
  });

  it('should give different interleavings for different seeds', () => {
    const orders = new Set<string>();
    for (let seed = 0; seed < 100; seed++) {
      const run = record(DEFAULT_SCENARIO, seed);
      orders.add(
        run.entries
          .filter((e) => e.kind === 'sched' && e.type === 'Deliver')
          .map((e) => e.cause)
          .join(',')
      );
    }
    expect(orders.size).toBeGreaterThanOrEqual(95);
  });

  it('should be deterministic for every built-in scenario', () => {
    for (const s of BUILTIN_SCENARIOS) {
      expect(record(s, 7).lines, s.name).toEqual(record(s, 7).lines);
    }
  });
});
