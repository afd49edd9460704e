/**
 * The CI-sized soak: with the correct protocol, every built-in scenario of every
 * implemented mode holds every invariant over many seeded random schedules.
 * (`npm run soak` runs 100,000 schedules per mode and records them.)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/explore.js';
import { IMPLEMENTED_MODES } from '../../src/model/modes.js';
import { BUILTIN_SCENARIOS } from '../../src/scenarios/builtins.js';

const outDir = mkdtempSync(join(tmpdir(), 'gmemsim-soak-'));
const SCHEDULES = Number(process.env['GMEMSIM_SOAK_SCHEDULES'] ?? 150);
const seed = Number(process.env['GMEMSIM_TEST_SEED'] ?? 7);

describe(`correct protocol soak (${SCHEDULES} schedules per scenario, seed ${seed})`, () => {
  for (const s of BUILTIN_SCENARIOS.filter((x) => IMPLEMENTED_MODES.includes(x.mode))) {
    it(`${s.name} [${s.mode}] holds every invariant`, () => {
      const r = explore({ scenario: s, variant: null, seed, schedules: SCHEDULES, outDir });
      expect(r.found === null ? null : `${r.found.violation.invariant}: ${r.found.violation.message} (log ${r.found.log})`).toBeNull();
      expect(r.schedules).toBe(SCHEDULES);
    });
  }
});
