/**
 * The upstream checkers on hand-built logs: each fires on one fact list and
 * holds on a close one (INV-4 upstream form, INV-5 with VM attributes, INV-8,
 * INV-10, INV-19, INV-21).
 */
import { describe, expect, it } from 'vitest';
import type { Payload } from '../../src/events/logEntry.js';
import { handHeader, LogBuilder } from '../helpers/logBuilder.js';

const G = 0x100000;
type F = readonly [actor: string, type: string, data: Payload];

function found(fs: readonly F[], mode = 'upstream-6.8'): string[] {
  const b = new LogBuilder();
  // The VM set-up facts are step 0 (set-up), every other fact its own step.
  for (const f of fs) (VM.includes(f) ? b : b.next()).fact(f[0], f[1], f[2]);
  return [...new Set(b.check(handHeader(mode)).map((v) => v.invariant))];
}

const VM: F[] = [
  ['kvm', 'VmCreated', { vm: 'kvm', type: 'SW_PROTECTED', preFaultAllowed: true }],
  [
    'kvm',
    'MemslotCreated',
    { vm: 'kvm', slot: 's0.0#1', id: 0, asId: 0, baseGfn: G, npages: 1024, flags: 'GUEST_MEMFD', gmem: 'gmem0', pgoff: 0, userspacePage: 0x40000 }
  ],
  ['kvm', 'MemslotCreated', { vm: 'kvm', slot: 's0.1#2', id: 1, asId: 0, baseGfn: G + 1024, npages: 4, flags: '', gmem: '', pgoff: 0, userspacePage: 0x50000 }],
  ['gmem0', 'GmemCreated', { gmem: 'gmem0', pages: 1024, flags: '', folioOrder: 0 }],
  ['gmem0', 'GmemBound', { gmem: 'gmem0', slot: 0, pgoff: 0, npages: 1024, baseGfn: G, uid: 's0.0#1' }],
  ['gmem0', 'AttrStored', { gmem: 'gmem0', start: 0, end: 1024, private: true }]
];
const lockSlots: F = ['kvm', 'LockAcquired', { lock: 'slots', mode: 'W', holder: 't0' }];
const unlockSlots: F = ['kvm', 'LockReleased', { lock: 'slots', mode: 'W', holder: 't0' }];
const begin: F = ['mmu', 'InvalidateBegin', { inProgress: 1 }];
const range = (s: number, e: number): F => ['mmu', 'RangeAdded', { start: s, end: e }];
const end: F = ['mmu', 'InvalidateEnd', { seq: 1, inProgress: 0 }];
const store = (s: number, e: number, priv: boolean): F => ['kvm', 'VmAttrStored', { vm: 'kvm', start: s, end: e, private: priv, by: 't0' }];
const op = (name: string): F => ['t0', 'OpStarted', { thread: 't0', op: 0, name }];
const opEnd = (name: string): F => ['t0', 'OpReturned', { thread: 't0', op: 0, name, rc: '0', errorOffset: null }];
const shared = (gfn: number, level = 1, page = 0x40000 + (gfn - G)): F => [
  'mmu',
  'SptInstalled',
  { root: 'direct', gfn, level, private: false, pfn: 'shm', subpage: page, by: 'vcpu0' }
];

describe('INV-4 (upstream): VM attribute writes under slots_lock inside an invalidation', () => {
  it('fires without slots_lock, or over a memslot outside begin..end', () => {
    expect(found([...VM, op('setMemoryAttributes'), begin, range(G, G + 1), store(G, G + 1, true), end])).toContain('INV-4');
    expect(found([...VM, op('setMemoryAttributes'), lockSlots, store(G, G + 1, true), unlockSlots])).toContain('INV-4');
  });
  it('holds under slots_lock inside the invalidation, and outside memslots without one', () => {
    expect(
      found([...VM, op('setMemoryAttributes'), lockSlots, begin, range(G, G + 1), store(G, G + 1, true), end, unlockSlots, opEnd('setMemoryAttributes')])
    ).toEqual([]);
    expect(found([...VM, op('setMemoryAttributes'), lockSlots, store(0, 1, true), unlockSlots])).toEqual([]);
  });
});

