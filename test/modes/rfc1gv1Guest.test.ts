/**
 * Mode rfc-1g-v1 with vCPUs: guest accesses go through the upstream KVM fault
 * (VM attributes; private pfns from the HugeTLB guest_memfd, shared pages from
 * `userspace_addr`), the checkers that then apply, INV-12's "every hugepage
 * with a host-faultable index is split" clause on hand-built logs, INV-9 on a
 * split that leaves an SPTE behind, and variant B21.
 */
import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../src/events/logEntry.js';
import { findVariant } from '../../src/variants/index.js';
import { CHECKERS } from '../../src/projections/monitor.js';
import { runSchedule } from '../../src/run/runner.js';
import { findScenario } from '../../src/scenarios/builtins.js';
import type { Scenario } from '../../src/scenarios/schema.js';
import { handHeader, LogBuilder } from '../helpers/logBuilder.js';
import { facts, record, returns } from '../helpers/run.js';

const V1 = handHeader('rfc-1g-v1');
const BASE = 0x100000;
const sc = (name: string): Scenario => {
  const s = findScenario(name);
  if (s === undefined) throw new Error(name);
  return s;
};
const rcsOf = (run: ReturnType<typeof record>, thread: string) => returns(run, thread).map((e) => e.data['rc']);
const valuesOf = (run: ReturnType<typeof record>, thread: string) => returns(run, thread).map((e) => e.data['value'] ?? null);

describe('mode rfc-1g-v1 with vCPUs', () => {
  it('should run a private guest access against a conversion to shared through the upstream fault', () => {
    const run = record('v1-guest-private-vs-to-shared', 1);
    expect(run.result.violations).toEqual([]);
    expect(rcsOf(run, 't0')).toEqual(['0', '0', '0', '0', '0', '0', '0', 'SIGBUS']);
    // The host maps the guest_memfd page the guest wrote privately: the conversion is in place.
    expect(valuesOf(run, 't0')[6]).toBe(5);
    const v = rcsOf(run, 'vcpu0');
    expect(v.slice(0, 4)).toEqual(['0', '0', '0', '0']);
    expect(['0', '-EFAULT']).toContain(v[4]);
    expect(v.slice(5)).toEqual(['0', '0', '0', '-EFAULT', '-EFAULT']);
    // The shared read sees what the VMM wrote into userspace memory, not the guest_memfd page.
    expect(valuesOf(run, 'vcpu0')[7]).toBe(9);
    // Private SPTEs map the guest_memfd folio; the shared one maps the userspace page.
    const sptes = facts(run, 'SptInstalled');
    expect(sptes.filter((e) => e.data['private'] === true).every((e) => String(e.data['pfn']).startsWith('gmem0/'))).toBe(true);
    expect(sptes.filter((e) => e.data['private'] === false).map((e) => [e.data['pfn'], e.data['subpage']])).toEqual([['shm', 0x40000]]);
    // The private SPTE of page 0 is zapped before the shared store, which comes before page 0 becomes faultable.
    const seqOf = (pred: (e: LogEntry) => boolean) => run.entries.find(pred)?.seq ?? -1;
    const zap = seqOf((e) => e.kind === 'fact' && e.type === 'SpteZapped' && e.data['gfn'] === BASE && e.data['private'] === true);
    const store = seqOf((e) => e.kind === 'fact' && e.type === 'VmAttrStored' && e.data['private'] === false);
    const faultable = seqOf((e) => e.kind === 'fact' && e.type === 'FaultabilityStored' && e.data['faultable'] === true && e.data['start'] === 0);
    expect(zap).toBeGreaterThan(0);
    expect(zap).toBeLessThan(store);
    expect(store).toBeLessThan(faultable);
  });

  it('should keep a shared guest access and a host fault on the faultability map consistent with the conversion outcome', () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 60; seed++) {
      const run = record('v1-guest-shared-vs-host-fault', seed);
      expect(run.result.violations).toEqual([]);
      const [conv] = rcsOf(run, 't0');
      const [host] = rcsOf(run, 't1');
      // The host mapped page 0 first (-EINVAL, still shared) or the conversion cleared faultability first (SIGBUS).
      expect([conv, host]).toEqual(conv === '-EINVAL' ? ['-EINVAL', '0'] : ['0', 'SIGBUS']);
      const v = rcsOf(run, 'vcpu0');
      if (conv === '-EINVAL') expect(v).toEqual(['0', '0', '0', '0']);
      seen.add(String(conv));
    }
    expect([...seen].sort()).toEqual(['-EINVAL', '0']);
  });

  it('should map a uniform private hugepage with a 2M leaf and zap the hugepage before splitting its folio', () => {
    const run = record('v1-hugepage-split-vs-guest', 1);
    expect(run.result.violations).toEqual([]);
    expect(rcsOf(run, 'vcpu0').filter((rc, i) => i !== 8)).toEqual(['0', '0', '0', '0', '0', '0', '0', '0', '0', '0']);
    expect(valuesOf(run, 'vcpu0').slice(6, 8)).toEqual([7, 8]);
    const sptes = facts(run, 'SptInstalled');
    expect(sptes.some((e) => e.data['level'] === 2 && e.data['private'] === true && e.data['gfn'] === BASE)).toBe(true);
    // Hugepage 1 (page 512 shared) is mixed: page 600 is a 4K leaf into the huge folio, zapped before that folio is split.
    const leaf600 = sptes.find((e) => e.data['gfn'] === BASE + 600);
    expect(leaf600?.data['level']).toBe(1);
    const splitSeq = run.entries.find((e) => e.kind === 'fact' && e.type === 'FolioSplit' && e.data['base'] === 512)?.seq ?? -1;
    const zapSeq = run.entries.find((e) => e.kind === 'fact' && e.type === 'SpteZapped' && e.data['gfn'] === BASE + 600)?.seq ?? -1;
    expect(zapSeq).toBeGreaterThan(0);
    expect(zapSeq).toBeLessThan(splitSeq);
    // Page 512 stays unfaultable although its VM attribute is shared (faultability is set only by a to-shared change).
    expect(rcsOf(run, 't0').at(-1)).toBe('SIGBUS');
  });

  it('should apply the KVM-side invariants in v1 (INV-5, 6, 8, 9, 20, 21, and INV-4 / INV-19 for VM attributes)', () => {
    const modesOf = (id: string) => CHECKERS.filter((c) => c.id === id).flatMap((c) => c.modes);
    for (const id of ['INV-5', 'INV-6', 'INV-8', 'INV-9', 'INV-12', 'INV-20']) expect(modesOf(id)).toContain('*');
    for (const id of ['INV-4', 'INV-19', 'INV-21', 'INV-3']) expect(modesOf(id)).toContain('rfc-1g-v1');
    expect(modesOf('INV-16')).not.toContain('rfc-1g-v1');
  });
});

