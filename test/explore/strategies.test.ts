import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/explore.js';
import { planSchedule } from '../../src/explore/plan.js';
import { swarmScenario } from '../../src/explore/swarm.js';
import { VARIANTS } from '../../src/variants/index.js';
import { replayLog } from '../../src/replay/replay.js';
import { runSchedule } from '../../src/run/runner.js';
import { RandomStrategy } from '../../src/runtime/scheduler.js';
import { findScenario } from '../../src/scenarios/builtins.js';

const outDir = mkdtempSync(join(tmpdir(), 'gmemsim-strategies-'));
const SEED = 7;

describe(`strategies over the variant registry (seed ${SEED})`, () => {
  for (const v of VARIANTS) {
    for (const strategy of ['pct', 'portfolio'] as const) {
      it(`should find variant ${v.id} with ${strategy}, shrink it, and the shrunk log should replay to the same invariant`, () => {
        const scenario = findScenario(v.scenario);
        expect(scenario, v.scenario).toBeDefined();
        const r = explore({
          scenario: scenario!,
          variant: v.id,
          seed: SEED,
          schedules: 600,
          outDir,
          force: true,
          strategy,
          shrink: { maxRuns: 120 }
        });
        expect(r.found, `${v.id} ${strategy}`).not.toBeNull();
        const f = r.found!;
        expect(replayLog(f.log).violations[0]?.invariant).toBe(f.violation.invariant);
        expect(f.shrunk).not.toBeNull();
        const s = f.shrunk!;
        expect(s.invariant).toBe(f.violation.invariant);
        const replay = replayLog(s.log);
        expect(replay.divergence).toBeNull();
        expect(replay.violations[0]?.invariant).toBe(f.violation.invariant);
        expect(s.after.ops).toBeLessThanOrEqual(s.before.ops);
      });
    }
  }
});

describe('determinism from the seed', () => {
  it('should give the same exploration twice for the same seed, for every sampled strategy', () => {
    for (const strategy of ['random', 'pct', 'pos', 'portfolio'] as const) {
      const run = () => explore({ scenario: findScenario('shared-traffic')!, variant: null, seed: 3, schedules: 40, outDir, strategy });
      const a = run();
      const b = run();
      expect(b, strategy).toEqual(a);
      expect(a.coverage.transitionsCovered).toBeGreaterThan(0);
      expect(a.coverage.transitionsCovered).toBeLessThanOrEqual(a.coverage.transitionsDefined);
      expect(a.coverage.distinctStates).toBeGreaterThan(0);
    }
  });

  it('should plan random schedule i as `run --seed S --schedule i` runs it', () => {
    const scenario = findScenario('convert-vs-fault')!;
    for (const i of [0, 5, 33]) {
      const plan = planSchedule({ scenario, seed: 11, strategy: 'random' }, i, 32);
      const a = runSchedule({ scenario: plan.scenario, seed: plan.seed, variant: 'B10', strategy: plan.strategy() });
      const b = runSchedule({ scenario, seed: plan.seed, variant: 'B10', strategy: new RandomStrategy(plan.seed) });
      expect(a.steps).toBe(b.steps);
      expect(a.violations).toEqual(b.violations);
    }
  });

  it('should randomise swarm configurations within bounds, deterministically', () => {
    const base = findScenario('shared-traffic')!;
    const a = swarmScenario(base, 5);
    expect(swarmScenario(base, 5)).toEqual(a);
    const sizes = new Set<number>();
    for (let s = 0; s < 30; s++) {
      const sc = swarmScenario(base, s);
      expect(sc.threads.length).toBeGreaterThanOrEqual(1);
      expect(sc.threads.length).toBeLessThanOrEqual(base.threads.length);
      sizes.add(sc.threads.reduce((n, t) => n + t.ops.length, 0));
    }
    expect(sizes.size).toBeGreaterThan(1);
  });

  it('should check determinism of every 4th schedule without finding a difference', () => {
    const r = explore({ scenario: findScenario('pin-vs-convert')!, variant: null, seed: 2, schedules: 32, outDir, checkDeterminism: 4 });
    expect(r.determinismChecks).toBe(8);
    expect(r.found).toBeNull();
  });
});
