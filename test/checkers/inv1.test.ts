import { describe, expect, it } from 'vitest';
import { LogBuilder } from '../helpers/logBuilder.js';

const pte = (index: number) => ({ mm: 'mm', page: index, gmem: 'gmem0', index, folio: `gmem0/f${index}`, subpage: 0 });

describe('INV-1 no private page in host page tables', () => {
  it('should fire when a PTE is installed on a private page', () => {
    const log = new LogBuilder()
      .gmem(2)
      .folio(0)
      .next()
      .fact('gmem0', 'AttrStored', { gmem: 'gmem0', start: 0, end: 1, private: true })
      .next()
      .fact('mm', 'HostPteInstalled', pte(0));
    const v = log.check();
    expect(v.map((x) => x.invariant)).toEqual(['INV-1']);
    expect(v[0]?.message).toContain('private page 0x0 of gmem0 mapped in mm');
    expect(v[0]?.steps).toEqual([1, 2]);
  });

  it('should fire when a mapped page is committed private', () => {
    const log = new LogBuilder()
      .gmem(2)
      .folio(1)
      .next()
      .fact('mm', 'HostPteInstalled', pte(1))
      .next()
      .fact('gmem0', 'AttrStored', { gmem: 'gmem0', start: 0, end: 2, private: true });
    expect(log.check().filter((x) => x.invariant === 'INV-1')).toHaveLength(1);
  });

  it('should hold when the PTE is zapped before the commit and shared pages stay mapped', () => {
    const log = new LogBuilder()
      .gmem(2)
      .folio(0)
      .folio(1)
      .next()
      .fact('mm', 'HostPteInstalled', pte(0))
      .fact('mm', 'HostPteInstalled', pte(1))
      .next()
      .fact('mm', 'HostPteZapped', pte(0))
      .next()
      .fact('gmem0', 'AttrStored', { gmem: 'gmem0', start: 0, end: 1, private: true });
    expect(log.check().filter((x) => x.invariant === 'INV-1')).toEqual([]);
  });
});
