import { describe, expect, it } from 'vitest';
import type { Payload } from '../../src/events/logEntry.js';
import { findVariant } from '../../src/variants/index.js';
import { IMPLEMENTED_MODES } from '../../src/model/modes.js';
import { type ScenarioInput, scenarioSchema } from '../../src/scenarios/schema.js';
import { BUILTIN_SCENARIOS } from '../../src/scenarios/builtins.js';
import { handHeader, LogBuilder } from '../helpers/logBuilder.js';
import { facts, record, returns } from '../helpers/run.js';

const PAGE = 4096;
const HUGE = handHeader('rfc-1g-v2');

function sc(input: Omit<ScenarioInput, 'mode'>) {
  return scenarioSchema.parse({ mode: 'rfc-1g-v2', ...input });
}

function twoHuge(ops: ScenarioInput['threads'][number]['ops'], initShared = false) {
  return sc({ name: 'two-huge', gmem: { pages: 1024, folioSize: '2M', initShared }, threads: [{ ops }] });
}

describe('mode rfc-1g-v2', () => {
  it('should be implemented and have its built-in scenarios', () => {
    expect(IMPLEMENTED_MODES).toContain('rfc-1g-v2');
    const names = BUILTIN_SCENARIOS.filter((s) => s.mode === 'rfc-1g-v2').map((s) => s.name);
    expect(names).toEqual([
      'hugepage-private-fault-2m',
      'hugepage-subpage-pin-convert',
      'hugepage-2m-split-merge',
      'hugepage-1g-split-merge',
      'hugepage-punch-pinned',
      'hugepage-punch-refallocate',
      'hugepage-many-threads',
      'hugepage-arch-prepare-convert'
    ]);
  });
});

describe('KVM_GMEM_CONVERT_SHARED / _PRIVATE (O7b)', () => {
  it('should reject unaligned, empty and out-of-range conversions with -EINVAL', () => {
    const r = record(
      twoHuge([
        { op: 'convert', offset: 1, size: PAGE, to: 'shared' },
        { op: 'convert', offset: 0, size: 0, to: 'shared' },
        { op: 'convert', offset: 0, size: 100, to: 'shared' },
        { op: 'convert', offset: 1020 * PAGE, size: 8 * PAGE, to: 'shared' }
      ]),
      1
    );
    expect(returns(r, 't0').map((e) => e.data['rc'])).toEqual(['-EINVAL', '-EINVAL', '-EINVAL', '-EINVAL']);
    expect(facts(r, 'LockAcquired')).toEqual([]);
  });

  it('should return 0 without invalidating when the range already has the target shareability', () => {
    const r = record(twoHuge([{ op: 'convert', offset: 0, size: PAGE, to: 'private', expect: '0' }]), 1);
    expect(returns(r, 't0').map((e) => e.data['rc'])).toEqual(['0']);
    expect(facts(r, 'InvalidateBegin')).toEqual([]);
    expect(facts(r, 'AttrStored')).toHaveLength(1);
  });

  it('should begin the invalidation over hugepage-rounded bounds and store only the work list', () => {
    const r = record(
      twoHuge([
        { op: 'fallocate', offset: 0, size: 1024 * PAGE },
        { op: 'convert', offset: 600 * PAGE, size: 2 * PAGE, to: 'shared' }
      ]),
      1
    );
    expect(r.result.violations).toEqual([]);
    expect(facts(r, 'RangeAdded').map((e) => [e.data['start'], e.data['end']])).toEqual([[0x100000 + 512, 0x100000 + 1024]]);
    expect(
      facts(r, 'AttrStored')
        .slice(1)
        .map((e) => [e.data['start'], e.data['end'], e.data['private']])
    ).toEqual([[600, 602, false]]);
    expect(facts(r, 'FolioSplit').map((e) => e.data['base'])).toEqual([512]);
  });

  it('should fail to-private with -EAGAIN and the first offending offset while a subpage is pinned, changing nothing', () => {
    const r = record(
      twoHuge([
        { op: 'fallocate', offset: 0, size: 1024 * PAGE },
        { op: 'convert', offset: 4 * PAGE, size: 4 * PAGE, to: 'shared', expect: '0' },
        { op: 'pin', index: 6, pin: 'p', kind: 'get', expect: '0' },
        { op: 'convert', offset: 0, size: 512 * PAGE, to: 'private', expect: '-EAGAIN', expectErrorOffset: 6 * PAGE },
        { op: 'unpin', pin: 'p', expect: '0' },
        { op: 'convert', offset: 0, size: 512 * PAGE, to: 'private', expect: '0' }
      ]),
      4
    );
    expect(r.result.violations).toEqual([]);
    const stores = facts(r, 'AttrStored')
      .slice(1)
      .map((e) => e.data['private']);
    expect(stores).toEqual([false, true]);
    expect(facts(r, 'FolioMerged')).toHaveLength(1);
  });

  it('should leave a hugepage split while any of its indices stays shared', () => {
    const r = record(
      twoHuge([
        { op: 'fallocate', offset: 0, size: 1024 * PAGE },
        { op: 'convert', offset: 0, size: 2 * PAGE, to: 'shared', expect: '0' },
        { op: 'convert', offset: 0, size: PAGE, to: 'private', expect: '0' }
      ]),
      2
    );
    expect(r.result.violations).toEqual([]);
    expect(facts(r, 'FolioSplit')).toHaveLength(1);
    expect(facts(r, 'FolioMerged')).toEqual([]);
  });

  it('should give SIGBUS on a host fault of a private (SHAREABILITY_GUEST) index', () => {
    const r = record(twoHuge([{ op: 'access', index: 3, expect: 'SIGBUS' }]), 1);
    expect(returns(r, 't0').map((e) => e.data['rc'])).toEqual(['SIGBUS']);
    expect(facts(r, 'HostPteInstalled')).toEqual([]);
  });

  it('should host-map only 4K folios: an INIT_SHARED file splits each hugepage at allocation', () => {
    const r = record(twoHuge([{ op: 'access', index: 513, write: true, value: 1, expect: '0' }], true), 1);
    expect(r.result.violations).toEqual([]);
    expect(facts(r, 'FolioSplit').map((e) => [e.data['base'], e.data['reason']])).toEqual([[512, 'alloc']]);
    const pte = facts(r, 'HostPteInstalled')[0];
    const folio = facts(r, 'FolioAllocated').find((e) => e.data['folio'] === pte?.data['folio']);
    expect(folio?.data).toMatchObject({ order: 0, base: 513 });
  });
});

