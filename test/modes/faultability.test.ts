/**
 * The RFC 1G-v1 faultability xarray model (src/model/faultability.ts) and the
 * INV-3 / STORE-EXACT / INV-1 / INV-2 (v1 form) checkers on hand-built logs.
 */
import { describe, expect, it } from 'vitest';
import { faultableRuns, initialFaultability, isFaultable, storeFaultable } from '../../src/model/faultability.js';
import { handHeader, LogBuilder } from '../helpers/logBuilder.js';

const faultables = (x: ReturnType<typeof initialFaultability>, n: number): boolean[] => Array.from({ length: n }, (_, i) => isFaultable(x, i));

describe('faultability xarray', () => {
  it('should change only the requested indices with per-index stores (v1)', () => {
    let x = initialFaultability(16, false, 'present-faultable');
    x = storeFaultable(x, 5, 11, true, 'index').next;
    const r = storeFaultable(x, 7, 13, false, 'index');
    expect([r.start, r.end]).toEqual([7, 13]);
    expect(
      faultables(r.next, 16)
        .map((f, i) => (f ? i : -1))
        .filter((i) => i >= 0)
    ).toEqual([5, 6]);
  });

  it('should clobber the whole overlapping entry with a range store (B13: store_range(5,10) then store_range(7,12,NULL) clears [5,12])', () => {
    let x = initialFaultability(16, false, 'present-faultable');
    x = storeFaultable(x, 5, 11, true, 'range').next;
    expect(isFaultable(x, 5)).toBe(true);
    const r = storeFaultable(x, 7, 13, false, 'range');
    expect([r.start, r.end]).toEqual([5, 13]);
    expect(faultables(r.next, 16).some((f) => f)).toBe(false);
    expect(faultableRuns(r.next, 5, 13)).toEqual({ starts: [5], ends: [13], faultable: [false] });
  });

  it('should turn private neighbours faultable with the inverted encoding', () => {
    let x = initialFaultability(16, true, 'present-unfaultable');
    x = storeFaultable(x, 5, 11, false, 'range').next;
    expect(faultables(x, 16).filter((f) => !f)).toHaveLength(6);
    x = storeFaultable(x, 7, 13, true, 'range').next;
    expect(faultables(x, 16).every((f) => f)).toBe(true);
  });
});

/** A v1 log: gmem0 of 16 pages bound at gfn 0x100, all faultable, VM attributes all shared. */
function v1Log(): LogBuilder {
  return new LogBuilder()
    .fact('kvm', 'VmCreated', { vm: 'kvm', type: 'SW_PROTECTED', preFaultAllowed: true })
    .fact('gmem0', 'GmemCreated', { gmem: 'gmem0', pages: 16, flags: 'INIT_SHARED', folioOrder: 0 })
    .fact('gmem0', 'GmemBound', { gmem: 'gmem0', slot: 0, pgoff: 0, npages: 16, baseGfn: 0x100 })
    .fact('gmem0', 'FaultabilityStored', { gmem: 'gmem0', start: 0, end: 16, faultable: true, runStarts: [0], runEnds: [16], runFaultable: [true] });
}
const store = (start: number, end: number, faultable: boolean, runs: [number, number, boolean][] = [[start, end, faultable]]) => ({
  gmem: 'gmem0',
  start,
  end,
  faultable,
  by: 't0',
  runStarts: runs.map((r) => r[0]),
  runEnds: runs.map((r) => r[1]),
  runFaultable: runs.map((r) => r[2])
});
const vmStore = (start: number, end: number, priv: boolean) => ({ vm: 'kvm', start: 0x100 + start, end: 0x100 + end, private: priv, by: 't0' });
const v1 = handHeader('rfc-1g-v1');
const ids = (b: LogBuilder, id: string) => b.check(v1).filter((v) => v.invariant === id);

