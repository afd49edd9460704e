/**
 * mode fd-2022: with the correct protocol, a few hundred seeded schedules of each
 * built-in scenario hold every invariant that applies to the mode.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/explore.js';
import { findScenario } from '../../src/scenarios/builtins.js';

const outDir = mkdtempSync(join(tmpdir(), 'gmemsim-modes-'));
const RUNS: readonly (readonly [string, number])[] = [
  ['fd2022-fallocate-punch', 200],
  ['fd2022-fault-vs-fallocate-punch', 400]
];

describe('mode fd-2022, correct protocol', () => {
  for (const [name, schedules] of RUNS) {
    it(`should hold every invariant on ${schedules} schedules of ${name}`, () => {
      const scenario = findScenario(name);
      expect(scenario).toBeDefined();
      if (scenario === undefined) return;
      const r = explore({ scenario, variant: null, seed: 424242, schedules, outDir });
      expect(r.schedules).toBe(schedules);
      expect(r.found?.violation.message ?? null).toBeNull();
    });
  }
});
