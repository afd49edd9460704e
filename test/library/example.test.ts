import { describe, expect, it } from 'vitest';
import { assertNoViolation, findScenario, GmemsimViolationError, workloadArbitrary } from '../../src/index.js';

describe('gmemsim as a library', () => {
  it('should find no violation in the correct protocol, for random workloads', () => {
    assertNoViolation({ arbitrary: workloadArbitrary({ pagesMax: 2, threadsMax: 2, opsMax: 3 }), schedules: 20, numRuns: 10, seed: 42 });
  });

  it('should report a reintroduced bug with seed, log and replay command', () => {
    const scenario = findScenario('convert-vs-fault')!;
    expect(() => assertNoViolation({ scenario, variant: 'B10', schedules: 200, seed: 42 })).toThrow(GmemsimViolationError);
    expect(() => assertNoViolation({ scenario, variant: 'B10', schedules: 200, seed: 42 })).toThrow(/gmemsim replay /);
  });
});