describe('INV-3 faultable implies shared (rfc-1g-v1)', () => {
  it('should hold when faultability is cleared before the private commit and set after the shared one', () => {
    // KVM_SET_MEMORY_ATTRIBUTES holds slots_lock (INV-4, VM form) and is an attribute operation (INV-19).
    const log = v1Log()
      .next()
      .fact('t0', 'OpStarted', { thread: 't0', op: 0, name: 'setMemoryAttributes' })
      .fact('kvm', 'LockAcquired', { lock: 'slots', mode: 'W', holder: 't0' })
      .fact('gmem0', 'LockAcquired', { lock: 'invalidate', mode: 'W', holder: 't0' })
      .fact('gmem0', 'FaultabilityStored', store(2, 4, false))
      .next()
      .fact('kvm', 'VmAttrStored', vmStore(2, 4, true))
      .next()
      .fact('kvm', 'VmAttrStored', vmStore(2, 4, false))
      .next()
      .fact('gmem0', 'FaultabilityStored', store(2, 4, true));
    expect(ids(log, 'INV-3')).toEqual([]);
    expect(log.check(v1)).toEqual([]);
  });

  it('should fire when a range is committed private while still faultable', () => {
    const v = ids(
      v1Log()
        .next()
        .fact('kvm', 'VmAttrStored', vmStore(2, 4, true)),
      'INV-3'
    );
    expect(v).toHaveLength(1);
    expect(v[0]?.message).toContain('page 0x2 of gmem0 is still host-faultable');
  });

  it('should fire when faultability is set on a page whose VM attribute is private', () => {
    const log = v1Log()
      .next()
      .fact('gmem0', 'FaultabilityStored', store(2, 4, false))
      .next()
      .fact('kvm', 'VmAttrStored', vmStore(2, 4, true))
      .next()
      .fact('gmem0', 'FaultabilityStored', store(3, 4, true));
    const v = ids(log, 'INV-3');
    expect(v).toHaveLength(1);
    expect(v[0]?.message).toContain('page 0x3 of gmem0 is host-faultable');
  });
});

describe('STORE-EXACT (B13 oracle)', () => {
  it('should fire when a store changes an index outside its range', () => {
    const log = v1Log()
      .next()
      .fact('gmem0', 'FaultabilityStored', store(7, 13, false, [[5, 13, false]]));
    const v = ids(log, 'STORE-EXACT');
    expect(v).toHaveLength(1);
    expect(v[0]?.message).toContain('changed page 0x5 outside the range');
  });

  it('should hold when the runs outside the range keep their value', () => {
    const log = v1Log()
      .next()
      .fact(
        'gmem0',
        'FaultabilityStored',
        store(7, 13, false, [
          [5, 7, true],
          [7, 13, false]
        ])
      );
    expect(ids(log, 'STORE-EXACT')).toEqual([]);
  });
});

describe('INV-1 / INV-2 in rfc-1g-v1 (VM attribute of the bound gfn)', () => {
  const pte = { mm: 'mm', page: 2, gmem: 'gmem0', index: 2, folio: 'gmem0/f2', subpage: 0 };
  const withFolio = (b: LogBuilder) =>
    b
      .fact('gmem0/f2', 'FolioAllocated', { folio: 'gmem0/f2', gmem: 'gmem0', base: 2, order: 0 })
      .fact('gmem0/f2', 'FolioRef', { folio: 'gmem0/f2', delta: 1, refcount: 1, why: 'filemap' });

  it('should fire INV-1 and INV-2 when a mapped page is committed private', () => {
    const log = withFolio(v1Log().next())
      .next()
      .fact('gmem0/f2', 'FolioRef', { folio: 'gmem0/f2', delta: 1, refcount: 2, why: 'fault' })
      .fact('mm', 'HostPteInstalled', pte)
      .next()
      .fact('gmem0', 'FaultabilityStored', store(2, 3, false))
      .next()
      .fact('kvm', 'VmAttrStored', vmStore(2, 3, true));
    expect(ids(log, 'INV-1')).toHaveLength(1);
    expect(ids(log, 'INV-2')).toHaveLength(1);
  });

  it('should fire INV-1 on a PTE installed over a VM-private page and hold over shared ones', () => {
    const base = () =>
      withFolio(v1Log().next())
        .next()
        .fact('gmem0', 'FaultabilityStored', store(2, 3, false))
        .next()
        .fact('kvm', 'VmAttrStored', vmStore(2, 3, true))
        .next();
    expect(ids(base().fact('mm', 'HostPteInstalled', pte), 'INV-1')).toHaveLength(1);
    expect(ids(base().fact('mm', 'HostPteInstalled', { ...pte, page: 5, index: 5, folio: 'gmem0/f5' }), 'INV-1')).toEqual([]);
  });
});
