/**
 * Modes rfc-1g-v1 and fd-2022: per-op outcomes of their built-in scenarios,
 * the mode-specific facts, seeded schedules under the correct protocol, B10/B11
 * in their v1 form, B13, and the exit-2 refusal of scenarios that do not apply.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/explore.js';
import { IMPLEMENTED_MODES } from '../../src/model/modes.js';
import { CHECKERS } from '../../src/projections/monitor.js';
import { runSchedule } from '../../src/run/runner.js';
import { findScenario } from '../../src/scenarios/builtins.js';
import { modeProblem, type Scenario, scenarioSchema } from '../../src/scenarios/schema.js';
import { facts, record, returns } from '../helpers/run.js';

const outDir = mkdtempSync(join(tmpdir(), 'gmemsim-modes-'));
const rcs = (name: string, thread = 't0', variant: string | null = null) => returns(record(name, 1, variant), thread).map((e) => e.data['rc']);
const sc = (name: string): Scenario => {
  const s = findScenario(name);
  if (s === undefined) throw new Error(name);
  return s;
};

describe('mode rfc-1g-v1', () => {
  it('should be implemented', () => {
    expect(IMPLEMENTED_MODES).toContain('rfc-1g-v1');
    expect(IMPLEMENTED_MODES).toContain('fd-2022');
  });

  it('should return what the spec lists for every op of v1-faultability-roundtrip', () => {
    const run = record('v1-faultability-roundtrip', 1);
    expect(run.result.violations).toEqual([]);
    expect(returns(run, 't0').map((e) => e.data['rc'])).toEqual([
      '-EINVAL',
      '-EINVAL',
      '-EINVAL',
      '-EINVAL', // flags, attribute bits, alignment, size 0
      '0',
      '-EINVAL',
      '0', // mapped page: the v1 mapping check fails, faultability restored
      '0',
      '0',
      '0',
      'SIGBUS',
      '0', // munmap, private, no-op, SIGBUS on the unfaultable page, neighbour fine
      '0',
      '0',
      '0',
      '0',
      '0' // shared again (contents kept), fallocate, PUNCH_HOLE, zeroes after refault
    ]);
    // The -EINVAL restored faultability: index 0 was stored unfaultable, then faultable again.
    const stores = facts(run, 'FaultabilityStored')
      .filter((e) => e.data['start'] === 0 && e.data['end'] === 1)
      .map((e) => e.data['faultable']);
    expect(stores.slice(0, 2)).toEqual([false, true]);
    expect(facts(run, 'AttrStored')).toEqual([]);
    expect(facts(run, 'VmAttrStored').map((e) => e.data['private'])).toEqual([true, false]);
  });

  it('should restore faultability when xa_reserve fails (-ENOMEM) after the guest_memfd check cleared it', () => {
    const run = record(
      scenarioSchema.parse({
        name: 'v1-enomem',
        mode: 'rfc-1g-v1',
        gmem: { pages: 2 },
        threads: [
          {
            ops: [
              { op: 'access', index: 0, write: true, value: 3, expect: '0' },
              { op: 'munmap', index: 0, expect: '0' },
              { op: 'injectAttrReserveFailure', expect: '0' },
              { op: 'setMemoryAttributes', address: 0x100000 * 4096, size: 4096, attributes: 8, expect: '-ENOMEM' },
              { op: 'access', index: 0, expect: '0', expectValue: 3 }
            ]
          }
        ]
      }),
      1
    );
    expect(run.result.violations).toEqual([]);
    expect(returns(run, 't0').map((e) => e.data['rc'])).toEqual(['0', '0', '0', '-ENOMEM', '0']);
    const stores = facts(run, 'FaultabilityStored')
      .filter((e) => e.data['start'] === 0 && e.data['end'] === 1)
      .map((e) => e.data['faultable']);
    expect(stores).toEqual([false, true]);
    expect(facts(run, 'VmAttrStored')).toEqual([]);
  });

  it('should fail -EINVAL on a FOLL_GET reference and succeed after unpin', () => {
    expect(rcs('v1-vmsplice-munmap-convert')).toEqual(['0', '0', '0', '-EINVAL', '0', '0']);
  });

  it('should split a huge folio before making a page faultable and never merge on conversion', () => {
    const run = record('v1-hugepage-split', 3);
    expect(run.result.violations).toEqual([]);
    const splits = facts(run, 'FolioSplit').filter((e) => e.data['base'] === 0);
    expect(splits.map((e) => e.data['reason'])).toEqual(['convert']);
    expect(facts(run, 'FolioMerged').map((e) => e.data['reason'])).not.toContain('convert');
    expect(facts(run, 'FolioFreedToPool').length).toBeGreaterThanOrEqual(1);
    expect(returns(run, 't0').map((e) => e.data['rc'])).toEqual(['0', '0', '0', '0', 'SIGBUS', '0', '0', '0', '0']);
  });

  it('should expose B13 (spurious SIGBUS) and B13-INV (a private page host-faultable) and not the correct protocol', () => {
    expect(rcs('b13-range-store-clobber')).toEqual(['0', '0', '0', '0', '0', 'SIGBUS']);
    const b13 = runSchedule({ scenario: sc('b13-range-store-clobber'), seed: 1, variant: 'B13', stopOnViolation: false });
    expect(b13.violations.map((v) => v.invariant)).toEqual(expect.arrayContaining(['STORE-EXACT', 'EXPECT']));
    expect(b13.violations[0]?.invariant).toBe('STORE-EXACT');
    const inv = runSchedule({ scenario: sc('b13-inverted-clobber'), seed: 1, variant: 'B13-INV', stopOnViolation: false });
    expect(inv.violations.map((v) => v.invariant)).toEqual(expect.arrayContaining(['INV-3', 'INV-1', 'EXPECT']));
    expect(inv.violations[0]?.invariant).toBe('INV-3');
    expect(rcs('b13-inverted-clobber')).toEqual(['0', '0', 'SIGBUS']);
  });

  it('should find B10 (INV-4 first; INV-1 with INV-4 ignored) and B11 (INV-2) in their v1 form', () => {
    const b10 = explore({ scenario: sc('v1-convert-vs-fault'), variant: 'B10', seed: 20261122, schedules: 3000, outDir, force: true });
    expect(b10.found?.violation.invariant).toBe('INV-4');
    const mapped = new Set<string>();
    for (let seed = 0; seed < 600 && !mapped.has('INV-1'); seed++) {
      for (const v of runSchedule({ scenario: sc('v1-convert-vs-fault'), seed, variant: 'B10', ignore: ['INV-4'] }).violations) mapped.add(v.invariant);
    }
    expect(mapped).toContain('INV-1');
    const b11 = explore({ scenario: sc('v1-vmsplice-munmap-convert'), variant: 'B11', seed: 20261122, schedules: 3000, outDir, force: true });
    expect(b11.found?.violation.invariant).toBe('INV-2');
  });
});

describe('mode fd-2022', () => {
  it('should map private on fallocate, unmap on PUNCH_HOLE and exit KVM_EXIT_MEMORY_ERROR on a mismatch', () => {
    const run = record('fd2022-fallocate-punch', 1);
    expect(run.result.violations).toEqual([]);
    expect(returns(run, 't0').map((e) => e.data['rc'])).toEqual([
      'KVM_EXIT_MEMORY_ERROR', // private access to an unallocated gfn
      '-EINVAL',
      '-EINVAL',
      '-EINVAL',
      '0', // fallocate: unaligned, empty, beyond the file; mode 0
      '0',
      'KVM_EXIT_MEMORY_ERROR',
      '0',
      '0',
      '0', // private r/w; shared access to a private page; shared page from userspace_addr
      '0',
      'KVM_EXIT_MEMORY_ERROR',
      '0', // PUNCH_HOLE: private access exits, shared reads the userspace page
      '0',
      '0' // fallocate again: a new zeroed private page
    ]);
    // The attribute is derived from allocation: private at allocation, shared when punched.
    const attrs = facts(run, 'AttrStored').map((e) => [e.data['start'], e.data['end'], e.data['private']]);
    expect(attrs).toEqual([
      [0, 4, false],
      [0, 1, true],
      [1, 2, true],
      [0, 1, false],
      [0, 1, true]
    ]);
    expect(facts(run, 'MemoryFaultExit').map((e) => e.data['private'])).toEqual([true, false, true]);
  });

  it('should not apply INV-19 (allocation is the private state) but apply INV-1/5/6/9/15', () => {
    const modesOf = (id: string) => CHECKERS.filter((c) => c.id === id).flatMap((c) => c.modes);
    expect(modesOf('INV-19')).not.toContain('fd-2022');
    for (const id of ['INV-1', 'INV-5', 'INV-6', 'INV-9', 'INV-15']) expect(modesOf(id)).toContain('*');
  });
});

describe('scenarios that do not apply', () => {
  it('should refuse in-place conversion and KVM_PRE_FAULT_MEMORY in v1, and host mmap access in fd-2022', () => {
    expect(modeProblem({ ...sc('convert-vs-fault'), mode: 'rfc-1g-v1' })).toContain('op convert');
    // vCPUs run in v1 (through the upstream KVM fault); only the upstream vCPU ioctls are refused.
    expect(modeProblem({ ...sc('fd2022-fault-vs-fallocate-punch'), mode: 'rfc-1g-v1' })).toBeNull();
    expect(modeProblem(sc('v1-guest-private-vs-to-shared'))).toBeNull();
    expect(modeProblem({ ...sc('prefault-vcpu-modes'), mode: 'rfc-1g-v1' })).toContain('vCPU op preFault');
    expect(modeProblem({ ...sc('shared-traffic'), mode: 'fd-2022' })).toMatch(/mode fd-2022 does not have/);
    expect(modeProblem({ ...sc('v1-hugepage-split'), mode: 'fd-2022' })).toMatch(/op setMemoryAttributes|4K/);
    expect(modeProblem(sc('v1-faultability-roundtrip'))).toBeNull();
    expect(modeProblem(sc('fd2022-fallocate-punch'))).toBeNull();
  });
});
