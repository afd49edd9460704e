/**
 * Built-in scenarios of the earlier designs: mode rfc-1g-v1 (VM attributes +
 * guest_memfd faultability, HugeTLB split before host mapping; O6 RFC 1G-v1
 * addition, O7c, O15 v1) and mode fd-2022 (memfile_notifier: private = allocated
 * in the backing store). Each op carries the outcomes the protocol allows.
 */
import type { ScenarioInput } from './schema.js';

const PAGE = 4096;
/** Default memslot base gfn (`gmem.baseGfn`): index i is gpa (BASE + i) * PAGE. */
const BASE = 0x100000;
/** `KVM_MEMORY_ATTRIBUTE_PRIVATE`. */
const PRIVATE = 8;

/** `KVM_SET_MEMORY_ATTRIBUTES` of guest_memfd pages `[index, index + npages)` (through the default memslot). */
function setAttrs(index: number, npages: number, priv: boolean, expect: string | string[]): ScenarioInput['threads'][number]['ops'][number] {
  return { op: 'setMemoryAttributes', address: (BASE + index) * PAGE, size: npages * PAGE, attributes: priv ? PRIVATE : 0, expect };
}

/** Scenarios of modes rfc-1g-v1 and fd-2022. */
export const MODE_SCENARIO_INPUTS: readonly ScenarioInput[] = [
  {
    name: 'v1-faultability-roundtrip',
    mode: 'rfc-1g-v1',
    description:
      'RFC 1G-v1, one thread: argument errors of KVM_SET_MEMORY_ATTRIBUTES; a mapped page cannot become private (-EINVAL, ' +
      'faultability restored, the page still accessible); after munmap it can, and the host then gets SIGBUS; back to shared ' +
      'the same folio is faultable again with its contents (in place); a no-op request returns 0.',
    gmem: { pages: 4 },
    threads: [
      {
        ops: [
          { op: 'setMemoryAttributes', address: BASE * PAGE, size: PAGE, attributes: PRIVATE, flags: 1, expect: '-EINVAL' },
          { op: 'setMemoryAttributes', address: BASE * PAGE, size: PAGE, attributes: 4, expect: '-EINVAL' },
          { op: 'setMemoryAttributes', address: BASE * PAGE + 1, size: PAGE, attributes: PRIVATE, expect: '-EINVAL' },
          { op: 'setMemoryAttributes', address: BASE * PAGE, size: 0, attributes: PRIVATE, expect: '-EINVAL' },
          { op: 'access', index: 0, write: true, value: 7, expect: '0' },
          setAttrs(0, 1, true, '-EINVAL'),
          { op: 'access', index: 0, expect: '0', expectValue: 7 },
          { op: 'munmap', index: 0, expect: '0' },
          setAttrs(0, 1, true, '0'),
          setAttrs(0, 1, true, '0'),
          { op: 'access', index: 0, expect: 'SIGBUS' },
          { op: 'access', index: 1, expect: '0' },
          setAttrs(0, 1, false, '0'),
          { op: 'access', index: 0, expect: '0', expectValue: 7 },
          { op: 'fallocate', offset: 0, size: 4 * PAGE, expect: '0' },
          { op: 'punchHole', offset: 0, size: PAGE, expect: '0' },
          { op: 'access', index: 0, expect: '0', expectValue: 0 }
        ]
      }
    ]
  },
  {
    name: 'v1-convert-vs-fault',
    mode: 'rfc-1g-v1',
    description:
      'RFC 1G-v1: KVM_SET_MEMORY_ATTRIBUTES to private races a host fault on the same page (spec B10 (b): faultability read ' +
      'vs folio reference). With patch 39 the fault holds invalidate_lock(R) from the faultability check to the folio ' +
      'reference, so either the fault gets SIGBUS or the conversion sees the reference and fails -EINVAL.',
    gmem: { pages: 2 },
    threads: [{ ops: [setAttrs(0, 1, true, ['0', '-EINVAL'])] }, { ops: [{ op: 'access', index: 0, write: true, value: 5, expect: ['0', 'SIGBUS'] }] }]
  },
  {
    name: 'v1-vmsplice-munmap-convert',
    mode: 'rfc-1g-v1',
    description:
      'RFC 1G-v1 (spec B11 (c)): the VMM writes a shared page, vmsplices it (FOLL_GET), unmaps it and asks for private. ' +
      'The refcount check sees the GUP reference and fails -EINVAL; v1 as posted (mapcount/pincount) accepts it.',
    gmem: { pages: 2 },
    threads: [
      {
        ops: [
          { op: 'access', index: 0, write: true, value: 9, expect: '0' },
          { op: 'pin', index: 0, pin: 'vmsplice', kind: 'get', expect: '0' },
          { op: 'munmap', index: 0, expect: '0' },
          setAttrs(0, 1, true, '-EINVAL'),
          { op: 'unpin', pin: 'vmsplice', expect: '0' },
          setAttrs(0, 1, true, '0')
        ]
      }
    ]
  },
  {
    name: 'v1-hugepage-split',
    mode: 'rfc-1g-v1',
    description:
      'RFC 1G-v1 with 2M HugeTLB folios, created unfaultable (private-only use): hugepage 0 is made private, one page ' +
      'shared (its huge folio is split before it becomes faultable), the host maps only that page; making it private again ' +
      'needs munmap and merges nothing; PUNCH_HOLE reunites and frees the huge page; a second thread does the same on hugepage 1.',
    gmem: { pages: 1024, folioSize: '2M', initShared: false },
    threads: [
      {
        ops: [
          { op: 'fallocate', offset: 0, size: 1024 * PAGE, expect: '0' },
          setAttrs(0, 512, true, '0'),
          setAttrs(0, 1, false, '0'),
          { op: 'access', index: 0, write: true, value: 3, expect: '0' },
          { op: 'access', index: 1, expect: 'SIGBUS' },
          { op: 'munmap', index: 0, expect: '0' },
          setAttrs(0, 1, true, '0'),
          { op: 'punchHole', offset: 0, size: 512 * PAGE, expect: '0' },
          { op: 'fallocate', offset: 0, size: 512 * PAGE, expect: '0' }
        ]
      },
      {
        // Hugepage 1; thread 0's fallocate may hold a transient reference (-EINVAL, or a split that cannot freeze).
        ops: [setAttrs(512, 512, true, ['0', '-EINVAL']), setAttrs(600, 1, false, '0'), { op: 'access', index: 600, expect: ['0', 'SIGBUS'] }]
      }
    ]
  },
  {
    name: 'b13-range-store-clobber',
    mode: 'rfc-1g-v1',
    description:
      'Spec B13 (c): make [5,10] shared (faultable), then [7,12] private, then the VMM faults 5 and 6. With per-index stores ' +
      'both are still faultable; a range store (xa_store_range) of [7,12] replaces the whole [5,10] entry and 5 and 6 ' +
      'lose faultability (spurious SIGBUS).',
    gmem: { pages: 16, initShared: false },
    threads: [
      {
        ops: [
          setAttrs(0, 16, true, '0'),
          setAttrs(5, 6, false, '0'),
          setAttrs(7, 6, true, '0'),
          { op: 'access', index: 5, write: true, value: 1, expect: '0' },
          { op: 'access', index: 6, expect: '0' },
          { op: 'access', index: 7, expect: 'SIGBUS' }
        ]
      }
    ]
  },
  {
    name: 'b13-inverted-clobber',
    mode: 'rfc-1g-v1',
    description:
      'Spec B13 with the inverted encoding (presence = unfaultable): make [5,10] private, then [7,12] shared, then the VMM ' +
      'touches page 5, which must stay private (SIGBUS). A range store of [7,12] erases the whole [5,10] entry, so 5 and 6 ' +
      'become faultable while private (INV-3) and the host maps a private page (INV-1).',
    gmem: { pages: 16 },
    threads: [{ ops: [setAttrs(5, 6, true, '0'), setAttrs(7, 6, false, '0'), { op: 'access', index: 5, expect: 'SIGBUS' }] }]
  },
  {
    name: 'v1-guest-private-vs-to-shared',
    mode: 'rfc-1g-v1',
    description:
      'RFC 1G-v1 with a vCPU: the VMM makes pages 0-1 private; the guest writes page 0 privately (a private SPTE to the ' +
      'guest_memfd folio) and tells the VMM, which converts page 0 back to shared (KVM_SET_MEMORY_ATTRIBUTES: pre-set ' +
      'zap of the private SPTE, VM store, then faultable) while the guest re-reads page 0 privately (it sees its ' +
      'data, or exits with a memory fault once the conversion began) and writes page 1. Afterwards the guest reads page 0 ' +
      'shared from userspace memory (what the VMM wrote there), the host faults page 0 of the guest_memfd and reads the ' +
      "guest's private data (the conversion is in place), and page 1 stays private (SIGBUS, shared access exits).",
    gmem: { pages: 4, initShared: false },
    threads: [
      {
        ops: [
          setAttrs(0, 2, true, '0'),
          { op: 'signalEvent', event: 'private', expect: '0' },
          { op: 'waitEvent', event: 'written', expect: '0' },
          setAttrs(0, 1, false, '0'),
          { op: 'uaccess', page: 0x40000, write: true, value: 9, expect: '0' },
          { op: 'signalEvent', event: 'shared', expect: '0' },
          { op: 'access', index: 0, expect: '0', expectValue: 5 },
          { op: 'access', index: 1, expect: 'SIGBUS' }
        ]
      }
    ],
    vcpus: [
      {
        ops: [
          { op: 'waitEvent', event: 'private', expect: '0' },
          { op: 'guestAccess', index: 0, private: true, write: true, value: 5, expect: '0' },
          { op: 'signalEvent', event: 'written', expect: '0' },
          { op: 'guestAccess', index: 0, private: true, expect: ['0', '-EFAULT'], expectValue: 5 },
          { op: 'guestAccess', index: 1, private: true, write: true, value: 3, expect: '0' },
          { op: 'guestAccess', index: 1, private: true, expect: '0', expectValue: 3 },
          { op: 'waitEvent', event: 'shared', expect: '0' },
          { op: 'guestAccess', index: 0, private: false, expect: '0', expectValue: 9 },
          { op: 'guestAccess', index: 0, private: true, expect: '-EFAULT' },
          { op: 'guestAccess', index: 1, private: false, expect: '-EFAULT' }
        ]
      }
    ]
  },
  {
    name: 'v1-guest-shared-vs-host-fault',
    mode: 'rfc-1g-v1',
    description:
      'RFC 1G-v1: KVM_SET_MEMORY_ATTRIBUTES makes page 0 private while a second VMM thread host-faults it through the ' +
      'faultability map and a vCPU writes and reads it shared (from userspace memory). Either the host maps it first and ' +
      'the conversion fails -EINVAL (faultability restored, the VM attribute stays shared: the guest keeps its shared ' +
      "access), or faultability is cleared first: the host gets SIGBUS and the guest's shared SPTE is zapped before the " +
      'private commit (later shared accesses exit with a memory fault). Page 1 stays shared throughout.',
    gmem: { pages: 2 },
    threads: [{ ops: [setAttrs(0, 1, true, ['0', '-EINVAL'])] }, { ops: [{ op: 'access', index: 0, write: true, value: 5, expect: ['0', 'SIGBUS'] }] }],
    vcpus: [
      {
        ops: [
          { op: 'guestAccess', index: 0, private: false, write: true, value: 7, expect: ['0', '-EFAULT'] },
          { op: 'guestAccess', index: 1, private: false, write: true, value: 8, expect: '0' },
          { op: 'guestAccess', index: 0, private: false, expect: ['0', '-EFAULT'] },
          { op: 'guestAccess', index: 1, private: false, expect: '0', expectValue: 8 }
        ]
      }
    ]
  },
  {
    name: 'v1-hugepage-split-vs-guest',
    mode: 'rfc-1g-v1',
    description:
      'RFC 1G-v1 with 2M HugeTLB folios: the VMM allocates two hugepages (the file is unfaultable, nothing is split) and ' +
      'makes hugepage 0 and all of hugepage 1 but page 512 private (512 stays shared in the VM attributes, yet ' +
      'unfaultable: the host gets SIGBUS there). The guest maps page 5 privately (a 2M leaf: hugepage 0 is uniform), page ' +
      '600 (a 4K leaf into the huge folio: hugepage 1 is mixed) and page 512 shared, then tells the VMM, which converts ' +
      'pages 300 and 700 to shared while the guest maps page 400. Each folio must be split before its page becomes ' +
      'faultable (INV-12), after the private SPTEs of its whole hugepage are zapped, so the guest refaults the 4K pieces ' +
      'with its data (INV-9). A guest fault still holding a folio makes its split fail: the page then stays unfaultable ' +
      '(SIGBUS). Variant B21 skips the split.',
    gmem: { pages: 1024, folioSize: '2M', initShared: false },
    threads: [
      {
        ops: [
          { op: 'fallocate', offset: 0, size: 1024 * PAGE, expect: '0' },
          setAttrs(0, 512, true, '0'),
          setAttrs(513, 511, true, '0'),
          { op: 'signalEvent', event: 'private', expect: '0' },
          { op: 'waitEvent', event: 'mapped', expect: '0' },
          setAttrs(300, 1, false, '0'),
          setAttrs(700, 1, false, '0'),
          { op: 'access', index: 300, write: true, value: 3, expect: ['0', 'SIGBUS'] },
          { op: 'access', index: 700, expect: ['0', 'SIGBUS'] },
          { op: 'access', index: 512, expect: 'SIGBUS' }
        ]
      }
    ],
    vcpus: [
      {
        ops: [
          { op: 'waitEvent', event: 'private', expect: '0' },
          { op: 'guestAccess', index: 5, private: true, write: true, value: 7, expect: '0' },
          { op: 'guestAccess', index: 600, private: true, write: true, value: 8, expect: '0' },
          { op: 'guestAccess', index: 512, private: false, write: true, value: 1, expect: '0' },
          { op: 'signalEvent', event: 'mapped', expect: '0' },
          { op: 'guestAccess', index: 400, private: true, write: true, value: 9, expect: '0' },
          { op: 'guestAccess', index: 5, private: true, expect: '0', expectValue: 7 },
          { op: 'guestAccess', index: 600, private: true, expect: '0', expectValue: 8 },
          { op: 'guestAccess', index: 300, private: false, expect: ['0', '-EFAULT'] },
          { op: 'guestAccess', index: 400, private: true, expect: '0', expectValue: 9 },
          { op: 'guestAccess', index: 512, private: false, expect: '0', expectValue: 1 }
        ]
      }
    ]
  },
  {
    name: 'fd2022-fallocate-punch',
    mode: 'fd-2022',
    description:
      'fd-2022, one thread: a private access to an unallocated gfn exits KVM_EXIT_MEMORY_ERROR; fallocate maps private ' +
      '(argument errors -EINVAL); private accesses then work and a shared access to an allocated page exits; unallocated ' +
      'pages are shared from userspace_addr; PUNCH_HOLE makes a page shared again (its private contents gone).',
    gmem: { pages: 4 },
    threads: [
      {
        ops: [
          { op: 'kvmRun', guest: [{ op: 'guestAccess', index: 0, private: true, write: true, value: 1 }], expect: 'KVM_EXIT_MEMORY_ERROR' },
          { op: 'fallocate', offset: 1, size: PAGE, expect: '-EINVAL' },
          { op: 'fallocate', offset: 0, size: 0, expect: '-EINVAL' },
          { op: 'fallocate', offset: 0, size: 8 * PAGE, expect: '-EINVAL' },
          { op: 'fallocate', offset: 0, size: 2 * PAGE, keepSize: false, expect: '0' },
          {
            op: 'kvmRun',
            guest: [
              { op: 'guestAccess', index: 0, private: true, write: true, value: 7 },
              { op: 'guestAccess', index: 0, private: true, write: false, expectValue: 7 },
              { op: 'guestAccess', index: 1, private: true, write: false, expectValue: 0 }
            ],
            expect: '0'
          },
          { op: 'kvmRun', guest: [{ op: 'guestAccess', index: 0, private: false, write: false }], expect: 'KVM_EXIT_MEMORY_ERROR' },
          { op: 'kvmRun', guest: [{ op: 'guestAccess', index: 2, private: false, write: true, value: 5 }], expect: '0' },
          { op: 'uaccess', page: 0x40000 + 2, write: true, value: 6, expect: '0' },
          { op: 'kvmRun', guest: [{ op: 'guestAccess', index: 2, private: false, write: false, expectValue: 6 }], expect: '0' },
          { op: 'punchHole', offset: 0, size: PAGE, expect: '0' },
          { op: 'kvmRun', guest: [{ op: 'guestAccess', index: 0, private: true, write: false }], expect: 'KVM_EXIT_MEMORY_ERROR' },
          { op: 'kvmRun', guest: [{ op: 'guestAccess', index: 0, private: false, write: false, expectValue: 0 }], expect: '0' },
          { op: 'fallocate', offset: 0, size: PAGE, expect: '0' },
          { op: 'kvmRun', guest: [{ op: 'guestAccess', index: 0, private: true, write: false, expectValue: 0 }], expect: '0' }
        ]
      }
    ]
  },
  {
    name: 'fd2022-fault-vs-fallocate-punch',
    mode: 'fd-2022',
    description:
      'fd-2022: a vCPU touches page 0 privately and page 1 shared while the VMM maps [0,2) private (fallocate) and unmaps ' +
      'page 0 again (PUNCH_HOLE). The notifier invalidations must zap the stale SPTEs (INV-5, INV-9) and racing faults retry (INV-6).',
    gmem: { pages: 2 },
    threads: [
      {
        ops: [
          { op: 'fallocate', offset: 0, size: 2 * PAGE, expect: '0' },
          { op: 'punchHole', offset: 0, size: PAGE, expect: '0' }
        ]
      }
    ],
    vcpus: [
      {
        ops: [
          { op: 'guestAccess', index: 0, private: true, write: true, value: 4, expect: ['0', 'KVM_EXIT_MEMORY_ERROR'] },
          { op: 'guestAccess', index: 1, private: false, write: true, value: 6, expect: ['0', 'KVM_EXIT_MEMORY_ERROR'] },
          { op: 'guestAccess', index: 0, private: false, write: false, expect: ['0', 'KVM_EXIT_MEMORY_ERROR'] }
        ]
      }
    ]
  }
];
