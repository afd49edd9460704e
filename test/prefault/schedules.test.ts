/**
 * With the correct protocol, seeded random schedules of the pre-fault scenarios
 * hold every invariant (the small race scenarios a few hundred times; the
 * full-size §6.3 scenarios, ~1 s a schedule, a few times each).
 */
import { describe, expect, it } from 'vitest';
import { runSchedule } from '../../src/run/runner.js';
import { findScenario } from '../../src/scenarios/builtins.js';

const RUNS: readonly [string, number][] = [
  ['prefault-vs-memslot-delete', 300],
  ['prefault-root-alloc-failure', 100],
  ['prefault-vcpu-modes', 200],
  ['pre-fault-memory-test-default', 3]
];

describe('pre-fault scenarios under the correct protocol', () => {
  for (const [name, n] of RUNS) {
    it(`${name}: ${n} seeded schedules hold every invariant`, () => {
      const scenario = findScenario(name);
      expect(scenario).toBeDefined();
      for (let seed = 1; seed <= n; seed++) {
        const r = runSchedule({ scenario: scenario!, seed: seed * 7919 });
        expect(
          r.violations.map((v) => v.message),
          `${name} seed ${seed * 7919}`
        ).toEqual([]);
        expect(r.reason).toBe('quiescent');
      }
    }, 30_000);
  }
});
