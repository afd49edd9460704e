import { describe, expect, it } from 'vitest';
import { facts, record } from '../helpers/run.js';
import { handHeader, LogBuilder } from '../helpers/logBuilder.js';
import { inv16 } from '../../src/projections/checkers/inv16ArchBracketing.js';

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

describe('INV-16 in rfc-1g-v2 (per subpage, across split and merge)', () => {
  const HUGE = handHeader('rfc-1g-v2');
  const only16Huge = (b: LogBuilder) => b.check(HUGE).filter((v) => v.invariant === 'INV-16');
  const huge = { gmem: 'gmem0', base: 0, order: 9, hugePage: 'hp1' };
  const privSpte = (pfn: string, subpage: number, level: number) => ({
    root: 'mirror',
    gfn: 0x100000 + subpage,
    level,
    private: true,
    pfn,
    subpage,
    by: 'vcpu0'
  });
  const hostPte = (folio: string, index: number) => ({ mm: 'mm', page: index, gmem: 'gmem0', index, folio, subpage: 0 });
  /** A 2M huge folio F of huge page hp1, prepared by a private fault and mapped by a 2M leaf. */
  const prepared = () =>
    new LogBuilder()
      .fact('gmem0', 'GmemCreated', { gmem: 'gmem0', pages: 512, flags: '', folioOrder: 9 })
      .fact('gmem0', 'AttrStored', { gmem: 'gmem0', start: 0, end: 512, private: true })
      .next()
      .fact('F', 'FolioAllocated', { folio: 'F', ...huge })
      .next()
      .fact('F', 'FolioPrepared', { folio: 'F' })
      .next()
      .fact('mmu', 'SptInstalled', privSpte('F', 0, 2));
  /** The 4K folio `id` of the split huge page hp1 at `index`. */
  const sub = (b: LogBuilder, id: string, index: number) =>
    b.fact(id, 'FolioAllocated', { folio: id, gmem: 'gmem0', base: index, order: 0, hugeOrigin: 'hp1' });
  /** Pages 4-5 converted to shared (invalidated unless `skip`), F split, page 5 host-mapped. */
  const convertShared = (skip = false, start = 4, end = 6) => {
    const b = prepared().next();
    if (!skip) b.fact('F', 'FolioArchInvalidated', { folio: 'F', why: 'convert', start, end });
    b.fact('gmem0', 'AttrStored', { gmem: 'gmem0', start: 4, end: 6, private: false }).fact('gmem0', 'FolioSplit', { folio: 'F', ...huge, reason: 'convert' });
    return sub(b.next(), 's5', 5).next().fact('mm', 'HostPteInstalled', hostPte('s5', 5));
  };

  it('should be checked in rfc-1g-v2 and not in fd-2022 (whose design predates the arch hooks)', () => {
    expect(inv16.modes).toContain('rfc-1g-v2');
    expect(inv16.modes).not.toContain('fd-2022');
  });

  it('should hold: the converted subpages invalidated, the split keeping the rest prepared, a merge carrying both, the free invalidating', () => {
    const b = sub(convertShared().next(), 's300', 300)
      .next()
      .fact('mmu', 'SptInstalled', privSpte('s300', 0, 1));
    // Converting back merges: M is prepared except pages 4-5; the private fault prepares the whole folio again.
    b.next()
      .fact('gmem0', 'FolioMerged', { folio: 'M', ...huge, from: ['s5', 's300'], reason: 'convert' })
      .fact('M', 'FolioAllocated', { folio: 'M', ...huge });
    b.next()
      .fact('M', 'FolioPrepared', { folio: 'M' })
      .next()
      .fact('mmu', 'SptInstalled', privSpte('M', 0, 2));
    b.next().fact('M', 'FolioArchInvalidated', { folio: 'M', why: 'free' }).fact('M', 'FolioFreed', { folio: 'M', by: 't0' });
    expect(only16Huge(b)).toEqual([]);
  });

  it('should fire when the conversion to shared skips the arch invalidation (B22): the split 4K folio is host-mapped still prepared', () => {
    const v = only16Huge(convertShared(true));
    expect(v.map((x) => x.message)).toEqual([expect.stringContaining('folio s5 (subpage 5 of huge page hp1) host-mapped')]);
  });

  it('should fire when only part of the converted range was invalidated', () => {
    expect(only16Huge(convertShared(false, 4, 5))[0]?.message).toContain('host-mapped');
  });

  it('should fire when a merged folio is mapped private over pages the conversion invalidated, without a new prepare', () => {
    const b = convertShared()
      .next()
      .fact('gmem0', 'FolioMerged', { folio: 'M', ...huge, from: ['s5'], reason: 'convert' })
      .fact('M', 'FolioAllocated', { folio: 'M', ...huge })
      .next()
      .fact('mmu', 'SptInstalled', privSpte('M', 0, 2));
    expect(only16Huge(b)[0]?.message).toMatch(/maps folio M, which is not arch-prepared \(subpage 4 of huge page hp1\)/);
  });

  it('should fire when a merged folio that kept prepared pages is freed without the invalidation', () => {
    const b = convertShared()
      .next()
      .fact('gmem0', 'FolioMerged', { folio: 'M', ...huge, from: ['s5'], reason: 'truncate' })
      .fact('M', 'FolioAllocated', { folio: 'M', ...huge })
      .next()
      .fact('M', 'FolioFreed', { folio: 'M', by: 't0' });
    expect(only16Huge(b)[0]?.message).toContain('folio M (subpage 0 of huge page hp1) freed');
  });

  it('should follow an invalidation the inode records for 4K folios not yet materialised (against the split huge folio)', () => {
    const b = convertShared().next().fact('gmem0', 'FolioArchInvalidated', { folio: 'F', why: 'convert', start: 10, end: 12 });
    sub(b.next(), 's10', 10).next().fact('mm', 'HostPteInstalled', hostPte('s10', 10));
    expect(only16Huge(b)).toEqual([]);
    const missed = sub(convertShared().next(), 's11', 11).next().fact('mm', 'HostPteInstalled', hostPte('s11', 11));
    expect(only16Huge(missed)[0]?.message).toContain('subpage 11 of huge page hp1');
  });
});
