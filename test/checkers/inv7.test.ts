import { describe, expect, it } from 'vitest';
import { LogBuilder } from '../helpers/logBuilder.js';

const end = (b: LogBuilder, reason = 'quiescent'): LogBuilder => {
  b.entries.push({ seq: b.entries.length + 1, step: 99, kind: 'sched', actor: 'sched', type: 'End', cause: null, data: { reason, steps: 99, waiting: [] } });
  return b;
};

describe('INV-7 invalidation bookkeeping', () => {
  it('should hold for a balanced invalidation with a range', () => {
    const b = new LogBuilder()
      .next()
      .fact('mmu', 'InvalidateBegin', { inProgress: 1 })
      .fact('mmu', 'RangeAdded', { start: 10, end: 11 })
      .next()
      .fact('mmu', 'InvalidateEnd', { seq: 1, inProgress: 0 });
    expect(
      end(b)
        .check()
        .filter((v) => v.invariant === 'INV-7')
    ).toEqual([]);
  });

  it('should fire when an invalidation ends with no range added (F-1912)', () => {
    const b = new LogBuilder().next().fact('mmu', 'InvalidateBegin', { inProgress: 1 }).next().fact('mmu', 'InvalidateEnd', { seq: 1, inProgress: 0 });
    const v = b.check().filter((x) => x.invariant === 'INV-7');
    expect(v).toHaveLength(1);
    expect(v[0]?.message).toContain('without any range added');
  });

  it('should fire on a dangling invalidation at VM destruction (B1) and on a negative count', () => {
    const dangling = end(new LogBuilder().next().fact('mmu', 'InvalidateBegin', { inProgress: 1 }));
    expect(dangling.check().map((v) => v.invariant)).toContain('INV-7');
    const negative = new LogBuilder().next().fact('mmu', 'RangeAdded', { start: 1, end: 2 }).fact('mmu', 'InvalidateEnd', { seq: 1, inProgress: -1 });
    expect(
      negative
        .check()
        .filter((v) => v.invariant === 'INV-7')
        .map((v) => v.message)
        .join('\n')
    ).toMatch(/negative[\s\S]*|range_add at step/);
  });
});
