import { describe, expect, it } from 'vitest';
import { dpor } from '../../src/explore/dpor.js';
import { findScenario } from '../../src/scenarios/builtins.js';
import { scenarioSchema } from '../../src/scenarios/schema.js';

describe('DPOR (source sets + sleep sets)', () => {
  it('should complete on dpor-fault-vs-convert with the correct protocol and report its executions', () => {
    const r = dpor({ scenario: findScenario('dpor-fault-vs-convert')!, variant: null });
    expect(r.complete).toBe(true);
    expect(r.found).toBeNull();
    expect(r.executions).toBeGreaterThan(1);
    expect(r.pruned).toBeGreaterThan(0);
  });

  it('should find the B15 race (SPTE installed across an invalidation) on dpor-fault-vs-convert', () => {
    const r = dpor({ scenario: findScenario('dpor-fault-vs-convert')!, variant: 'B15' });
    expect(['INV-5', 'INV-6', 'INV-9', 'INV-16']).toContain(r.found?.violation.invariant);
  });

  it('should find B15 on the issue configuration (2 vCPUs fault one page, 1 VMM thread converts it twice) with preemption bound 2', () => {
    const r = dpor({ scenario: findScenario('dpor-2vcpu-convert-twice')!, variant: 'B15', preemptionBound: 2 });
    expect(['INV-5', 'INV-6', 'INV-9', 'INV-16']).toContain(r.found?.violation.invariant);
  });

  it('should explore fewer executions than plain DFS on the same configuration and reach the same verdict', () => {
    const munmap = { op: 'munmap', index: 0 };
    const scenario = scenarioSchema.parse({ name: 'three-munmaps', gmem: { pages: 1 }, threads: [{ ops: [munmap] }, { ops: [munmap] }, { ops: [munmap] }] });
    const d = dpor({ scenario, variant: null, mode: 'dpor' });
    const f = dpor({ scenario, variant: null, mode: 'dfs' });
    expect(d.complete).toBe(true);
    expect(f.complete).toBe(true);
    expect(d.found).toBeNull();
    expect(f.found).toBeNull();
    expect(d.executions).toBeLessThan(f.executions);
  });
});
