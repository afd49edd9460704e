import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NdjsonLogWriter } from '../../src/log/ndjsonWriter.js';
import { replayLog } from '../../src/replay/replay.js';
import { runSchedule } from '../../src/run/runner.js';
import { BUILTIN_SCENARIOS } from '../../src/scenarios/builtins.js';

const dir = mkdtempSync(join(tmpdir(), 'gmemsim-replay-'));

function writeRun(name: string, seed: number, variant: string | null = null): string {
  const scenario = BUILTIN_SCENARIOS.find((s) => s.name === name);
  if (scenario === undefined) throw new Error(name);
  const path = join(dir, `${name}-${variant ?? 'ok'}-${seed}.ndjson`);
  const w = NdjsonLogWriter.create(path, { force: true });
  runSchedule({ scenario, seed, variant, sink: w });
  w.close();
  return path;
}

describe('replay', () => {
  it('should replay every log written by run identically (every built-in scenario, 10 seeds each; 2 for the long ones)', () => {
    for (const s of BUILTIN_SCENARIOS) {
      const long = runSchedule({ scenario: s, seed: 0, check: false }).steps > 5000;
      for (let seed = 0; seed < (long ? 2 : 10); seed++) {
        const r = replayLog(writeRun(s.name, seed));
        expect(r.divergence, `${s.name} seed ${seed}`).toBeNull();
        expect(r.violations).toEqual([]);
        expect(r.entries).toBeGreaterThan(10);
      }
    }
  });

  it('should report a divergence naming the first altered entry', () => {
    const path = writeRun('shared-traffic', 3);
    const lines = readFileSync(path, 'utf8').split('\n');
    const target = lines.findIndex((l, i) => i > 40 && l.includes('"type":"OpReturned"'));
    expect(target).toBeGreaterThan(0);
    lines[target] = (lines[target] as string).replace(/"rc":"[^"]*"/, '"rc":"-EBUSY"');
    const altered = join(dir, 'altered.ndjson');
    writeFileSync(altered, lines.join('\n'));
    const r = replayLog(altered);
    expect(r.divergence?.line).toBe(target + 1);
    expect(r.divergence?.expected).toContain('"rc":"-EBUSY"');
    expect(r.divergence?.actual).not.toContain('"rc":"-EBUSY"');
  });

  it('should report a divergence when a recorded scheduling choice cannot be made', () => {
    const path = writeRun('convert-vs-fault', 4);
    const lines = readFileSync(path, 'utf8').split('\n');
    const target = lines.findIndex((l, i) => i > 20 && l.includes('"type":"Deliver"'));
    lines[target] = (lines[target] as string).replace(/"cause":\d+/, '"cause":1');
    const altered = join(dir, 'altered-choice.ndjson');
    writeFileSync(altered, lines.join('\n'));
    expect(replayLog(altered).divergence?.line).toBe(target + 1);
  });

  it('should replay a violation to the same invariant', () => {
    const r = replayLog(writeRun('pin-vs-convert', 1, 'NOCHECK'));
    expect(r.divergence).toBeNull();
    expect(r.violations.map((v) => v.invariant)).toEqual(['INV-2']);
  });
});
