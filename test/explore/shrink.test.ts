import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDeterminism } from '../../src/explore/nondeterminism.js';
import { planSchedule } from '../../src/explore/plan.js';
import { formatEntry } from '../../src/events/logEntry.js';
import { runSchedule } from '../../src/run/runner.js';
import { findScenario } from '../../src/scenarios/builtins.js';
import { gmemsim } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gmemsim-shrink-'));

describe('gmemsim shrink', () => {
  it('should shrink a saved violation log to a replayable log that violates the same invariant (exit 1), and exit 2 on bad input', () => {
    const log = join(dir, 'b11.ndjson');
    const run = gmemsim('run', '--scenario', 'vmsplice-munmap-convert', '--variant', 'B11', '--seed', '3', '--out', log, '--json');
    expect(run.code).toBe(1);
    const s = gmemsim('shrink', log, '--json');
    expect(s.code).toBe(1);
    const sum = s.last as { invariant: string; out: string; before: { ops: number; steps: number }; after: { ops: number; steps: number } };
    expect(sum.after.ops).toBeLessThan(sum.before.ops);
    const replay = gmemsim('replay', sum.out, '--json');
    expect(replay.code).toBe(1);
    expect((replay.last as { violations: { invariant: string }[] }).violations[0]?.invariant).toBe(sum.invariant);
    expect(gmemsim('shrink', join(dir, 'missing.ndjson')).code).toBe(2);
  });
});

describe('nondeterminism check', () => {
  it('should report the first entry where a replay differs from the recorded run', () => {
    const plan = planSchedule({ scenario: findScenario('pin-vs-convert')!, seed: 1, strategy: 'pct' }, 0, 32);
    const lines: string[] = [];
    runSchedule({
      scenario: plan.scenario,
      seed: plan.seed,
      variant: null,
      strategy: plan.strategy(),
      sink: { header: () => undefined, entry: (e) => void lines.push(formatEntry(e)) }
    });
    expect(checkDeterminism(plan, null, lines)).toBeNull();
    const altered = [...lines];
    altered[20] = (altered[20] as string).replace('"step":', '"step":1');
    expect(checkDeterminism(plan, null, altered)?.entry).toBe(21);
  });
});
