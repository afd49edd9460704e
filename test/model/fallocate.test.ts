import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../src/events/logEntry.js';
import { runSchedule } from '../../src/run/runner.js';
import { findScenario } from '../../src/scenarios/builtins.js';
import { type ScenarioInput, scenarioSchema } from '../../src/scenarios/schema.js';
import { facts, record, returns } from '../helpers/run.js';

const PAGE = 4096;

function run(gmem: ScenarioInput['gmem'], ops: ScenarioInput['threads'][number]['ops'], mode: ScenarioInput['mode'] = 'rfc-1g-v2') {
  return record(scenarioSchema.parse({ name: 'fallocate', mode, gmem, threads: [{ ops }] }), 1);
}

describe('fallocate(KEEP_SIZE) (O3)', () => {
  it('should fail without KEEP_SIZE with -EOPNOTSUPP and on bad ranges with -EINVAL', () => {
    const r = run(
      { pages: 4 },
      [
        { op: 'fallocate', offset: 0, size: PAGE, keepSize: false },
        { op: 'fallocate', offset: 1, size: PAGE },
        { op: 'fallocate', offset: 0, size: PAGE + 1 },
        { op: 'fallocate', offset: 0, size: 0 },
        { op: 'fallocate', offset: 2 * PAGE, size: 3 * PAGE },
        { op: 'fallocate', offset: 0, size: 4 * PAGE }
      ],
      'rfc-inplace-v8'
    );
    expect(returns(r, 't0').map((e) => e.data['rc'])).toEqual(['-EOPNOTSUPP', '-EINVAL', '-EINVAL', '-EINVAL', '-EINVAL', '0']);
  });

  it('should allocate 4K folios without zeroing, mapping or changing attributes (rfc-inplace-v8)', () => {
    const r = run({ pages: 4 }, [{ op: 'fallocate', offset: PAGE, size: 3 * PAGE, expect: '0' }], 'rfc-inplace-v8');
    expect(r.result.violations).toEqual([]);
    expect(facts(r, 'FolioAllocated').map((e) => [e.data['base'], e.data['order']])).toEqual([
      [1, 0],
      [2, 0],
      [3, 0]
    ]);
    expect(facts(r, 'FolioZeroed')).toEqual([]);
    expect(facts(r, 'HostPteInstalled')).toEqual([]);
    expect(facts(r, 'AttrStored')).toHaveLength(1);
    expect(facts(r, 'LockAcquired').map((e) => [e.data['lock'], e.data['mode']])).toEqual([['invalidate', 'R']]);
  });

  it('should stop with -EINTR before the next folio when a signal is pending, and run whole once it was delivered', () => {
    const r = run(
      { pages: 4, initShared: false },
      [
        { op: 'signal', expect: '0' },
        { op: 'fallocate', offset: 0, size: 4 * PAGE, expect: '-EINTR' },
        { op: 'fallocate', offset: 0, size: 4 * PAGE, expect: '0' }
      ],
      'upstream-6.8'
    );
    expect(r.result.violations).toEqual([]);
    expect(returns(r, 't0').map((e) => e.data['rc'])).toEqual(['0', '-EINTR', '0']);
    // Nothing was allocated by the interrupted call; the invalidate_lock was taken and released by both.
    expect(facts(r, 'FolioAllocated')).toHaveLength(4);
    expect(facts(r, 'LockAcquired').filter((e) => e.data['lock'] === 'invalidate')).toHaveLength(2);
    expect(facts(r, 'LockReleased').filter((e) => e.data['lock'] === 'invalidate')).toHaveLength(2);
  });

  it('should round start and end down to hugepage boundaries (rfc-1g-v2)', () => {
    const small = run({ pages: 1024, folioSize: '2M', initShared: false }, [{ op: 'fallocate', offset: 10 * PAGE, size: PAGE, expect: '0' }]);
    expect(facts(small, 'HugePageAllocated')).toEqual([]);
    const r = run({ pages: 1024, folioSize: '2M', initShared: false }, [{ op: 'fallocate', offset: 10 * PAGE, size: 600 * PAGE, expect: '0' }]);
    expect(facts(r, 'FolioAllocated').map((e) => [e.data['base'], e.data['order']])).toEqual([[0, 9]]);
  });

  it('should take whole huge pages from the subpool and split at once where an index is shared', () => {
    const r = run({ pages: 1024, folioSize: '2M', initShared: true }, [{ op: 'fallocate', offset: 0, size: 1024 * PAGE, expect: '0' }]);
    expect(r.result.violations).toEqual([]);
    expect(facts(r, 'HugePageAllocated').map((e) => [e.data['inUse'], e.data['free'], e.data['reserved']])).toEqual([
      [1, 1, 2],
      [2, 0, 2]
    ]);
    expect(facts(r, 'FolioSplit').map((e) => [e.data['base'], e.data['reason']])).toEqual([
      [0, 'alloc'],
      [512, 'alloc']
    ]);
    // One 4K folio per hugepage was touched; the other 511 exist only logically.
    expect(
      facts(r, 'FolioAllocated')
        .filter((e) => e.data['order'] === 0)
        .map((e) => e.data['base'])
    ).toEqual([0, 512]);
  });

  it('should allocate nothing twice: a second fallocate finds the folios', () => {
    const r = run({ pages: 1024, folioSize: '2M', initShared: false }, [
      { op: 'fallocate', offset: 0, size: 1024 * PAGE, expect: '0' },
      { op: 'fallocate', offset: 0, size: 1024 * PAGE, expect: '0' }
    ]);
    expect(r.result.violations).toEqual([]);
    expect(facts(r, 'HugePageAllocated')).toHaveLength(2);
  });

  it('should fail with -ENOMEM when the subpool has no free page (deferred pool return, variant B17)', () => {
    const scenario = findScenario('hugepage-punch-refallocate');
    if (scenario === undefined) throw new Error('missing scenario');
    let enomem = 0;
    for (let seed = 1; seed <= 200 && enomem === 0; seed++) {
      const rcs: string[] = [];
      const sink = {
        header: () => undefined,
        entry: (e: LogEntry) => void (e.type === 'OpReturned' && e.data['name'] === 'fallocate' && rcs.push(e.data['rc'] as string))
      };
      runSchedule({ scenario, seed, variant: 'B17', stopOnViolation: false, sink });
      if (rcs.includes('-ENOMEM')) enomem++;
    }
    expect(enomem).toBe(1);
  });
});
