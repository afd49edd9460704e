import { createActor } from 'xstate';
import { recordingPort } from '../helpers/port.js';
import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/events/messages.js';
import type { FolioInbox } from '../../src/events/protocol/index.js';
import { folioMachine } from '../../src/machines/folioMachine.js';
import { reserveSubpool, subpoolGive, subpoolTake } from '../../src/model/hugetlb.js';
import { type ScenarioInput, scenarioSchema } from '../../src/scenarios/schema.js';
import { facts, record, returns } from '../helpers/run.js';

const PAGE = 4096;

/** A folio actor driven by hand (rfc-1g-v2, synchronous HugeTLB free): every message it sends and fact it records is kept. */
function handFolio(order: number) {
  const { port, sent, recorded } = recordingPort('f');
  const actor = createActor(folioMachine, {
    input: { port, options: { freeHugetlbFolio: 'sync' }, gmem: 'gmem0', base: 0, order, init: { hugePage: 'gmem0/hp1' } }
  }).start();
  const ask = (msg: FolioInbox): Message => {
    const before = sent.length;
    actor.send({ from: 't0', ...msg });
    const reply = sent.slice(before).find((s) => s.to === 't0');
    if (reply === undefined) throw new Error(`no reply to ${msg.type}`);
    return reply.msg;
  };
  /** Sends `msgs` under the folio lock (lookup + folio_lock, then folio_unlock + folio_put), as the kernel zeroes a folio. */
  const locked = (...msgs: FolioInbox[]): void => {
    ask({ type: 'folio.get', lock: true, why: 'fallocate', index: 0 });
    for (const m of msgs) ask(m);
    ask({ type: 'folio.unlock' });
    ask({ type: 'folio.put', why: 'fallocate' });
  };
  return { actor, ask, locked, sent, recorded };
}

function sc(input: ScenarioInput) {
  return scenarioSchema.parse(input);
}

describe('huge folio reference model (§1.3.1) and freeze (O15)', () => {
  it('should count a FOLL_PIN on a large folio as +1 ref and refuse a freeze or a safe check while it is held', () => {
    const f = handFolio(9);
    expect(f.ask({ type: 'folio.pin', subpage: 3, kind: 'pin', longterm: true, pin: 'p' })['ok']).toBe(true);
    expect(f.recorded.filter((r) => r.type === 'FolioRef').map((r) => r.data['refcount'])).toEqual([512, 513]);
    expect(f.ask({ type: 'folio.checkSafe', check: 'refcount' })['ok']).toBe(false);
    expect(f.ask({ type: 'folio.freeze' })['ok']).toBe(false);
    f.ask({ type: 'folio.unpin', pin: 'p' });
    expect(f.ask({ type: 'folio.checkSafe', check: 'refcount' })['ok']).toBe(true);
  });

  it('folio.counts reads folio_ref_count, folio_mapped and folio_maybe_dma_pinned: a FOLL_GET shows only in the refcount', () => {
    const f = handFolio(9);
    expect(f.ask({ type: 'folio.counts' })).toMatchObject({ type: 'folio.counts', refcount: 513, nrPages: 512, mapped: false, maybeDmaPinned: false });
    f.ask({ type: 'folio.pin', subpage: 3, kind: 'get', longterm: false, pin: 'g' });
    expect(f.ask({ type: 'folio.counts' })).toMatchObject({ refcount: 514, mapped: false, maybeDmaPinned: false });
    f.ask({ type: 'folio.pin', subpage: 4, kind: 'pin', longterm: true, pin: 'p' });
    expect(f.ask({ type: 'folio.counts' })).toMatchObject({ refcount: 515, mapped: false, maybeDmaPinned: true });
    // A host PTE takes over a fault's reference (folio.map is one-way and adds none).
    f.actor.send({ from: 'mm', type: 'folio.map', subpage: 5 });
    expect(f.ask({ type: 'folio.counts' })).toMatchObject({ refcount: 515, mapped: true, maybeDmaPinned: true });
  });

  it('should freeze only with exactly its page-cache refs, then fail folio_try_get until unfrozen', () => {
    const f = handFolio(9);
    expect(f.ask({ type: 'folio.get', lock: false, why: 'kvm-pfn', index: 0 })['ok']).toBe(true);
    expect(f.ask({ type: 'folio.freeze' })['ok']).toBe(false);
    f.ask({ type: 'folio.put', why: 'kvm-pfn' });
    const frozen = f.ask({ type: 'folio.freeze' });
    expect(frozen['ok']).toBe(true);
    expect(frozen['hugePage']).toBe('gmem0/hp1');
    expect(f.actor.getSnapshot().value).toBe('frozen');
    expect(f.ask({ type: 'folio.get', lock: false, why: 'kvm-pfn', index: 0 })['ok']).toBe(false);
    f.ask({ type: 'folio.unfreeze' });
    expect(f.actor.getSnapshot().value).toEqual({ cached: 'unlocked' });
  });

  it('should keep per-subpage state sparse: a 1G folio written at two subpages holds two content entries', () => {
    const f = handFolio(18);
    f.locked({ type: 'folio.zero' });
    f.ask({ type: 'folio.access', subpage: 7, write: true, value: 1 });
    f.ask({ type: 'folio.access', subpage: 200_000, write: true, value: 2 });
    expect(f.actor.getSnapshot().context.contents.size).toBe(2);
    expect(f.actor.getSnapshot().context.refcount).toBe(262144);
    const frozen = f.ask({ type: 'folio.freeze' });
    expect(frozen['subpages']).toEqual([7, 200_000]);
    expect(frozen['values']).toEqual([1, 2]);
  });

  it('should zero only the requested subpage range', () => {
    const f = handFolio(9);
    f.locked({ type: 'folio.zero' });
    for (const k of [1, 2, 3]) f.ask({ type: 'folio.access', subpage: k, write: true, value: k });
    f.locked({ type: 'folio.zeroRange', start: 2, end: 3 });
    expect([...f.actor.getSnapshot().context.contents.entries()]).toEqual([
      [1, 1],
      [3, 3]
    ]);
  });
});

