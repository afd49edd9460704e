/**
 * INV-21, GMEM_ONLY clause, on hand-built upstream-6.18 logs: a guest_memfd
 * invalidation (recognised by its thread holding the file's invalidate_lock
 * while it holds mmu_lock for write around begin / range_add / end) must zap
 * every SPTE of a GMEM_ONLY memslot in its range, shared ones included.
 */
import { describe, expect, it } from 'vitest';
import type { Payload } from '../../src/events/logEntry.js';
import type { Violation } from '../../src/projections/violation.js';
import { handHeader, LogBuilder } from '../helpers/logBuilder.js';

const G = 0x100000;
type F = readonly [actor: string, type: string, data: Payload];

/** Set-up (step 0): a DEFAULT VM, a 4-page MMAP|INIT_SHARED guest_memfd bound to memslot 0 (GMEM_ONLY), and memslot 1 (plain guest_memfd slot) bound to a second file. */
const VM: readonly F[] = [
  ['kvm', 'VmCreated', { vm: 'kvm', type: 'DEFAULT', preFaultAllowed: true }],
  [
    'kvm',
    'MemslotCreated',
    { vm: 'kvm', slot: 's0.0#1', id: 0, asId: 0, baseGfn: G, npages: 4, flags: 'GUEST_MEMFD,GMEM_ONLY', gmem: 'gmem0', pgoff: 0, userspacePage: 0 }
  ],
  [
    'kvm',
    'MemslotCreated',
    { vm: 'kvm', slot: 's0.1#2', id: 1, asId: 0, baseGfn: G + 4, npages: 4, flags: 'GUEST_MEMFD', gmem: 'gmem1', pgoff: 0, userspacePage: 0x50000 }
  ],
  ['gmem0', 'GmemCreated', { gmem: 'gmem0', pages: 4, flags: 'MMAP|INIT_SHARED', folioOrder: 0 }],
  ['gmem0', 'GmemBound', { gmem: 'gmem0', slot: 0, pgoff: 0, npages: 4, baseGfn: G, uid: 's0.0#1' }],
  ['gmem0', 'AttrStored', { gmem: 'gmem0', start: 0, end: 4, private: false }],
  ['gmem1', 'GmemCreated', { gmem: 'gmem1', pages: 4, flags: 'MMAP', folioOrder: 0 }],
  ['gmem1', 'GmemBound', { gmem: 'gmem1', slot: 1, pgoff: 0, npages: 4, baseGfn: G + 4, uid: 's0.1#2' }],
  ['gmem1', 'AttrStored', { gmem: 'gmem1', start: 0, end: 4, private: false }]
];

const folio = (gmem: string, index: number): F => [`${gmem}/f${index}`, 'FolioAllocated', { folio: `${gmem}/f${index}`, gmem, base: index, order: 0 }];
/** A shared SPTE of the GMEM_ONLY slot: it maps the guest_memfd folio of its index. */
const sharedGmem = (index: number): F => [
  'mmu',
  'SptInstalled',
  { root: 'direct', gfn: G + index, level: 1, private: false, pfn: `gmem0/f${index}`, subpage: 0, by: 'vcpu0' }
];
/** A shared SPTE of memslot 1: it maps the userspace page behind `userspace_addr`. */
const sharedShm = (index: number): F => [
  'mmu',
  'SptInstalled',
  { root: 'direct', gfn: G + 4 + index, level: 1, private: false, pfn: 'shm', subpage: 0x50000 + index, by: 'vcpu0' }
];
const zap = (gfn: number): F => ['mmu', 'SpteZapped', { root: 'direct', gfn, level: 1, private: false }];
const lock = (actor: string, name: string, mode: 'R' | 'W', holder: string): F => [actor, 'LockAcquired', { lock: name, mode, holder }];
const unlock = (actor: string, name: string, mode: 'R' | 'W', holder: string): F => [actor, 'LockReleased', { lock: name, mode, holder }];

/**
 * A guest_memfd invalidation (`kvm_gmem_punch_hole` shape) by `t` of gfns
 * `[start, end)` of `gmem`: invalidate_lock, mmu_lock(W) begin + range_add +
 * `zaps`, unlock, then mmu_lock(W) end, unlock, invalidate_lock released.
 * `inProgress` is the count after its begin.
 */
function gmemInvalidation(t: string, gmem: string, start: number, end: number, zaps: readonly F[] = [], mode: 'R' | 'W' = 'W', inProgress = 1): F[][] {
  return [
    [lock(gmem, 'invalidate', mode, t)],
    [lock('mmu', 'mmu', 'W', t), ['mmu', 'InvalidateBegin', { inProgress }], ['mmu', 'RangeAdded', { start, end }], ...zaps, unlock('mmu', 'mmu', 'W', t)],
    [
      lock('mmu', 'mmu', 'W', t),
      ['mmu', 'InvalidateEnd', { seq: 1, inProgress: inProgress - 1 }],
      unlock('mmu', 'mmu', 'W', t),
      unlock(gmem, 'invalidate', mode, t)
    ]
  ];
}

