import { describe, expect, it } from 'vitest';
import { LogBuilder } from '../helpers/logBuilder.js';

const lockFact = (b: LogBuilder, type: string, holder: string, mode = 'R'): LogBuilder => b.fact('gmem0', type, { lock: 'invalidate', mode, holder });
const read = (b: LogBuilder, by: string): LogBuilder => b.fact('gmem0', 'AttrRead', { gmem: 'gmem0', index: 0, private: false, by });
const got = (b: LogBuilder, thread: string): LogBuilder => b.fact('gmem0/f0', 'HostFaultGotFolio', { thread, gmem: 'gmem0', index: 0, folio: 'gmem0/f0' });

describe('INV-4 attribute lock discipline (RFC)', () => {
  it('should hold when the fault keeps invalidate_lock from the attribute read to the folio reference', () => {
    const b = new LogBuilder().gmem(1).folio(0).next();
    lockFact(b, 'LockAcquired', 't1').next();
    read(b, 't1').next();
    got(b, 't1').next();
    lockFact(b, 'LockReleased', 't1');
    expect(b.check().filter((v) => v.invariant === 'INV-4')).toEqual([]);
  });

  it('should fire when the read and the reference are not covered by one hold (B10)', () => {
    const b = new LogBuilder().gmem(1).folio(0).next();
    read(b, 't1').next();
    got(b, 't1');
    const v = b.check().filter((x) => x.invariant === 'INV-4');
    expect(v).toHaveLength(1);
    expect(v[0]?.message).toContain('t1 took the folio reference at step 2 for page 0x0 of gmem0 whose attribute it read at step 1');
    const reacquired = new LogBuilder().gmem(1).folio(0).next();
    lockFact(reacquired, 'LockAcquired', 't1').next();
    read(reacquired, 't1').next();
    lockFact(reacquired, 'LockReleased', 't1').next();
    lockFact(reacquired, 'LockAcquired', 't1').next();
    got(reacquired, 't1');
    expect(reacquired.check().filter((x) => x.invariant === 'INV-4')).toHaveLength(1);
  });

  it('should fire on an attribute store without the write lock, and hold with it', () => {
    const store = { gmem: 'gmem0', start: 0, end: 1, private: true, by: 't0' };
    const bad = new LogBuilder().gmem(1).next();
    lockFact(bad, 'LockAcquired', 't0', 'R').next().fact('gmem0', 'AttrStored', store);
    expect(bad.check().filter((x) => x.invariant === 'INV-4')).toHaveLength(1);
    const good = new LogBuilder().gmem(1).next();
    lockFact(good, 'LockAcquired', 't0', 'W').next().fact('gmem0', 'AttrStored', store);
    expect(good.check().filter((x) => x.invariant === 'INV-4')).toEqual([]);
  });
});