describe('HugeTLB subpool (INV-11)', () => {
  it('should reserve size/hugepage pages, or fail with -ENOMEM / -EINVAL', () => {
    expect(reserveSubpool(1024, 512, 5)).toEqual({ ok: true, subpool: { reserved: 2, inUse: 0, free: 2 }, globalFree: 3 });
    expect(reserveSubpool(1024, 512, 1)).toEqual({ ok: false, rc: '-ENOMEM', globalFree: 1 });
    expect(reserveSubpool(1000, 512, 5)).toEqual({ ok: false, rc: '-EINVAL', globalFree: 5 });
    const one = subpoolTake({ reserved: 1, inUse: 0, free: 1 });
    expect(one).toEqual({ reserved: 1, inUse: 1, free: 0 });
    expect(subpoolTake(one ?? { reserved: 0, inUse: 0, free: 0 })).toBeNull();
    expect(subpoolGive({ reserved: 1, inUse: 1, free: 0 })).toEqual({ reserved: 1, inUse: 0, free: 1 });
  });

  it('should record the reservation at creation and fail creation with -ENOMEM when the global pool is short', () => {
    const ok = record('hugepage-punch-refallocate', 1);
    expect(facts(ok, 'SubpoolReserved').map((e) => e.data)).toEqual([{ gmem: 'gmem0', order: 9, reserved: 2, globalFree: 0 }]);
    const short = record(
      sc({
        name: 'short-pool',
        mode: 'rfc-1g-v2',
        gmem: { pages: 1024, folioSize: '2M', hugePool: 1 },
        threads: [
          {
            ops: [
              { op: 'fallocate', offset: 0, size: 512 * PAGE },
              { op: 'convert', offset: 0, size: PAGE, to: 'private' },
              { op: 'punchHole', offset: 0, size: PAGE }
            ]
          }
        ]
      }),
      1
    );
    expect(facts(short, 'GmemCreateFailed').map((e) => e.data['rc'])).toEqual(['-ENOMEM']);
    expect(facts(short, 'GmemCreated')).toEqual([]);
    expect(returns(short, 't0').map((e) => e.data['rc'])).toEqual(['-EBADF', '-EBADF', '-EBADF']);
  });
});