describe('variant B17 (deferred pool return)', () => {
  it('should be registered for rfc-1g-v2 with the scenario that exposes it', () => {
    expect(findVariant('B17')).toMatchObject({ modes: ['rfc-1g-v2'], breaks: 'INV-11', scenario: 'hugepage-punch-refallocate' });
  });

  it('should break INV-11 in some schedules and never with the correct protocol', () => {
    let found = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const v = record('hugepage-punch-refallocate', seed, 'B17').result.violations;
      if (v.some((x) => x.invariant === 'INV-11' && x.message.includes('not back in the subpool'))) found++;
      expect(record('hugepage-punch-refallocate', seed).result.violations).toEqual([]);
    }
    expect(found).toBeGreaterThan(0);
  });
});

/** Hand-built logs for the new checkers. */
function hugeLog(): LogBuilder {
  return new LogBuilder()
    .fact('gmem0', 'GmemCreated', { gmem: 'gmem0', pages: 1024, flags: '', folioOrder: 9 })
    .fact('gmem0', 'AttrStored', { gmem: 'gmem0', start: 0, end: 1024, private: true })
    .fact('gmem0', 'SubpoolReserved', { gmem: 'gmem0', order: 9, reserved: 2, globalFree: 0 })
    .next()
    .fact('gmem0', 'HugePageAllocated', { gmem: 'gmem0', page: 'hp1', folio: 'F', inUse: 1, free: 1, reserved: 2 })
    .fact('F', 'FolioAllocated', { folio: 'F', gmem: 'gmem0', base: 0, order: 9, hugePage: 'hp1' })
    .fact('F', 'FolioRef', { folio: 'F', delta: 512, refcount: 512, why: 'filemap' });
}

function sub(b: LogBuilder, id: string, index: number): LogBuilder {
  return b
    .fact(id, 'FolioAllocated', { folio: id, gmem: 'gmem0', base: index, order: 0, hugeOrigin: 'hp1' })
    .fact(id, 'FolioRef', { folio: id, delta: 1, refcount: 1, why: 'filemap' });
}

const ids = (b: LogBuilder) => b.check(HUGE).map((v) => v.invariant);
const split: Payload = { folio: 'F', gmem: 'gmem0', base: 0, order: 9, hugePage: 'hp1', reason: 'convert' };
const merged = (from: string[], reason = 'convert'): Payload => ({ folio: 'M', gmem: 'gmem0', base: 0, order: 9, hugePage: 'hp1', from, reason });