/** A 2M guest_memfd of one hugepage, created unfaultable, whose huge folio F is allocated. */
function v1HugeLog(): LogBuilder {
  return new LogBuilder()
    .fact('gmem0', 'GmemCreated', { gmem: 'gmem0', pages: 512, flags: '', folioOrder: 9 })
    .fact('gmem0', 'FaultabilityStored', { gmem: 'gmem0', start: 0, end: 512, faultable: false, runStarts: [0], runEnds: [512], runFaultable: [false] })
    .next()
    .fact('F', 'FolioAllocated', { folio: 'F', gmem: 'gmem0', base: 0, order: 9, hugePage: 'hp1' })
    .fact('F', 'FolioRef', { folio: 'F', delta: 512, refcount: 512, why: 'filemap' })
    .next()
    .fact('gmem0', 'LockAcquired', { lock: 'invalidate', mode: 'W', holder: 't0' });
}

const faultable = { gmem: 'gmem0', start: 5, end: 6, faultable: true, runStarts: [5], runEnds: [6], runFaultable: [true], by: 't0' };
const released = { lock: 'invalidate', mode: 'W', holder: 't0' };
const split = { folio: 'F', gmem: 'gmem0', base: 0, order: 9, hugePage: 'hp1', reason: 'convert' };
const inv12 = (b: LogBuilder) => b.check(V1).filter((v) => v.invariant === 'INV-12');

