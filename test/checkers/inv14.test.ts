import { describe, expect, it } from 'vitest';
import { LogBuilder } from '../helpers/logBuilder.js';

const lock = (b: LogBuilder, owner: string, lockName: string, mode: string, holder: string, type = 'LockAcquired'): LogBuilder =>
  b.next().fact(owner, type, { lock: lockName, mode, holder });

describe('INV-14 lock order', () => {
  it('should hold for the orders of spec §2 (invalidate -> mmu, invalidate -> folio, released before the next)', () => {
    const b = new LogBuilder();
    lock(b, 'gmem0', 'invalidate', 'W', 't0');
    lock(b, 'mmu', 'mmu', 'W', 't0');
    lock(b, 'mmu', 'mmu', 'W', 't0', 'LockReleased');
    b.next().fact('gmem0/f1', 'FolioLocked', { folio: 'gmem0/f1', by: 't0' }).fact('gmem0/f1', 'FolioUnlocked', { folio: 'gmem0/f1', by: 't0' });
    lock(b, 'gmem0', 'invalidate', 'W', 't0', 'LockReleased');
    expect(b.check().filter((v) => v.invariant === 'INV-14')).toEqual([]);
  });

  it('should fire when invalidate_lock is taken while holding mmu_lock', () => {
    const b = new LogBuilder();
    lock(b, 'mmu', 'mmu', 'W', 't0');
    lock(b, 'gmem0', 'invalidate', 'R', 't0', 'LockWaiting');
    const v = b.check().filter((x) => x.invariant === 'INV-14');
    expect(v).toHaveLength(1);
    expect(v[0]?.message).toContain('takes invalidate_lock (gmem0) at step 2 while holding mmu_lock (mmu)');
  });

  it('should fire when the folio lock and mmu_lock are nested', () => {
    const b = new LogBuilder();
    b.next().fact('gmem0/f1', 'FolioLocked', { folio: 'gmem0/f1', by: 'vcpu0' });
    lock(b, 'mmu', 'mmu', 'R', 'vcpu0');
    expect(b.check().filter((x) => x.invariant === 'INV-14')).toHaveLength(1);
  });

  it('should fire on a cycle between lock classes it has no rank for', () => {
    const b = new LogBuilder();
    lock(b, 'x', 'alpha', 'W', 't0');
    lock(b, 'y', 'beta', 'W', 't0');
    lock(b, 'y', 'beta', 'W', 't0', 'LockReleased');
    lock(b, 'x', 'alpha', 'W', 't0', 'LockReleased');
    lock(b, 'y', 'beta', 'W', 't1');
    lock(b, 'x', 'alpha', 'W', 't1');
    const v = b.check().filter((x) => x.invariant === 'INV-14');
    expect(v).toHaveLength(1);
    expect(v[0]?.message).toContain('cycle');
  });
});