describe('INV-11 checker', () => {
  const freeAndReturn = (b: LogBuilder, thread = 't0'): LogBuilder =>
    b
      .next()
      .fact('F', 'FolioTruncated', { folio: 'F', gmem: 'gmem0', base: 0 })
      .fact('F', 'FolioRef', { folio: 'F', delta: -512, refcount: 0, why: 'filemap' })
      .fact('F', 'FolioFreed', { folio: 'F', by: thread })
      .next()
      .fact('gmem0', 'FolioFreedToPool', { gmem: 'gmem0', page: 'hp1', folio: 'F', inUse: 0, free: 2, reserved: 2 });

  it('should hold when a merged huge page with refcount 0 returns to the subpool before PUNCH_HOLE returns', () => {
    const b = freeAndReturn(hugeLog()).next().fact('t0', 'OpReturned', { thread: 't0', op: 0, name: 'punchHole', rc: '0', errorOffset: null });
    expect(b.check(HUGE)).toEqual([]);
  });

  it('should fire when PUNCH_HOLE returns before the page it freed is back (B17)', () => {
    const b = hugeLog()
      .next()
      .fact('F', 'FolioRef', { folio: 'F', delta: -512, refcount: 0, why: 'filemap' })
      .fact('F', 'FolioFreed', { folio: 'F', by: 't0' })
      .next()
      .fact('t0', 'OpReturned', { thread: 't0', op: 0, name: 'punchHole', rc: '0', errorOffset: null });
    expect(ids(b)).toEqual(['INV-11']);
  });

  it('should fire when the counters do not add up or a 4K folio of a huge page is freed on its own', () => {
    const bad = hugeLog().next().fact('gmem0', 'HugePageAllocated', { gmem: 'gmem0', page: 'hp2', folio: 'G', inUse: 2, free: 1, reserved: 2 });
    expect(ids(bad)).toContain('INV-11');
    const b = sub(hugeLog().next().fact('gmem0', 'FolioSplit', split), 's1', 1)
      .next()
      .fact('s1', 'FolioRef', { folio: 's1', delta: -1, refcount: 0, why: 'truncate' })
      .fact('s1', 'FolioFreed', { folio: 's1' });
    expect(b.check(HUGE).map((v) => v.message)).toEqual([expect.stringContaining('freed on its own')]);
  });

  it('should fire when a page returns while still split or referenced', () => {
    const b = hugeLog()
      .next()
      .fact('gmem0', 'FolioSplit', split)
      .next()
      .fact('gmem0', 'FolioFreedToPool', { gmem: 'gmem0', page: 'hp1', folio: 'F', inUse: 0, free: 2, reserved: 2 });
    expect(b.check(HUGE).map((v) => v.invariant)).toEqual(['INV-11', 'INV-11']);
  });
});

describe('INV-12 checker', () => {
  it('should fire when a host PTE maps a huge folio', () => {
    const b = hugeLog().next().fact('mm', 'HostPteInstalled', { mm: 'mm', page: 3, gmem: 'gmem0', index: 3, folio: 'F', subpage: 3 });
    expect(ids(b)).toContain('INV-12');
  });

  it('should fire when the invalidate lock is released with a shared index in an unsplit hugepage', () => {
    const b = hugeLog()
      .next()
      .fact('gmem0', 'AttrStored', { gmem: 'gmem0', start: 5, end: 6, private: false })
      .next()
      .fact('gmem0', 'LockReleased', { lock: 'invalidate', mode: 'W', holder: 't0' });
    expect(ids(b)).toEqual(['INV-12']);
  });

  it('should hold when the hugepage is split before the lock is released and only 4K folios are mapped', () => {
    const b = sub(hugeLog().next().fact('gmem0', 'AttrStored', { gmem: 'gmem0', start: 5, end: 6, private: false }).fact('gmem0', 'FolioSplit', split), 's5', 5)
      .next()
      .fact('gmem0', 'LockReleased', { lock: 'invalidate', mode: 'W', holder: 't0' })
      .next()
      .fact('mm', 'HostPteInstalled', { mm: 'mm', page: 5, gmem: 'gmem0', index: 5, folio: 's5', subpage: 0 });
    expect(b.check(HUGE)).toEqual([]);
  });
});