/** Builds the log: set-up facts at step 0, then one step per group. */
function check(groups: readonly (readonly F[])[]): Violation[] {
  const b = new LogBuilder();
  for (const f of VM) b.fact(f[0], f[1], f[2]);
  for (const g of groups) {
    b.next();
    for (const f of g) b.fact(f[0], f[1], f[2]);
  }
  return [...b.check(handHeader('upstream-6.18'))];
}

const inv21 = (vs: readonly Violation[]): Violation[] => vs.filter((v) => v.invariant === 'INV-21');

describe('INV-21 GMEM_ONLY clause: guest_memfd invalidations zap shared SPTEs too', () => {
  it('fires when a shared SPTE of a GMEM_ONLY slot survives a PUNCH_HOLE invalidation (B20)', () => {
    const vs = check([[folio('gmem0', 0)], [sharedGmem(0)], ...gmemInvalidation('t0', 'gmem0', G, G + 1)]);
    expect(vs.map((v) => v.invariant)).toEqual(['INV-21']);
    expect(vs[0]?.message).toContain('shared SPTE direct:0x100000 of GMEM_ONLY memslot s0.0#1 (maps gmem0/f0');
    expect(vs[0]?.message).toContain('survived the gmem0 invalidation of [0x100000, 0x100001) that t0 began at step 4');
    expect(vs[0]?.steps).toEqual([2, 4, 5]);
  });

  it('fires for a memory-failure invalidation (invalidate_lock held shared)', () => {
    expect(inv21(check([[folio('gmem0', 2)], [sharedGmem(2)], ...gmemInvalidation('t1', 'gmem0', G + 2, G + 3, [], 'R')]))).toHaveLength(1);
  });

  it('holds when the invalidation zapped the shared SPTE', () => {
    expect(check([[folio('gmem0', 0)], [sharedGmem(0)], ...gmemInvalidation('t0', 'gmem0', G, G + 1, [zap(G)])])).toEqual([]);
  });

  it('holds for SPTEs outside the added range, installed after the begin, or of a slot that is not GMEM_ONLY', () => {
    // Outside the range: page 1 was not punched.
    expect(check([[folio('gmem0', 1)], [sharedGmem(1)], ...gmemInvalidation('t0', 'gmem0', G, G + 1)])).toEqual([]);
    // Memslot 1 is not GMEM_ONLY: its shared SPTEs map userspace memory and are the mmu-notifier's business.
    expect(inv21(check([[sharedShm(0)], ...gmemInvalidation('t0', 'gmem1', G + 4, G + 5)]))).toEqual([]);
    // Installed after the begin (a racing fault: INV-6's business, not this clause's).
    const [pre, begin, end] = gmemInvalidation('t0', 'gmem0', G, G + 1) as [F[], F[], F[]];
    expect(inv21(check([[folio('gmem0', 0)], pre, begin, [sharedGmem(0)], end]))).toEqual([]);
  });

  it('holds for an invalidation whose thread holds no invalidate_lock (mmu-notifier, attribute change)', () => {
    const t = 't2';
    const notifier: F[][] = [
      [
        lock('mmu', 'mmu', 'W', t),
        ['mmu', 'InvalidateBegin', { inProgress: 1 }],
        ['mmu', 'RangeAdded', { start: G, end: G + 1 }],
        unlock('mmu', 'mmu', 'W', t)
      ],
      [lock('mmu', 'mmu', 'W', t), ['mmu', 'InvalidateEnd', { seq: 1, inProgress: 0 }], unlock('mmu', 'mmu', 'W', t)]
    ];
    expect(check([[folio('gmem0', 0)], [sharedGmem(0)], ...notifier])).toEqual([]);
  });

  it('pairs begin and end per thread when invalidations overlap', () => {
    // t2 (no guest_memfd lock) begins first and ends while t0's guest_memfd invalidation is still in flight.
    const t = 't2';
    const [pre, begin, end] = gmemInvalidation('t0', 'gmem0', G, G + 1, [], 'W', 2) as [F[], F[], F[]];
    const vs = check([
      [folio('gmem0', 0)],
      [sharedGmem(0)],
      [
        lock('mmu', 'mmu', 'W', t),
        ['mmu', 'InvalidateBegin', { inProgress: 1 }],
        ['mmu', 'RangeAdded', { start: G + 2, end: G + 3 }],
        unlock('mmu', 'mmu', 'W', t)
      ],
      pre,
      begin,
      [lock('mmu', 'mmu', 'W', t), ['mmu', 'InvalidateEnd', { seq: 1, inProgress: 1 }], unlock('mmu', 'mmu', 'W', t)],
      end.map((f): F => (f[1] === 'InvalidateEnd' ? ['mmu', 'InvalidateEnd', { seq: 2, inProgress: 0 }] : f))
    ]);
    expect(inv21(vs)).toHaveLength(1);
    expect(inv21(vs)[0]?.step).toBe(7);
    expect(inv21(vs)[0]?.message).toContain('that t0 began at step 5');
  });
});
