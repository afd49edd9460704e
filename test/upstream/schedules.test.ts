/**
 * Upstream scenarios under many seeded schedules with the correct protocol:
 * every invariant holds in both upstream modes (the 10,000-schedule soak is
 * `node bin/gmemsim.js explore --mode upstream-6.8 --scenario X --schedules 10000`).
 * And each variant B2, B3, B5, B7 is found by a fixed-seed search.
 */
import { describe, expect, it } from 'vitest';
import { runSchedule } from '../../src/run/runner.js';
import { findScenario } from '../../src/scenarios/builtins.js';
import type { Scenario } from '../../src/scenarios/schema.js';

const RACES = ['upstream-attr-vs-fault', 'upstream-lpage-head', 'upstream-lpage-levels', 'upstream-release-vs-delete', 'upstream-munmap-vs-fault'];

function scenario(name: string, mode?: Scenario['mode']): Scenario {
  const s = findScenario(name);
  if (s === undefined) throw new Error(name);
  return mode === undefined ? s : { ...s, mode };
}

/** The first violation (or non-quiescent end) in `n` seeds from `seed0`. */
function firstProblem(s: Scenario, n: number, variant: string | null = null, seed0 = 1): string | null {
  for (let seed = seed0; seed < seed0 + n; seed++) {
    const r = runSchedule({ scenario: s, seed, variant });
    if (r.violations.length > 0) return `seed ${seed}: ${r.violations[0]?.invariant} ${r.violations[0]?.message}`;
    if (r.reason !== 'quiescent') return `seed ${seed}: ${r.reason}`;
  }
  return null;
}

describe('upstream scenarios hold every invariant', () => {
  for (const mode of ['upstream-6.8', 'upstream-6.18'] as const) {
    for (const name of RACES) {
      it(`${name} in ${mode}: 250 schedules`, () => {
        expect(firstProblem(scenario(name, mode), 250)).toBeNull();
      });
    }
  }
  it('the §6.1 scenarios hold under 40 schedules each', () => {
    for (const name of ['gmem-test-create-default', 'gmem-test-flags-mmap-shared', 'gmem-test-flags-mmap', 'gmem-test-flags-none', 'gmem-test-guest']) {
      expect(firstProblem(scenario(name), 40), name).toBeNull();
    }
  });
});

describe('variants B2, B3, B5, B7 are found with a fixed seed', () => {
  const cases = [
    ['B2', 'upstream-attr-vs-fault', 'INV-7'],
    ['B3', 'upstream-attr-vs-fault', 'INV-21'],
    ['B5', 'upstream-lpage-head', 'INV-8'],
    ['B7', 'upstream-release-vs-delete', 'INV-10']
  ] as const;
  for (const [variant, name, inv] of cases) {
    it(`${variant} breaks ${inv} in ${name}`, () => {
      const p = firstProblem(scenario(name), 200, variant, 1000);
      expect(p).toMatch(new RegExp(`^seed \\d+: ${inv} `));
    });
  }
});

describe('hugepage levels (O11)', () => {
  it('maps a 2M shared leaf over a uniform contained hugepage and 4K inside the mixed one', () => {
    const entries: { type: string; data: Record<string, unknown> }[] = [];
    runSchedule({ scenario: scenario('upstream-lpage-levels'), seed: 3, sink: { header: () => undefined, entry: (e) => void entries.push(e) } });
    const levels = entries.filter((e) => e.type === 'SptInstalled').map((e) => [e.data['gfn'], e.data['level']]);
    expect(levels).toContainEqual([0x100000 + 512, 2]);
    // gfn 0x100001 shares its 2M page with the private gfn 0x100000: only a 4K leaf (or a 2M one installed before the change, zapped then).
    const mixed = entries.filter((e) => e.type === 'LpageMixedUpdated');
    expect(mixed.map((e) => [e.data['level'], e.data['base'], e.data['mixed']])).toContainEqual([2, 0x100000, true]);
  });
});