describe('INV-13 checker', () => {
  it('should fire on a split while the folio holds an extra reference', () => {
    const b = hugeLog().next().fact('F', 'FolioRef', { folio: 'F', delta: 1, refcount: 513, why: 'kvm-pfn' }).next().fact('gmem0', 'FolioSplit', split);
    expect(ids(b)).toEqual(['INV-13']);
  });

  it('should fire on a merge with a pinned 4K folio, or while an index is shared', () => {
    const pinned = sub(hugeLog().next().fact('gmem0', 'FolioSplit', split), 's1', 1)
      .next()
      .fact('s1', 'FolioRef', { folio: 's1', delta: 1024, refcount: 1025, why: 'gup-pin' })
      .fact('s1', 'GupPinned', { pin: 'p', folio: 's1', subpage: 0, gmem: 'gmem0', index: 1, kind: 'pin', longterm: true })
      .next()
      .fact('gmem0', 'FolioMerged', merged(['s1']));
    expect(ids(pinned)).toContain('INV-13');
    const shared = sub(
      hugeLog().next().fact('gmem0', 'FolioSplit', split).fact('gmem0', 'AttrStored', { gmem: 'gmem0', start: 1, end: 2, private: false }),
      's1',
      1
    )
      .next()
      .fact('gmem0', 'FolioMerged', merged(['s1']));
    expect(shared.check(HUGE).map((v) => v.message)).toContain('merge of hugepage 0x0 of gmem0 while index 0x1 is shared');
  });

  it('should hold for quiescent split and merge, and for the merge PUNCH_HOLE does before truncating', () => {
    const ok = sub(hugeLog().next().fact('gmem0', 'FolioSplit', split), 's1', 1)
      .next()
      .fact('gmem0', 'FolioMerged', merged(['s1']));
    expect(ok.check(HUGE)).toEqual([]);
    const punch = sub(
      hugeLog().next().fact('gmem0', 'FolioSplit', split).fact('gmem0', 'AttrStored', { gmem: 'gmem0', start: 1, end: 2, private: false }),
      's1',
      1
    )
      .next()
      .fact('gmem0', 'FolioMerged', merged(['s1'], 'truncate'));
    expect(punch.check(HUGE).filter((v) => v.invariant === 'INV-13')).toEqual([]);
  });
});

describe('INV-15 checker', () => {
  it('should fire when the first read of an allocated page returns non-zero contents', () => {
    const b = hugeLog().next().fact('F', 'FolioRead', { folio: 'F', subpage: 3, value: 0xdead, by: 'vcpu0' });
    expect(ids(b)).toEqual(['INV-15']);
  });

  it('should fire when a punched page reads its old contents', () => {
    const b = hugeLog()
      .next()
      .fact('F', 'FolioWritten', { folio: 'F', subpage: 3, value: 7, by: 't0' })
      .next()
      .fact('F', 'FolioRangeZeroed', { folio: 'F', start: 0, end: 8 })
      .next()
      .fact('F', 'FolioRead', { folio: 'F', subpage: 3, value: 7, by: 't0' });
    expect(ids(b)).toEqual(['INV-15']);
  });

  it('should hold for zero reads and for reads of written pages, across a split', () => {
    const b = sub(
      hugeLog()
        .next()
        .fact('F', 'FolioRead', { folio: 'F', subpage: 4, value: 0, by: 't0' })
        .fact('F', 'FolioWritten', { folio: 'F', subpage: 3, value: 7, by: 't0' })
        .next()
        .fact('gmem0', 'FolioSplit', split),
      's3',
      3
    )
      .next()
      .fact('s3', 'FolioRead', { folio: 's3', subpage: 0, value: 7, by: 't0' });
    expect(b.check(HUGE)).toEqual([]);
  });
});

describe('INV-2 with large folios', () => {
  const pinAt = (subpage: number) =>
    hugeLog()
      .next()
      .fact('gmem0', 'AttrStored', { gmem: 'gmem0', start: 0, end: 512, private: false })
      .next()
      .fact('F', 'FolioRef', { folio: 'F', delta: 1, refcount: 513, why: 'gup-pin' })
      .fact('F', 'GupPinned', { pin: 'p', folio: 'F', subpage, gmem: 'gmem0', index: subpage, kind: 'pin', longterm: true })
      .next()
      .fact('gmem0', 'AttrStored', { gmem: 'gmem0', start: 1, end: 2, private: true });

  it('should count a FOLL_PIN on a large folio as one reference and accept a pin outside the committed range', () => {
    expect(
      pinAt(0)
        .check(HUGE)
        .filter((v) => v.invariant === 'INV-2')
    ).toEqual([]);
  });

  it('should fire for a pin on a subpage inside the committed range (B12 situation)', () => {
    expect(
      pinAt(1)
        .check(HUGE)
        .filter((v) => v.invariant === 'INV-2')
        .map((v) => v.message)
    ).toEqual([expect.stringContaining('long-term pin p on page 0x1')]);
  });

  it('should fire for an unexplained extra reference on a large folio', () => {
    const b = hugeLog()
      .next()
      .fact('F', 'FolioRef', { folio: 'F', delta: 1, refcount: 513, why: 'fault' })
      .next()
      .fact('gmem0', 'AttrStored', { gmem: 'gmem0', start: 0, end: 1, private: true });
    expect(b.check(HUGE).map((v) => v.message)).toEqual([expect.stringContaining('refcount 513, expected 512')]);
  });
});