describe('INV-5 with VM attributes', () => {
  it('fires for a shared SPTE over a private gfn, or one mapping the wrong userspace page', () => {
    expect(found([...VM, op('setMemoryAttributes'), lockSlots, store(G, G + 1, true), unlockSlots, shared(G)])).toContain('INV-5');
    expect(found([...VM, shared(G, 1, 0x12345)])).toContain('INV-5');
  });
  it('holds for a shared SPTE to the userspace page of a shared gfn', () => {
    expect(found([...VM, shared(G)])).toEqual([]);
  });
  it('judges an SMM root by the memslots of address space 1', () => {
    const smmSlot: F = [
      'kvm',
      'MemslotCreated',
      { vm: 'kvm', slot: 's1.0#3', id: 0, asId: 1, baseGfn: G, npages: 4, flags: '', gmem: '', pgoff: 0, userspacePage: 0x60000 }
    ];
    const smm = (page: number): F => ['mmu', 'SptInstalled', { root: 'direct-smm', gfn: G, level: 1, private: false, pfn: 'shm', subpage: page, by: 'vcpu0' }];
    expect(found([...VM, smmSlot, smm(0x60000)])).toEqual([]);
    // The address-space-0 page is the wrong one for the SMM root; no SMM memslot at all is wrong too.
    expect(found([...VM, smmSlot, smm(0x40000)])).toContain('INV-5');
    expect(found([...VM, smm(0x40000)])).toContain('INV-5');
  });
});

describe('INV-8 huge mappings', () => {
  it('fires for an lpage_info read of an uncontained hugepage, a 2M leaf over mixed attributes or across memslots', () => {
    expect(found([...VM, ['kvm', 'LpageInfoRead', { vm: 'kvm', slot: 's0.0#1', level: 3, base: G, contained: false }]])).toEqual(['INV-8']);
    expect(found([...VM, op('setMemoryAttributes'), lockSlots, begin, range(G, G + 1), store(G, G + 1, true), end, unlockSlots, shared(G, 2)])).toContain(
      'INV-8'
    );
    expect(found([...VM, shared(G + 1024, 2, 0x50000)])).toContain('INV-8');
  });
  it('holds for a 2M leaf over a uniform contained hugepage and a contained lpage read', () => {
    expect(found([...VM, ['kvm', 'LpageInfoRead', { vm: 'kvm', slot: 's0.0#1', level: 2, base: G, contained: true }], shared(G, 2)])).toEqual([]);
  });
});

describe('INV-10 binding and memslot lifetime', () => {
  const freed: F = ['kvm', 'MemslotFreed', { vm: 'kvm', slot: 's0.0#1' }];
  const unbound: F = ['gmem0', 'GmemUnbound', { gmem: 'gmem0', slot: 0, uid: 's0.0#1', pgoff: 0, npages: 1024 }];
  it('fires when a freed memslot is written or still bound', () => {
    expect(found([...VM, unbound, freed, ['kvm', 'MemslotGmemCleared', { vm: 'kvm', slot: 's0.0#1', by: 'kworker-gmem0', freed: true }]])).toEqual(['INV-10']);
    expect(found([...VM, freed])).toEqual(['INV-10']);
  });
  it('holds when the binding goes before the memslot is freed', () => {
    expect(found([...VM, ['kvm', 'MemslotGmemCleared', { vm: 'kvm', slot: 's0.0#1', by: 't1', freed: false }], unbound, freed])).toEqual([]);
  });
});

describe('INV-19 attributes change only through attribute operations', () => {
  it('fires when PUNCH_HOLE (or no op) changes attributes', () => {
    expect(found([...VM, op('punchHole'), lockSlots, begin, range(G, G + 1), store(G, G + 1, true), end, unlockSlots])).toContain('INV-19');
  });
  it('holds for KVM_SET_MEMORY_ATTRIBUTES', () => {
    expect(found([...VM, op('setMemoryAttributes'), lockSlots, begin, range(G, G + 1), store(G, G + 1, true), end, unlockSlots])).toEqual([]);
  });
});

describe('INV-21 every overlapping memslot is zapped', () => {
  const slot1 = G + 1024;
  it('fires when a shared SPTE of a shared-only slot survives a change to private', () => {
    const fs: F[] = [
      ...VM,
      shared(slot1, 1, 0x50000),
      op('setMemoryAttributes'),
      lockSlots,
      begin,
      range(slot1, slot1 + 1),
      store(slot1, slot1 + 1, true),
      end,
      unlockSlots
    ];
    expect(found(fs)).toContain('INV-21');
  });
  it('holds when it was zapped', () => {
    const zap: F = ['mmu', 'SpteZapped', { root: 'direct', gfn: slot1, level: 1, private: false }];
    const fs: F[] = [
      ...VM,
      shared(slot1, 1, 0x50000),
      op('setMemoryAttributes'),
      lockSlots,
      begin,
      range(slot1, slot1 + 1),
      zap,
      store(slot1, slot1 + 1, true),
      end,
      unlockSlots
    ];
    expect(found(fs)).toEqual([]);
  });
});
