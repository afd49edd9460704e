/**
 * KVM_X86_SW_PROTECTED_VM: a guest access carries no private bit; KVM
 * synthesizes it from the gfn's current attribute at each EPT violation
 * (`kvm_mem_is_private()` in `kvm_mmu_page_fault`, spec §1.9). The window
 * between that read and the fault's own attribute check is a scheduling point.
 */
import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../src/events/logEntry.js';
import { ScenarioError } from '../../src/scenarios/load.js';
import { modeProblem, scenarioSchema } from '../../src/scenarios/schema.js';
import { runSchedule } from '../../src/run/runner.js';
import { facts, record, returns } from '../helpers/run.js';

const PAGE = 4096;
const G = 0x100000;

describe('SW_PROTECTED private-bit synthesis (O10, §1.9)', () => {
  it('takes the private bit from the attribute at the fault: private after the VMM set it, shared otherwise', () => {
    const run = record(
      scenarioSchema.parse({
        name: 'synth-seq',
        mode: 'upstream-6.8',
        gmem: { pages: 2, initShared: false },
        threads: [{ ops: [{ op: 'setMemoryAttributes', address: (G + 1) * PAGE, size: PAGE, attributes: 0, expect: '0' }] }],
        vcpus: [
          {
            ops: [
              { op: 'guestAccess', index: 1, write: true, value: 9, expect: '0' },
              { op: 'mapGpaRange', index: 0, to: 'private', expect: '0' },
              { op: 'guestAccess', index: 0, write: true, value: 5, expect: '0' },
              { op: 'guestAccess', index: 0, expect: '0', expectValue: 5 }
            ]
          }
        ]
      }),
      1
    );
    expect(run.result.violations).toEqual([]);
    const started = facts(run, 'VcpuFaultStarted').map((e) => [e.data['gfn'], e.data['private'], e.data['synthesized']]);
    expect(started).toEqual([
      [G + 1, false, true],
      [G, true, true]
    ]);
    // The second access to page 0 hit the private SPTE the first one installed (no new fault).
    expect(facts(run, 'SptInstalled').map((e) => e.data['private'])).toEqual([false, true]);
  });

  it('exits with KVM_EXIT_MEMORY_FAULT when the attribute changes between the synthesis and the fault check, and maps otherwise', () => {
    const outcomes = new Set<string>();
    let raced = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const run = record('sw-protected-synthesized-access', seed);
      expect(run.result.violations, `seed ${seed}`).toEqual([]);
      const rcs = returns(run, 'vcpu0').map((e) => String(e.data['rc']));
      for (const rc of rcs) outcomes.add(rc);
      for (const exit of facts(run, 'MemoryFaultExit')) {
        // The exit carries the synthesized bit of the fault that ended in it, and the attribute had changed by
        // then: the last store before the exit set the other value.
        const fault = [...run.entries].reverse().find((e: LogEntry) => e.seq < exit.seq && e.kind === 'fact' && e.type === 'VcpuFaultStarted');
        expect(fault?.data['synthesized'], `seed ${seed}`).toBe(true);
        expect(exit.data['private'], `seed ${seed}`).toBe(fault?.data['private']);
        const last = facts(run, 'VmAttrStored')
          .filter((st) => st.seq < exit.seq)
          .at(-1);
        expect(last?.data['private'] === true, `seed ${seed}`).toBe(exit.data['private'] !== true);
        raced++;
      }
    }
    expect(outcomes).toEqual(new Set(['0', '-EFAULT']));
    expect(raced).toBeGreaterThan(0);
  });

  it('refuses an access without a private bit where KVM does not synthesize it (TDX VM, in-place mode): exit 2 naming the op', () => {
    const tdx = scenarioSchema.parse({
      name: 'tdx-nobit',
      mode: 'upstream-6.8',
      gmem: { pages: 2, initShared: false },
      vm: { type: 'TDX' },
      threads: [{ ops: [{ op: 'fstat' }] }],
      vcpus: [{ ops: [{ op: 'guestAccess', index: 0 }] }]
    });
    expect(modeProblem(tdx)).toMatch(/vcpus\[0\]\.ops\[0\] is a guestAccess without `private`.*vm\.type TDX/);
    expect(() => runSchedule({ scenario: tdx, seed: 1 })).toThrow(ScenarioError);
    const inplace = scenarioSchema.parse({
      name: 'v8-nobit',
      mode: 'rfc-inplace-v8',
      gmem: { pages: 2 },
      threads: [{ ops: [{ op: 'fstat' }] }],
      vcpus: [{ ops: [{ op: 'guestAccess', index: 0 }] }]
    });
    expect(modeProblem(inplace)).toMatch(/mode rfc-inplace-v8/);
  });
});
