/**
 * mode rfc-1g-v1: with the correct protocol, a few hundred seeded schedules of each
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
  ['v1-faultability-roundtrip', 100],
  ['v1-convert-vs-fault', 300],
  ['v1-vmsplice-munmap-convert', 200],
  ['v1-hugepage-split', 100],
  ['b13-range-store-clobber', 200],
  ['b13-inverted-clobber', 300],
  ['v1-guest-private-vs-to-shared', 300],
  ['v1-guest-shared-vs-host-fault', 300],
  ['v1-hugepage-split-vs-guest', 200]
];

describe('mode rfc-1g-v1, correct protocol', () => {
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