describe('INV-12 in rfc-1g-v1: a hugepage with a host-faultable index is split', () => {
  it('should fire when the operation that made an index faultable releases invalidate_lock with the folio whole', () => {
    const v = inv12(v1HugeLog().next().fact('gmem0', 'FaultabilityStored', faultable).next().fact('gmem0', 'LockReleased', released));
    expect(v).toHaveLength(1);
    expect(v[0]?.message).toContain('host-faultable index 0x5 but folio F (order 9) is not split');
  });

  it('should fire at the end of a run too', () => {
    const b = v1HugeLog().next().fact('gmem0', 'FaultabilityStored', faultable);
    b.entries.push({
      seq: b.entries.length + 1,
      step: 9,
      kind: 'sched',
      actor: 'sched',
      type: 'End',
      cause: null,
      data: { reason: 'quiescent', steps: 9, waiting: [] }
    });
    expect(inv12(b)).toHaveLength(1);
  });

  it('should hold in the middle of the operation (faultable, lock still held) and when the split came first', () => {
    expect(inv12(v1HugeLog().next().fact('gmem0', 'FaultabilityStored', faultable))).toEqual([]);
    const ok = v1HugeLog()
      .next()
      .fact('gmem0', 'FolioSplit', split)
      .fact('gmem0', 'FaultabilityStored', faultable)
      .next()
      .fact('gmem0', 'LockReleased', released);
    expect(inv12(ok)).toEqual([]);
  });

  it('should hold when the faultable index lies in another hugepage or faultability is cleared again before the release', () => {
    const other = { ...faultable, start: 600, end: 601, runStarts: [600], runEnds: [601] };
    const b = new LogBuilder()
      .fact('gmem0', 'GmemCreated', { gmem: 'gmem0', pages: 1024, flags: '', folioOrder: 9 })
      .fact('gmem0', 'FolioAllocated', { folio: 'F', gmem: 'gmem0', base: 0, order: 9, hugePage: 'hp1' })
      .next()
      .fact('gmem0', 'FaultabilityStored', other)
      .next()
      .fact('gmem0', 'LockReleased', released);
    expect(inv12(b)).toEqual([]);
    const cleared = v1HugeLog()
      .next()
      .fact('gmem0', 'FaultabilityStored', faultable)
      .fact('gmem0', 'FaultabilityStored', { ...faultable, faultable: false, runFaultable: [false] })
      .next()
      .fact('gmem0', 'LockReleased', released);
    expect(inv12(cleared)).toEqual([]);
  });
});

describe('INV-9 on restructuring', () => {
  it('should fire when a huge folio is split while an SPTE still maps it, and hold once it was zapped', () => {
    const spte = { root: 'mirror', gfn: BASE + 5, level: 1, private: true, pfn: 'F', subpage: 5, by: 'vcpu0' };
    const withSpte = v1HugeLog().next().fact('mmu', 'SptInstalled', spte).next();
    const bad = withSpte
      .fact('gmem0', 'FolioSplit', split)
      .check(V1)
      .filter((v) => v.invariant === 'INV-9');
    expect(bad.map((v) => v.message)).toEqual([expect.stringContaining('folio F split at step')]);
    const good = v1HugeLog()
      .next()
      .fact('mmu', 'SptInstalled', spte)
      .next()
      .fact('mmu', 'SpteZapped', { root: 'mirror', gfn: BASE + 5, level: 1, private: true })
      .next()
      .fact('gmem0', 'FolioSplit', split);
    expect(good.check(V1).filter((v) => v.invariant === 'INV-9')).toEqual([]);
  });
});

describe('variant B21 (no split before the hugepage becomes host-faultable)', () => {
  it('should break INV-12 in v1-hugepage-split-vs-guest while the correct protocol holds', () => {
    expect(findVariant('B21')).toMatchObject({ modes: ['rfc-1g-v1'], breaks: 'INV-12', scenario: 'v1-hugepage-split-vs-guest' });
    const bad = runSchedule({ scenario: sc('v1-hugepage-split-vs-guest'), seed: 1, variant: 'B21' });
    expect(bad.violations[0]?.invariant).toBe('INV-12');
    expect(bad.violations[0]?.message).toContain('host-faultable index 0x12c');
    expect(runSchedule({ scenario: sc('v1-hugepage-split-vs-guest'), seed: 1 }).violations).toEqual([]);
  });
});
