import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/explore.js';
import { replayLog } from '../../src/replay/replay.js';
import { checkLog } from '../../src/replay/check.js';
import { findScenario } from '../../src/scenarios/builtins.js';
import { runSchedule } from '../../src/run/runner.js';

const outDir = mkdtempSync(join(tmpdir(), 'gmemsim-explore-'));

describe('explore (seed 42)', () => {
  const cases: [variant: string, scenario: string, invariant: string][] = [
    ['NOCHECK', 'pin-vs-convert', 'INV-2'],
    ['B10', 'convert-vs-fault', 'INV-4'],
    ['B11', 'vmsplice-munmap-convert', 'INV-2']
  ];
  for (const [variant, scenario, invariant] of cases) {
    it(`should find the ${invariant} violation of variant ${variant} in ${scenario}, and its log should replay and check to it`, () => {
      const r = explore({ scenario: findScenario(scenario)!, variant, seed: 42, schedules: 2000, outDir, force: true });
      expect(r.found?.violation.invariant).toBe(invariant);
      const log = r.found!.log;
      const replay = replayLog(log);
      expect(replay.divergence).toBeNull();
      expect(replay.violations[0]?.invariant).toBe(invariant);
      expect(checkLog(log).violations[0]?.invariant).toBe(invariant);
    });
  }

  it('should let B10 (lock-free attribute read in the host fault) map a private page: INV-1 or INV-2 with INV-4 ignored', () => {
    const scenario = findScenario('convert-vs-fault')!;
    const seen = new Set<string>();
    for (let seed = 0; seed < 400; seed++) {
      const r = runSchedule({ scenario, seed, variant: 'B10', ignore: ['INV-4'] });
      for (const v of r.violations) seen.add(v.invariant);
    }
    expect(seen).toContain('INV-1');
    expect([...seen].every((id) => id === 'INV-1' || id === 'INV-2')).toBe(true);
  });

  it('should find nothing with the correct protocol', () => {
    for (const name of ['convert-vs-fault', 'pin-vs-convert', 'shared-traffic']) {
      const r = explore({ scenario: findScenario(name)!, variant: null, seed: 42, schedules: 300, outDir });
      expect(r.found, name).toBeNull();
      expect(r.schedules).toBe(300);
    }
  });
});
