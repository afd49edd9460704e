/**
 * The bug catalogue as variants: for every registered variant, exploration of
 * its exposing scenario with a fixed seed finds the invariant it is expected to
 * break; the counterexample replays to the same invariant and `check` on its log
 * reports it too. With the correct protocol the same scenario stays clean.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/explore.js';
import { IMPLEMENTED_MODES } from '../../src/model/modes.js';
import { VARIANTS } from '../../src/variants/index.js';
import { checkLog } from '../../src/replay/check.js';
import { replayLog } from '../../src/replay/replay.js';
import { findScenario } from '../../src/scenarios/builtins.js';

const outDir = mkdtempSync(join(tmpdir(), 'gmemsim-variants-'));
const SEED = 20261122;
const SCHEDULES_MAX = 3000;

describe(`bug catalogue (seed ${SEED})`, () => {
  for (const v of VARIANTS) {
    it(`${v.id} (${v.name}) breaks ${v.breaks} in ${v.scenario}`, () => {
      const scenario = findScenario(v.scenario);
      expect(scenario, `scenario ${v.scenario}`).toBeDefined();
      if (scenario === undefined) return;
      expect(IMPLEMENTED_MODES).toContain(scenario.mode);
      expect(v.modes).toContain(scenario.mode);
      const r = explore({ scenario, variant: v.id, seed: SEED, schedules: SCHEDULES_MAX, outDir, force: true });
      const found = r.found?.violation.invariant;
      expect([v.breaks, ...(v.alsoBreaks ?? [])], `${v.id} after ${r.schedules} schedules`).toContain(found);
      const log = r.found!.log;
      const replay = replayLog(log);
      expect(replay.divergence).toBeNull();
      expect(replay.violations[0]?.invariant).toBe(found);
      expect(checkLog(log).violations[0]?.invariant).toBe(found);
    });
  }

  it('should keep every exposing scenario clean under the correct protocol', () => {
    for (const name of new Set(VARIANTS.map((v) => v.scenario))) {
      const scenario = findScenario(name);
      if (scenario === undefined) continue;
      const r = explore({ scenario, variant: null, seed: SEED, schedules: 200, outDir });
      expect(r.found?.violation.message ?? null, name).toBeNull();
    }
  });
});