describe('split and merge (O7b, O15)', () => {
  const run = record('hugepage-2m-split-merge', 7);

  it('should allocate whole huge folios from the subpool and split the one a conversion to shared touches', () => {
    expect(run.result.violations).toEqual([]);
    const alloc = facts(run, 'HugePageAllocated').map((e) => [e.data['inUse'], e.data['free']]);
    expect(alloc).toEqual([
      [1, 1],
      [2, 0]
    ]);
    const split = facts(run, 'FolioSplit');
    expect(split.map((e) => [e.data['base'], e.data['order'], e.data['reason']])).toEqual([[0, 9, 'convert']]);
    const page = split[0]?.data['hugePage'];
    const subs = facts(run, 'FolioAllocated').filter((e) => e.data['order'] === 0);
    expect(subs.map((e) => [e.data['base'], e.data['hugeOrigin']])).toEqual([[1, page]]);
  });

  it('should merge the hugepage back when converted to private: one order-9 folio of the same huge page', () => {
    const merged = facts(run, 'FolioMerged');
    expect(merged).toHaveLength(1);
    const m = merged[0]?.data ?? {};
    expect([m['base'], m['order'], m['hugePage'], m['reason']]).toEqual([0, 9, facts(run, 'FolioSplit')[0]?.data['hugePage'], 'convert']);
    const sub = facts(run, 'FolioAllocated').find((e) => e.data['order'] === 0)?.data['folio'];
    expect(m['from']).toEqual([sub]);
    const after = facts(run, 'FolioAllocated').find((e) => e.data['folio'] === m['folio']);
    expect(after?.data).toMatchObject({ order: 9, base: 0, hugePage: m['hugePage'] });
    expect(facts(run, 'FolioFreedToPool')).toEqual([]);
  });

  it('should return SIGBUS on a host fault of a private index, before and after the merge', () => {
    expect(returns(run, 't0').map((e) => e.data['rc'])).toEqual(['0', '0', '0', '0', 'SIGBUS', '0', '0', 'SIGBUS']);
    expect(returns(run, 't0')[3]?.data['value']).toBe(5);
  });

  it('should keep contents across merge and a later split', () => {
    const r = record(
      sc({
        name: 'lineage',
        mode: 'rfc-1g-v2',
        gmem: { pages: 512, folioSize: '2M', initShared: false },
        threads: [
          {
            ops: [
              { op: 'fallocate', offset: 0, size: 512 * PAGE, expect: '0' },
              { op: 'convert', offset: PAGE, size: PAGE, to: 'shared', expect: '0' },
              { op: 'access', index: 1, write: true, value: 9, expect: '0' },
              { op: 'munmap', index: 1, npages: 1, expect: '0' },
              { op: 'convert', offset: PAGE, size: PAGE, to: 'private', expect: '0' },
              { op: 'convert', offset: PAGE, size: 2 * PAGE, to: 'shared', expect: '0' },
              { op: 'access', index: 1, expect: '0', expectValue: 9 },
              { op: 'access', index: 2, expect: '0', expectValue: 0 }
            ]
          }
        ]
      }),
      3
    );
    expect(r.result.violations).toEqual([]);
    expect(facts(r, 'FolioSplit')).toHaveLength(2);
    expect(facts(r, 'FolioMerged')).toHaveLength(1);
  });

  it('should split a 1G folio without creating a per-4K object for untouched subpages', () => {
    const r = record('hugepage-1g-split-merge', 2);
    expect(r.result.violations).toEqual([]);
    expect(facts(r, 'FolioSplit').map((e) => e.data['order'])).toEqual([18]);
    expect(facts(r, 'FolioAllocated').map((e) => [e.data['order'], e.data['base']])).toEqual([
      [18, 0],
      [0, 1001],
      [18, 0]
    ]);
    expect(r.result.entries).toBeLessThan(1000);
    const rc = returns(r, 't0');
    expect(rc[4]?.data).toMatchObject({ rc: '-EAGAIN', errorOffset: 1001 * PAGE });
    expect(rc[6]?.data['rc']).toBe('0');
  });
});

describe('PUNCH_HOLE with huge folios (O4 RFC 1G-v2)', () => {
  const run = record('hugepage-punch-pinned', 5);

  it('should only zero a partial hugepage range, fail -EAGAIN with a pinned subpage, then merge, truncate and return the page', () => {
    expect(run.result.violations).toEqual([]);
    const rc = returns(run, 't0').map((e) => [e.data['name'], e.data['rc'], e.data['value'] ?? null]);
    expect(rc[4]).toEqual(['punchHole', '0', null]);
    expect(rc[5]).toEqual(['access', '0', 0]);
    expect(rc[7]).toEqual(['punchHole', '-EAGAIN', null]);
    expect(rc[9]).toEqual(['punchHole', '0', null]);
    expect(rc[10]).toEqual(['access', '0', 0]);
    expect(facts(run, 'FolioRangeZeroed').length + facts(run, 'SplitRangeZeroed').length).toBeGreaterThan(0);
    expect(facts(run, 'FolioMerged').map((e) => e.data['reason'])).toEqual(['truncate']);
  });

  it('should account the pool: freed to the subpool once, re-allocated (and split at once: shared index) by the refault', () => {
    const freed = facts(run, 'FolioFreedToPool').map((e) => [e.data['inUse'], e.data['free']]);
    expect(freed).toEqual([[1, 1]]);
    const alloc = facts(run, 'HugePageAllocated').map((e) => [e.data['inUse'], e.data['free']]);
    expect(alloc).toEqual([
      [1, 1],
      [2, 0],
      [2, 0]
    ]);
    expect(facts(run, 'FolioSplit').map((e) => e.data['reason'])).toEqual(['convert', 'alloc']);
    const pageFreed = facts(run, 'FolioFreedToPool')[0];
    const pageOut = facts(run, 'OpReturned').find((e) => e.data['op'] === 9);
    expect((pageFreed?.seq ?? 0) < (pageOut?.seq ?? 0)).toBe(true);
  });

  it('should succeed an immediate re-fallocate after PUNCH_HOLE (synchronous pool return, spec B17 flow)', () => {
    const r = record('hugepage-punch-refallocate', 11);
    expect(r.result.violations).toEqual([]);
    expect(returns(r, 't0').map((e) => e.data['rc'])).toEqual(['0', '0', '0', '0', '0', '0', '0']);
  });
});
