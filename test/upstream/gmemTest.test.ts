/**
 * Spec §6.1 (guest_memfd_test.c) as built-in scenarios, asserted step by step:
 * every op's return code, the sizes fstat reports, contents read back.
 */
import { describe, expect, it } from 'vitest';
import { findScenario } from '../../src/scenarios/builtins.js';
import { facts, record, returns } from '../helpers/run.js';

const PAGE = 4096;

/** (name, rc, value?) of every op of thread t0, in order. */
function outcomes(name: string, seed = 1): { name: string; rc: string; value: unknown }[] {
  const run = record(name, seed);
  expect(run.result.violations, name).toEqual([]);
  expect(run.result.reason).toBe('quiescent');
  return returns(run, 't0').map((e) => ({ name: e.data['name'] as string, rc: e.data['rc'] as string, value: e.data['value'] }));
}

describe('§6.1 step A: flag validation per VM type', () => {
  it('accepts exactly MMAP|INIT_SHARED on a DEFAULT VM, MMAP on SW_PROTECTED, nothing in 6.8', () => {
    for (const [name, valid] of [
      ['gmem-test-create-default', [0, 1]],
      ['gmem-test-create-protected', [0]],
      ['gmem-test-create-68', []]
    ] as const) {
      const out = outcomes(name).slice(0, 64);
      expect(
        out.map((o) => o.rc),
        name
      ).toEqual(Array.from({ length: 64 }, (_, bit) => ((valid as readonly number[]).includes(bit) ? '0' : '-EINVAL')));
    }
  });
});

describe('§6.1 B1/B2: multiple files and invalid sizes', () => {
  it('gives each file its own size and inode, and refuses sizes that are not page multiples', () => {
    const out = outcomes('gmem-test-create-default').slice(64);
    expect(out.map((o) => o.rc)).toEqual(['0', '0', '0', '0', '0', '0', '0', '-EINVAL', '-EINVAL', '-EINVAL', '-EINVAL']);
    expect(out[1]?.value).toBe(PAGE);
    expect(out[3]?.value).toBe(2 * PAGE);
    expect(out[4]?.value).toBe(PAGE);
    expect(out[5]?.value).not.toBe(out[6]?.value);
  });
});

describe('§6.1 step B per flag set', () => {
  const io = ['-EINVAL', '-EINVAL', '-EINVAL', '-EINVAL'];
  const b13 = ['0', '-EINVAL', '-EINVAL', '-EINVAL', '0', '0', '-EINVAL', '0', '0'];
  const b14 = Array.from({ length: 10 }, () => '-EINVAL');
  it('flags 0: read/write refused, mmap -ENODEV, file size, fallocate table, invalid punch holes', () => {
    const out = outcomes('gmem-test-flags-none');
    expect(out.map((o) => o.rc)).toEqual([...io, '-ENODEV', '-ENODEV', '-ENODEV', '0', '0', ...b13, ...b14, '0']);
    expect(out[7]?.value).toBe(4 * PAGE);
    expect(out[8]?.value).toBe(PAGE);
  });
  it('MMAP: mmap works, MAP_PRIVATE is refused, faults on a file without INIT_SHARED SIGBUS', () => {
    const out = outcomes('gmem-test-flags-mmap');
    expect(out.map((o) => o.rc)).toEqual([...io, '0', '0', '-EINVAL', 'SIGBUS', 'SIGBUS', '0', '0', ...b13, ...b14, '0']);
  });
  it('MMAP|INIT_SHARED: contents through the mapping, PUNCH_HOLE reads zero, fault overflow SIGBUS, MADV_COLLAPSE -EINVAL', () => {
    const out = outcomes('gmem-test-flags-mmap-shared');
    const rcs = out.map((o) => o.rc);
    expect(rcs.slice(0, 7)).toEqual([...io, '0', '0', '-EINVAL']);
    const b4 = out.slice(7, 7 + 8 + 1 + 4 + 2);
    expect(b4.map((o) => o.rc)).toEqual(Array.from({ length: 15 }, () => '0'));
    expect(b4.slice(4, 8).map((o) => o.value)).toEqual([0xaa, 0xaa, 0xaa, 0xaa]);
    expect(b4[9]?.value).toBe(0);
    expect(b4.slice(10, 13).map((o) => o.value)).toEqual([0xaa, 0xaa, 0xaa]);
    expect(b4[14]?.value).toBe(0xaa);
    const b5 = out.slice(22, 25);
    expect(b5.map((o) => o.rc)).toEqual(['SIGBUS', 'SIGBUS', '0']);
    expect(b5[2]?.value).toBe(0xaa);
    expect(out.slice(25, 29).map((o) => o.rc)).toEqual(['0', '-EINVAL', '0', '0']);
    expect(rcs.slice(29)).toEqual(['0', '0', ...b13, ...b14, '0']);
  });
});

describe('§6.1 step C: guest round trip through a GMEM_ONLY memslot', () => {
  it('host writes 0xaa, the guest reads 0xaa and writes 0xff, the host reads 0xff', () => {
    const run = record('gmem-test-guest', 1);
    expect(run.result.violations).toEqual([]);
    const out = returns(run, 't0').map((e) => [e.data['name'], e.data['rc'], e.data['value'] ?? null]);
    expect(out).toEqual([
      ['createMemslot', '0', null],
      ['mmap', '0', null],
      ['access', '0', 0xaa],
      ['munmap', '0', null],
      ['kvmRun', '0', 0xff],
      ['mmap', '0', null],
      ['access', '0', 0xff],
      ['close', '0', null]
    ]);
    const slot = facts(run, 'MemslotCreated').find((e) => e.data['id'] === 1);
    expect(slot?.data['flags']).toBe('GUEST_MEMFD,GMEM_ONLY');
    // The guest's shared SPTE maps the guest_memfd folio, not a userspace page.
    expect(facts(run, 'SptInstalled').map((e) => e.data['pfn'])).toEqual(['gmem0/f1']);
    expect(findScenario('gmem-test-guest')?.mode).toBe('upstream-6.18');
  });
});
