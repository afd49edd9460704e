import { describe, expect, it } from 'vitest';
import { handHeader, LogBuilder } from '../helpers/logBuilder.js';

function deliveries(b: LogBuilder, n: number): LogBuilder {
  for (let i = 0; i < n; i++) {
    b.next();
    b.entries.push({ seq: b.entries.length + 1, step: 0, kind: 'sched', actor: 't0', type: 'Deliver', cause: 1, data: { from: 'mmu', of: 1 } });
  }
  return b;
}

describe('LIVENESS bounded progress', () => {
  const header = handHeader('rfc-inplace-v8', { livenessStepsMax: 10 });
  it('should fire when an operation stays pending alone beyond the bound', () => {
    const b = new LogBuilder().fact('t0', 'OpStarted', { thread: 't0', op: 0, name: 'convert' });
    const v = deliveries(b, 11)
      .check(header)
      .filter((x) => x.invariant === 'LIVENESS');
    expect(v).toHaveLength(1);
    expect(v[0]?.message).toContain('t0 op 0 (convert)');
  });

  it('should hold when the operation returns in time, or while another operation is in flight', () => {
    const quick = deliveries(new LogBuilder().fact('t0', 'OpStarted', { thread: 't0', op: 0, name: 'convert' }), 9).fact('t0', 'OpReturned', {
      thread: 't0',
      op: 0,
      name: 'convert',
      rc: '0',
      errorOffset: null
    });
    expect(deliveries(quick, 20).check(header)).toEqual([]);
    const busy = new LogBuilder()
      .fact('t0', 'OpStarted', { thread: 't0', op: 0, name: 'convert' })
      .fact('t1', 'OpStarted', { thread: 't1', op: 0, name: 'access' });
    expect(deliveries(busy, 50).check(header)).toEqual([]);
  });
});