describe('arch prepare / invalidate across split and merge (INV-16)', () => {
  /** One 2M hugepage, INIT_PRIVATE: the guest writes page 5 (prepares the huge folio), then the VMM runs `ops`. */
  const guestFirst = (ops: ScenarioInput['threads'][number]['ops']) =>
    sc({
      name: 'prepared-huge',
      gmem: { pages: 512, folioSize: '2M', initShared: false },
      threads: [{ ops: [{ op: 'waitEvent', event: 'prepared', expect: '0' }, ...ops] }],
      vcpus: [
        {
          ops: [
            { op: 'guestAccess', index: 5, private: true, write: true, value: 6, expect: '0' },
            { op: 'signalEvent', event: 'prepared', expect: '0' }
          ]
        }
      ]
    });

  it('should invalidate exactly the converted subpages, keep the rest prepared through split and merge, and invalidate at the free', () => {
    for (const seed of [1, 2, 3]) {
      const run = record('hugepage-arch-prepare-convert', seed);
      expect(run.result.violations).toEqual([]);
      const inval = facts(run, 'FolioArchInvalidated');
      expect(inval.filter((e) => e.data['why'] === 'convert').map((e) => [e.data['start'], e.data['end']])).toEqual([[4, 6]]);
      // The merged folio kept the prepared pages: freeing it invalidates them first.
      const freed = facts(run, 'FolioFreed').at(-1);
      const last = inval.at(-1);
      expect(last?.data).toEqual({ folio: freed?.data['folio'], why: 'free' });
      expect(last?.seq).toBe((freed?.seq ?? 0) - 1);
      // The split 4K folios carried the state: only the huge folio and the merged one are prepared by faults.
      expect(facts(run, 'FolioPrepared').length).toBe(2);
    }
  });

  it('should invalidate 4K pages of a split hugepage that were never materialised (recorded against the huge folio)', () => {
    const s = guestFirst([
      { op: 'convert', offset: 4 * PAGE, size: 2 * PAGE, to: 'shared', expect: '0' },
      { op: 'convert', offset: 10 * PAGE, size: 2 * PAGE, to: 'shared', expect: '0' },
      { op: 'access', index: 10, write: true, value: 1, expect: '0' }
    ]);
    const run = record(s, 1);
    expect(run.result.violations).toEqual([]);
    const huge = facts(run, 'FolioSplit')[0]?.data['folio'];
    expect(facts(run, 'FolioArchInvalidated').map((e) => e.data)).toEqual([
      { folio: huge, why: 'convert', start: 4, end: 6 },
      { folio: huge, why: 'convert', start: 10, end: 12 }
    ]);
    expect(record(s, 1, 'B22').result.violations.map((v) => v.invariant)).toEqual(['INV-16']);
  });

  it('should merge all-shared pages into an unprepared folio: freeing it needs no invalidation', () => {
    const run = record(
      guestFirst([
        { op: 'convert', offset: 0, size: 512 * PAGE, to: 'shared', expect: '0' },
        { op: 'access', index: 5, expect: '0', expectValue: 6 },
        { op: 'munmap', index: 0, npages: 512, expect: '0' },
        { op: 'punchHole', offset: 0, size: 512 * PAGE, expect: '0' }
      ]),
      1
    );
    expect(run.result.violations).toEqual([]);
    expect(facts(run, 'FolioMerged').map((e) => e.data['reason'])).toEqual(['truncate']);
    expect(facts(run, 'FolioArchInvalidated').map((e) => e.data)).toEqual([{ folio: facts(run, 'FolioSplit')[0]?.data['folio'], why: 'convert' }]);
    expect(facts(run, 'FolioFreed')).toHaveLength(1);
  });
});
