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
