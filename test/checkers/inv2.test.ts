import { describe, expect, it } from 'vitest';
import { LogBuilder } from '../helpers/logBuilder.js';

const commit = { gmem: 'gmem0', start: 0, end: 1, private: true };

describe('INV-2 no extra references across a shared->private commit', () => {
  it('should fire when a FOLL_GET reference (vmsplice) survives the commit', () => {
    const log = new LogBuilder()
      .gmem(1)
      .folio(0)
      .next()
      .fact('gmem0/f0', 'FolioRef', { folio: 'gmem0/f0', delta: 1, refcount: 2, why: 'gup-get' })
      .fact('gmem0/f0', 'GupPinned', { pin: 'pipe', folio: 'gmem0/f0', subpage: 0, gmem: 'gmem0', index: 0, kind: 'get', longterm: false })
      .next()
      .fact('gmem0', 'AttrStored', commit);
    const v = log.check();
    expect(v.map((x) => x.invariant)).toEqual(['INV-2']);
    expect(v[0]?.message).toContain('FOLL_GET reference pipe');
    expect(v[0]?.steps).toEqual([1, 2]);
  });

  it('should fire on an unexplained extra reference (an in-flight fault) at the commit', () => {
    const log = new LogBuilder()
      .gmem(1)
      .folio(0)
      .next()
      .fact('gmem0/f0', 'FolioRef', { folio: 'gmem0/f0', delta: 1, refcount: 2, why: 'fault' })
      .next()
      .fact('gmem0', 'AttrStored', commit);
    expect(log.check()[0]?.message).toContain('refcount 2, expected 1');
  });

  it('should fire when a pin is taken on a private page', () => {
    const log = new LogBuilder()
      .gmem(1, false)
      .folio(0)
      .next()
      .fact('gmem0/f0', 'GupPinned', { pin: 'dma', folio: 'gmem0/f0', subpage: 0, gmem: 'gmem0', index: 0, kind: 'pin', longterm: true });
    expect(log.check().map((x) => x.invariant)).toEqual(['INV-2']);
  });

  it('should hold when the reference is dropped before the commit', () => {
    const log = new LogBuilder()
      .gmem(1)
      .folio(0)
      .next()
      .fact('gmem0/f0', 'FolioRef', { folio: 'gmem0/f0', delta: 1024, refcount: 1025, why: 'gup-pin' })
      .fact('gmem0/f0', 'GupPinned', { pin: 'dma', folio: 'gmem0/f0', subpage: 0, gmem: 'gmem0', index: 0, kind: 'pin', longterm: true })
      .next()
      .fact('gmem0/f0', 'GupUnpinned', { pin: 'dma', folio: 'gmem0/f0' })
      .fact('gmem0/f0', 'FolioRef', { folio: 'gmem0/f0', delta: -1024, refcount: 1, why: 'gup-pin' })
      .next()
      .fact('gmem0', 'AttrStored', commit);
    expect(log.check()).toEqual([]);
  });

  it('should hold for a truncated folio that is still pinned (its memory left the file)', () => {
    const log = new LogBuilder()
      .gmem(1)
      .folio(0)
      .next()
      .fact('gmem0/f0', 'GupPinned', { pin: 'dma', folio: 'gmem0/f0', subpage: 0, gmem: 'gmem0', index: 0, kind: 'pin', longterm: true })
      .fact('gmem0/f0', 'FolioTruncated', { folio: 'gmem0/f0', gmem: 'gmem0', base: 0 })
      .next()
      .fact('gmem0', 'AttrStored', commit);
    expect(log.check()).toEqual([]);
  });
});
