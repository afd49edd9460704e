import { describe, expect, it } from 'vitest';
import { runSchedule } from '../../src/run/runner.js';
import { BUILTIN_SCENARIOS } from '../../src/scenarios/builtins.js';

const SEEDS = Number(process.env['GMEMSIM_HUGE_SEEDS'] ?? 250);

describe('rfc-1g-v2 built-in scenarios under seeded random schedules (correct protocol)', () => {
  for (const scenario of BUILTIN_SCENARIOS.filter((s) => s.mode === 'rfc-1g-v2')) {
    it(`should hold every invariant in ${SEEDS} schedules of ${scenario.name}`, () => {
      for (let seed = 1; seed <= SEEDS; seed++) {
        const r = runSchedule({ scenario, seed });
        if (r.violations.length > 0 || r.reason !== 'quiescent') {
          expect({ seed, reason: r.reason, violations: r.violations }).toEqual({ seed, reason: 'quiescent', violations: [] });
        }
      }
    });
  }
});
