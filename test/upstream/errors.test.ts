/**
 * Error cases of the upstream operations as the spec lists them: O6
 * KVM_SET_MEMORY_ATTRIBUTES validation and no-op, O2 memslot create/delete
 * checks, O1 creation, mode applicability (exit 2 on the CLI).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runSchedule } from '../../src/run/runner.js';
import { IMPLEMENTED_MODES } from '../../src/model/modes.js';
import { MODE_DEFAULT_SCENARIO } from '../../src/scenarios/builtins.js';
import { ScenarioError } from '../../src/scenarios/load.js';
import { type ScenarioInput, scenarioSchema } from '../../src/scenarios/schema.js';
import { facts, record, returns } from '../helpers/run.js';

const PAGE = 4096;
const G = 0x100000;

function rcs(input: Omit<ScenarioInput, 'name'>): string[] {
  const run = record(scenarioSchema.parse({ name: 'errors', ...input }), 1);
  expect(run.result.violations).toEqual([]);
  return returns(run, 't0').map((e) => e.data['rc'] as string);
}

describe('KVM_SET_MEMORY_ATTRIBUTES (O6)', () => {
  const base = { mode: 'upstream-6.8' as const, gmem: { pages: 4, initShared: false } };
  it('refuses flags, unsupported attributes, size 0, overflow and unaligned ranges with -EINVAL', () => {
    const ops = [
      { op: 'setMemoryAttributes', address: G * PAGE, size: PAGE, attributes: 8, flags: 1 },
      { op: 'setMemoryAttributes', address: G * PAGE, size: PAGE, attributes: 2 },
      { op: 'setMemoryAttributes', address: G * PAGE, size: 0, attributes: 8 },
      { op: 'setMemoryAttributes', address: 2 ** 52 - PAGE, size: 2 * PAGE, attributes: 8 },
      { op: 'setMemoryAttributes', address: G * PAGE + 1, size: PAGE, attributes: 8 },
      { op: 'setMemoryAttributes', address: G * PAGE, size: PAGE + 1, attributes: 8 },
      { op: 'setMemoryAttributes', address: G * PAGE, size: PAGE, attributes: 8 }
    ] as const;
    expect(rcs({ ...base, threads: [{ ops: [...ops] }] })).toEqual(['-EINVAL', '-EINVAL', '-EINVAL', '-EINVAL', '-EINVAL', '-EINVAL', '0']);
  });
  it('refuses PRIVATE on a VM without private memory (DEFAULT)', () => {
    expect(
      rcs({ ...base, vm: { type: 'DEFAULT' }, threads: [{ ops: [{ op: 'setMemoryAttributes', address: G * PAGE, size: PAGE, attributes: 8 }] }] })
    ).toEqual(['-EINVAL']);
  });
  it('does nothing for a no-op request: no invalidation, no seq bump, no store', () => {
    const run = record(
      scenarioSchema.parse({
        name: 'noop',
        ...base,
        threads: [{ ops: [{ op: 'setMemoryAttributes', address: G * PAGE, size: 2 * PAGE, attributes: 0, expect: '0' }] }]
      }),
      1
    );
    expect(facts(run, 'VmAttrNoop')).toHaveLength(1);
    expect(facts(run, 'InvalidateBegin')).toHaveLength(0);
    expect(facts(run, 'VmAttrStored')).toHaveLength(0);
  });
  it('begins, adds the clipped range per slot, zaps, stores, ends and updates lpage info in that order; no slot: no invalidation', () => {
    const run = record(
      scenarioSchema.parse({
        name: 'order',
        ...base,
        threads: [{ ops: [{ op: 'setMemoryAttributes', address: (G - 2) * PAGE, size: 4 * PAGE, attributes: 8 }] }]
      }),
      1
    );
    const seq = run.entries
      .filter((e) => e.kind === 'fact' && ['VmAttrReserved', 'InvalidateBegin', 'RangeAdded', 'VmAttrStored', 'InvalidateEnd'].includes(e.type))
      .map((e) => e.type);
    expect(seq).toEqual(['VmAttrReserved', 'InvalidateBegin', 'RangeAdded', 'VmAttrStored', 'InvalidateEnd']);
    expect(facts(run, 'RangeAdded')[0]?.data).toEqual({ start: G, end: G + 2 });
    const none = record(
      scenarioSchema.parse({
        name: 'noslot',
        ...base,
        threads: [{ ops: [{ op: 'setMemoryAttributes', address: 0, size: PAGE, attributes: 8, expect: '0' }] }]
      }),
      1
    );
    expect(facts(none, 'InvalidateBegin')).toHaveLength(0);
    expect(facts(none, 'VmAttrStored')).toHaveLength(1);
  });
});

describe('KVM_SET_MEMORY_ATTRIBUTES: xa_reserve failure (O6 step 3)', () => {
  it('returns -ENOMEM before any change when xa_reserve fails, and succeeds once the injection is used up', () => {
    const run = record(
      scenarioSchema.parse({
        name: 'enomem',
        mode: 'upstream-6.8',
        gmem: { pages: 4, initShared: false },
        threads: [
          {
            ops: [
              { op: 'injectAttrReserveFailure', count: 1, expect: '0' },
              { op: 'setMemoryAttributes', address: G * PAGE, size: 2 * PAGE, attributes: 8, expect: '-ENOMEM' },
              { op: 'setMemoryAttributes', address: G * PAGE, size: 2 * PAGE, attributes: 8, expect: '0' }
            ]
          }
        ]
      }),
      1
    );
    expect(run.result.violations).toEqual([]);
    expect(returns(run, 't0').map((e) => e.data['rc'])).toEqual(['0', '-ENOMEM', '0']);
    const reserved = facts(run, 'VmAttrReserved');
    expect(reserved.map((e) => e.data['failed'] === true)).toEqual([true, false]);
    // Nothing happened between the failed reserve and the second call's reserve: no invalidation, no store.
    const between = run.entries.filter((e) => e.kind === 'fact' && e.seq > (reserved[0]?.seq ?? 0) && e.seq < (reserved[1]?.seq ?? 0));
    expect(between.map((e) => e.type).filter((t) => ['InvalidateBegin', 'RangeAdded', 'SpteZapped', 'VmAttrStored', 'InvalidateEnd'].includes(t))).toEqual([]);
    expect(facts(run, 'VmAttrStored')).toHaveLength(1);
    // The slots_lock was released on the error path: the second call ran.
    expect(facts(run, 'InvalidateBegin')).toHaveLength(1);
  });
});

describe('memslots (O2)', () => {
  const base = { mode: 'upstream-6.8' as const, gmem: { pages: 4, initShared: false, bound: false } };
  it('checks flags, fd, alignment, range and overlaps', () => {
    const slot = (over: Record<string, unknown>) => ({ op: 'createMemslot', slot: 1, gpa: G * PAGE, size: 2 * PAGE, flags: ['GUEST_MEMFD'], ...over });
    const out = rcs({
      ...base,
      threads: [
        {
          ops: [
            slot({ flags: ['GUEST_MEMFD', 'READONLY'] }),
            slot({ flags: ['GUEST_MEMFD', 'LOG_DIRTY_PAGES'] }),
            slot({ fd: 'nope' }),
            slot({ offset: 1 }),
            slot({ offset: 3 * PAGE }),
            slot({ size: 0 }),
            slot({ gpa: G * PAGE + 1 }),
            slot({}),
            slot({}),
            slot({ slot: 2, gpa: (G + 1) * PAGE }),
            slot({ slot: 2, gpa: (G + 8) * PAGE, offset: PAGE }),
            slot({ slot: 3, gpa: (G + 16) * PAGE, flags: [], userspaceAddr: 0x1000 * PAGE }),
            { op: 'deleteMemslot', slot: 7 },
            { op: 'deleteMemslot', slot: 1 },
            { op: 'deleteMemslot', slot: 1 }
          ] as never
        }
      ]
    });
    expect(out).toEqual([
      '-EINVAL',
      '-EINVAL',
      '-EBADF',
      '-EINVAL',
      '-EINVAL',
      '-EINVAL',
      '-EINVAL',
      '0',
      '-EEXIST',
      '-EEXIST',
      '-EINVAL',
      '0',
      '-EINVAL',
      '0',
      '-EINVAL'
    ]);
  });
  it('deletes through INVALID, synchronize_srcu, flush, remove, unbind, free', () => {
    const run = record(
      scenarioSchema.parse({
        name: 'del',
        mode: 'upstream-6.8',
        gmem: { pages: 2, initShared: false },
        threads: [{ ops: [{ op: 'deleteMemslot', slot: 0, expect: '0' }] }]
      }),
      1
    );
    const order = run.entries
      .filter(
        (e) =>
          e.kind === 'fact' && ['MemslotInvalidated', 'SrcuSyncDone', 'MemslotDeleted', 'GmemUnbound', 'MemslotGmemCleared', 'MemslotFreed'].includes(e.type)
      )
      .map((e) => e.type);
    expect(order).toEqual(['MemslotInvalidated', 'SrcuSyncDone', 'MemslotDeleted', 'SrcuSyncDone', 'GmemUnbound', 'MemslotGmemCleared', 'MemslotFreed']);
    expect(facts(run, 'MemslotGmemCleared')[0]?.data['freed']).toBe(false);
  });
  it('releases a closed guest_memfd on a kernel worker, clearing the binding before the memslot is gone', () => {
    const run = record(
      scenarioSchema.parse({
        name: 'rel',
        mode: 'upstream-6.8',
        gmem: { pages: 2, initShared: false },
        threads: [
          {
            ops: [
              { op: 'close', expect: '0' },
              { op: 'close', expect: '-EBADF' }
            ]
          }
        ]
      }),
      1
    );
    expect(run.result.violations).toEqual([]);
    expect(facts(run, 'GmemReleased')).toHaveLength(1);
    expect(facts(run, 'GmemReleaseDone')[0]?.actor).toBe('kworker-gmem0');
    expect(facts(run, 'MemslotGmemCleared')[0]?.data).toMatchObject({ by: 'kworker-gmem0', freed: false });
  });
});

describe('modes', () => {
  it('refuses in-place conversion in the upstream modes with a scenario error', () => {
    const s = scenarioSchema.parse({
      name: 'conv',
      mode: 'upstream-6.8',
      gmem: { pages: 1, initShared: false },
      threads: [{ ops: [{ op: 'convert', offset: 0, size: PAGE, to: 'private' }] }]
    });
    expect(() => runSchedule({ scenario: s, seed: 1 })).toThrow(ScenarioError);
    const flags = scenarioSchema.parse({ name: 'flags', mode: 'upstream-6.8', gmem: { pages: 1 }, threads: [{ ops: [{ op: 'fstat' }] }] });
    expect(() => runSchedule({ scenario: flags, seed: 1 })).toThrow(/INIT_SHARED/);
    const rfc = scenarioSchema.parse({
      name: 'rfc',
      gmem: { pages: 1 },
      threads: [{ ops: [{ op: 'setMemoryAttributes', address: 0, size: PAGE, attributes: 8 }] }]
    });
    expect(() => runSchedule({ scenario: rfc, seed: 1 })).toThrow(/only in the upstream modes/);
  });
  it('gmemsim run --mode upstream-6.x --scenario shared-traffic exits 2 saying why; upstream scenarios run', () => {
    for (const mode of ['upstream-6.8', 'upstream-6.18']) {
      const r = spawnSync('node', ['bin/gmemsim.js', 'run', '--mode', mode, '--scenario', 'shared-traffic'], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr + r.stdout).toMatch(/convert .*setMemoryAttributes/);
      const ok = spawnSync('node', ['bin/gmemsim.js', 'run', '--mode', mode, '--scenario', 'upstream-attr-vs-fault'], { encoding: 'utf8' });
      expect(ok.status, ok.stderr).toBe(0);
    }
  });
  it("gmemsim run --mode M without a scenario runs the mode's default scenario in every mode and exits 0", () => {
    for (const mode of IMPLEMENTED_MODES) {
      const r = spawnSync('node', ['bin/gmemsim.js', 'run', '--mode', mode, '--json'], { encoding: 'utf8' });
      expect(r.status, `${mode}: ${r.stderr}`).toBe(0);
      const summary = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
      expect(summary['mode']).toBe(mode);
      expect(summary['scenario']).toBe(MODE_DEFAULT_SCENARIO[mode]);
      expect(summary['violations']).toEqual([]);
    }
  });
});
