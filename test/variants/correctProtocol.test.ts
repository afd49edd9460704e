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
import { runSchedule } from '../../src/run/runner.js';

const outDir = mkdtempSync(join(tmpdir(), 'gmemsim-soak-'));
const SCHEDULES = Number(process.env['GMEMSIM_SOAK_SCHEDULES'] ?? 150);
const seed = Number(process.env['GMEMSIM_TEST_SEED'] ?? 7);
const STEPS_BUDGET = Number(process.env['GMEMSIM_SOAK_STEPS'] ?? 40_000);

describe(`correct protocol soak (up to ${SCHEDULES} schedules or ${STEPS_BUDGET} steps per scenario, seed ${seed})`, () => {
  for (const s of BUILTIN_SCENARIOS.filter((x) => IMPLEMENTED_MODES.includes(x.mode))) {
    it(`${s.name} [${s.mode}] holds every invariant`, () => {
      // Long scenarios (e.g. the 513-page pre-fault test) get fewer schedules: about STEPS_BUDGET steps each.
      const probe = runSchedule({ scenario: s, seed });
      expect(probe.violations.map((v) => v.message)).toEqual([]);
      const schedules = Math.max(3, Math.min(SCHEDULES, Math.ceil(STEPS_BUDGET / Math.max(1, probe.steps))));
      const r = explore({ scenario: s, variant: null, seed, schedules, outDir });
      expect(r.found === null ? null : `${r.found.violation.invariant}: ${r.found.violation.message} (log ${r.found.log})`).toBeNull();
      expect(r.schedules).toBe(schedules);
    });
  }
});
