import { describe, expect, it } from 'vitest';
import { facts, record } from '../helpers/run.js';
import { LogBuilder } from '../helpers/logBuilder.js';

const spte = { root: 'mirror', gfn: 0x100000, level: 1, private: true, pfn: 'gmem0/f0', subpage: 0, by: 'vcpu0' };
const pte = { mm: 'mm', page: 0, gmem: 'gmem0', index: 0, folio: 'gmem0/f0', subpage: 0 };
const only16 = (b: LogBuilder) => b.check().filter((v) => v.invariant === 'INV-16');

describe('INV-16 arch prepare/invalidate bracketing', () => {
  it('should hold: prepared before the private SPTE, invalidated before the host maps it and before it is freed', () => {
    const b = new LogBuilder().gmem(1).folio(0).next().fact('gmem0/f0', 'FolioPrepared', { folio: 'gmem0/f0' }).next().fact('mmu', 'SptInstalled', spte);
    b.next().fact('gmem0/f0', 'FolioArchInvalidated', { folio: 'gmem0/f0', why: 'convert' }).next().fact('mm', 'HostPteInstalled', pte);
    b.next().fact('gmem0/f0', 'FolioFreed', { folio: 'gmem0/f0' });
    expect(only16(b)).toEqual([]);
  });

  it('should fire on a private SPTE to an unprepared folio', () => {
    expect(only16(new LogBuilder().gmem(1).folio(0).next().fact('mmu', 'SptInstalled', spte))[0]?.message).toContain('never arch-prepared');
  });

  it('should fire when a prepared folio is host-mapped or freed without invalidation', () => {
    const mapped = new LogBuilder().gmem(1).folio(0).next().fact('gmem0/f0', 'FolioPrepared', { folio: 'gmem0/f0' }).next().fact('mm', 'HostPteInstalled', pte);
    expect(only16(mapped)[0]?.message).toContain('host-mapped');
    const freed = new LogBuilder()
      .gmem(1)
      .folio(0)
      .next()
      .fact('gmem0/f0', 'FolioPrepared', { folio: 'gmem0/f0' })
      .next()
      .fact('gmem0/f0', 'FolioFreed', { folio: 'gmem0/f0' });
    expect(only16(freed)[0]?.message).toContain('freed');
  });

  it('should see the model prepare on a private guest fault and invalidate on conversion to shared', () => {
    const run = record('guest-map-gpa-range', 3);
    expect(run.result.violations).toEqual([]);
    expect(facts(run, 'FolioPrepared').length).toBeGreaterThan(0);
    expect(facts(run, 'FolioArchInvalidated').map((e) => e.data['why'])).toContain('convert');
  });
});
