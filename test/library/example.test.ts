import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertNoViolation, findScenario, GmemsimViolationError, workloadArbitrary } from '../../src/index.js';

const outDir = join(tmpdir(), 'gmemsim-example');

describe('gmemsim as a library', () => {
  it('should find no violation in the correct protocol, for random workloads', () => {
    assertNoViolation({ arbitrary: workloadArbitrary({ pagesMax: 2, threadsMax: 2, opsMax: 3 }), schedules: 20, numRuns: 10, seed: 42, outDir });
  });

  it('should report a reintroduced bug with seed, log and replay command', () => {
    const scenario = findScenario('convert-vs-fault')!;
    expect(() => assertNoViolation({ scenario, variant: 'B10', schedules: 200, seed: 42, outDir })).toThrow(GmemsimViolationError);
    expect(() => assertNoViolation({ scenario, variant: 'B10', schedules: 200, seed: 42, outDir })).toThrow(/gmemsim replay /);
  });
});
