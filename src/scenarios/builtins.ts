/**
 * Built-in scenarios (listed by `gmemsim scenarios`). Each gives a workload and,
 * per op, the outcomes the protocol allows; `explore` runs them under many
 * interleavings and the invariant checkers judge every step.
 */
import { type Scenario, type ScenarioInput, scenarioSchema } from './schema.js';
import { PREFAULT_SCENARIOS } from './prefaultScenarios.js';
import { UPSTREAM_SCENARIO_INPUTS } from './upstreamScenarios.js';
import { MODE_SCENARIO_INPUTS } from './modeScenarios.js';

const PAGE = 4096;

const INPUTS: readonly ScenarioInput[] = [
  {
    name: 'hugepage-private-fault-2m',
    description: 'A private 2M guest_memfd folio backs the guest; a private access maps it at 2M (the folio order), never above (spec B6, INV-8).',
    mode: 'rfc-1g-v2',
    gmem: { pages: 512, folioSize: '2M', initShared: false },
    threads: [{ ops: [{ op: 'fallocate', offset: 0, size: 512 * PAGE, expect: '0' }] }],
    vcpus: [{ ops: [{ op: 'guestAccess', index: 5, private: true, write: true, value: 6, expect: '0' }] }]
  },
  {
    name: 'hugepage-subpage-pin-convert',
    description:
      'A private 2M guest_memfd; pages 0-1 become shared and host-mapped, the VMM long-term pins page 1 (VFIO) and the ' +
      'guest asks for page 1 back as private: the conversion must fail -EAGAIN until the pin is dropped (spec B12).',
    mode: 'rfc-1g-v2',
    gmem: { pages: 512, folioSize: '2M', initShared: false },
    threads: [
      {
        ops: [
          { op: 'convert', offset: 0, size: 2 * PAGE, to: 'shared', expect: '0' },
          { op: 'access', index: 0, write: true, value: 1, expect: '0' },
          { op: 'access', index: 1, write: true, value: 2, expect: '0' },
          { op: 'pin', index: 1, pin: 'vfio', kind: 'pin', longterm: true, expect: '0' },
          { op: 'convert', offset: PAGE, size: PAGE, to: 'private', expect: '-EAGAIN', expectErrorOffset: PAGE },
          { op: 'unpin', pin: 'vfio', expect: '0' },
          { op: 'convert', offset: PAGE, size: PAGE, to: 'private', expect: '0' }
        ]
      }
    ]
  },
  {
    name: 'fault-munmap-convert-retry',
    description:
      'The VMM faults a page in (its folio goes to an LRU-add batch), unmaps it and converts it to private, retrying ' +
      "-EAGAIN like the selftests' helper; nothing really uses the page, so the conversion must complete (spec B18).",
    gmem: { pages: 1 },
    threads: [
      {
        ops: [
          { op: 'access', index: 0, write: true, value: 4, expect: '0' },
          { op: 'munmap', index: 0, npages: 1, expect: '0' },
          { op: 'convert', offset: 0, size: PAGE, to: 'private', retryEagain: true, expect: '0' }
        ]
      }
    ]
  },
  {
    name: 'punch-unbound-vs-fault',
    description:
      'A memslot binds pages 0-3 of an 8-page guest_memfd; the VMM punches a hole in the unbound pages 4-7 while the guest ' +
      'touches page 0 (spec B1 setup). Without a binding in the range no invalidation may begin.',
    gmem: { pages: 8, bindPages: 4 },
    threads: [{ ops: [{ op: 'punchHole', offset: 4 * PAGE, size: 4 * PAGE, expect: '0' }] }],
    vcpus: [{ ops: [{ op: 'guestAccess', index: 0, private: false, write: true, value: 3, expect: '0' }] }]
  },
  {
    name: 'convert-vs-fault',
    description:
      'A conversion to private races a host fault on the same page (spec B10 window: attribute read vs folio reference). ' +
      'The fault either maps the page before the conversion (which then zaps it) or gets SIGBUS.',
    gmem: { pages: 2 },
    threads: [
      { ops: [{ op: 'convert', offset: 0, size: PAGE, to: 'private', expect: ['0', '-EAGAIN'] }] },
      { ops: [{ op: 'access', index: 0, write: true, value: 7, expect: ['0', 'SIGBUS'] }] }
    ]
  },
  {
    name: 'pin-vs-convert',
    description:
      'The VMM pins a shared page (FOLL_LONGTERM, e.g. VFIO), the conversion to private fails with -EAGAIN and ' +
      'error_offset, the VMM unpins and the retried conversion succeeds (spec O7a, O9).',
    gmem: { pages: 2 },
    threads: [
      {
        ops: [
          { op: 'access', index: 1, write: true, value: 5, expect: '0' },
          { op: 'pin', index: 1, pin: 'p0', kind: 'pin', longterm: true, expect: '0' },
          { op: 'convert', offset: 0, size: 2 * PAGE, to: 'private', expect: '-EAGAIN', expectErrorOffset: PAGE },
          { op: 'unpin', pin: 'p0', expect: '0' },
          { op: 'convert', offset: 0, size: 2 * PAGE, to: 'private', expect: '0' },
          { op: 'access', index: 1, expect: 'SIGBUS' }
        ]
      }
    ]
  },
  {
    name: 'vmsplice-munmap-convert',
    description:
      'A FOLL_GET reference (vmsplice) outlives munmap: mapcount is 0 but the refcount is not, so the conversion must ' +
      'fail with -EAGAIN until the reference is dropped (spec B11).',
    gmem: { pages: 1 },
    threads: [
      {
        ops: [
          { op: 'access', index: 0, write: true, value: 9, expect: '0' },
          { op: 'pin', index: 0, pin: 'pipe', kind: 'get', expect: '0' },
          { op: 'munmap', index: 0, npages: 1, expect: '0' },
          { op: 'convert', offset: 0, size: PAGE, to: 'private', expect: '-EAGAIN', expectErrorOffset: 0 },
          { op: 'unpin', pin: 'pipe', expect: '0' },
          { op: 'convert', offset: 0, size: PAGE, to: 'private', expect: '0' }
        ]
      }
    ]
  },
  {
    name: 'punch-hole-refault',
    description: 'PUNCH_HOLE frees the folio; the next host access faults in a new zeroed folio (spec O4, INV-15).',
    gmem: { pages: 2 },
    threads: [
      {
        ops: [
          { op: 'access', index: 0, write: true, value: 170, expect: '0' },
          { op: 'punchHole', offset: 0, size: PAGE, expect: '0' },
          { op: 'access', index: 0, expect: '0', expectValue: 0 }
        ]
      }
    ]
  },
  {
    name: 'shared-traffic',
    description:
      'Three VMM threads over four pages: one converts pages 0-1 to private and back, one touches and pins pages, ' +
      'one munmaps and punches holes. Every outcome the protocol allows is accepted; the invariants judge the run.',
    gmem: { pages: 4 },
    threads: [
      {
        ops: [
          { op: 'convert', offset: 0, size: 2 * PAGE, to: 'private', expect: ['0', '-EAGAIN'] },
          { op: 'convert', offset: 0, size: 2 * PAGE, to: 'shared', expect: '0' },
          { op: 'convert', offset: PAGE, size: 2 * PAGE, to: 'private', expect: ['0', '-EAGAIN'] }
        ]
      },
      {
        ops: [
          { op: 'access', index: 0, write: true, value: 1, expect: ['0', 'SIGBUS'] },
          { op: 'pin', index: 1, pin: 'dma', kind: 'pin', longterm: true, expect: ['0', '-EFAULT'] },
          { op: 'access', index: 2, write: true, value: 2, expect: ['0', 'SIGBUS'] },
          { op: 'unpin', pin: 'dma', expect: ['0', '-EINVAL'] }
        ]
      },
      {
        ops: [
          { op: 'access', index: 1, expect: ['0', 'SIGBUS'] },
          { op: 'munmap', index: 0, npages: 4, expect: '0' },
          { op: 'punchHole', offset: 2 * PAGE, size: PAGE, expect: '0' },
          { op: 'access', index: 3, write: true, value: 3, expect: ['0', 'SIGBUS'] }
        ]
      }
    ]
  },
  {
    name: 'guest-private-vs-convert-shared',
    description:
      'A vCPU writes page 0 with private intent while a VMM thread converts it to shared (O7a, O10). The private ' +
      'access either maps and writes before the conversion (which zaps the SPTE) or exits with KVM_EXIT_MEMORY_FAULT ' +
      '(-EFAULT, INV-20); the following shared read exits until the conversion committed. The host reads the same page.',
    gmem: { pages: 2, initShared: false },
    threads: [
      {
        ops: [
          { op: 'access', index: 1, expect: 'SIGBUS' },
          { op: 'convert', offset: 0, size: PAGE, to: 'shared', expect: '0' },
          { op: 'access', index: 0, expect: '0' }
        ]
      }
    ],
    vcpus: [
      {
        ops: [
          { op: 'guestAccess', index: 0, private: true, write: true, value: 5, expect: ['0', '-EFAULT'] },
          { op: 'guestAccess', index: 0, private: false, expect: ['0', '-EFAULT'] },
          { op: 'guestAccess', index: 1, private: true, expect: '0', expectValue: 0 }
        ]
      }
    ]
  },
  {
    name: 'guest-map-gpa-range',
    description:
      'The guest converts page 0 private -> shared -> private with KVM_HC_MAP_GPA_RANGE; the VMM side of the vCPU ' +
      'thread runs the in-place conversion ioctl (retrying -EAGAIN) and re-enters (O14). Contents survive in place. ' +
      'A VMM thread touches the page meanwhile (SIGBUS while private).',
    gmem: { pages: 2, initShared: false },
    threads: [
      {
        ops: [
          { op: 'access', index: 1, expect: 'SIGBUS' },
          { op: 'access', index: 1, expect: 'SIGBUS' },
          { op: 'access', index: 1, expect: 'SIGBUS' },
          { op: 'access', index: 0, expect: ['0', 'SIGBUS'] },
          { op: 'access', index: 0, expect: ['0', 'SIGBUS'] },
          { op: 'access', index: 0, expect: ['0', 'SIGBUS'] }
        ]
      }
    ],
    vcpus: [
      {
        ops: [
          { op: 'guestAccess', index: 0, private: true, write: true, value: 11, expect: '0' },
          { op: 'mapGpaRange', index: 0, npages: 1, to: 'shared', expect: '0' },
          { op: 'guestAccess', index: 0, private: true, expect: '-EFAULT' },
          { op: 'guestAccess', index: 0, private: false, expect: '0', expectValue: 11 },
          { op: 'guestAccess', index: 0, private: false, write: true, value: 22, expect: '0' },
          { op: 'mapGpaRange', index: 0, npages: 1, to: 'private', expect: '0' },
          { op: 'guestAccess', index: 0, private: false, expect: '-EFAULT' },
          { op: 'guestAccess', index: 0, private: true, expect: '0', expectValue: 22 }
        ]
      }
    ]
  },
  {
    name: 'private-fault-vs-punch-hole',
    description:
      'A private guest fault races PUNCH_HOLE of its page by a VMM thread (spec B15 window: the fault holds the pfn ' +
      'between kvm_gmem_get_pfn and mmu_lock). The guest then punches the page itself through KVM_HC_MAP_GPA_RANGE ' +
      '(MAP_GPA_DO_FALLOCATE) and must read zeroes after the refault (O4, INV-9, INV-15).',
    gmem: { pages: 2, initShared: false },
    threads: [
      {
        ops: [
          { op: 'access', index: 1, expect: 'SIGBUS' },
          { op: 'punchHole', offset: 0, size: PAGE, expect: '0' }
        ]
      }
    ],
    vcpus: [
      {
        ops: [
          { op: 'guestAccess', index: 0, private: true, write: true, value: 170, expect: '0' },
          { op: 'mapGpaRange', index: 0, npages: 1, punchHole: true, expect: '0' },
          { op: 'guestAccess', index: 0, private: true, expect: '0', expectValue: 0 }
        ]
      }
    ]
  },
  // --- mode rfc-1g-v2: huge folios, split/merge, HugeTLB subpool (O3, O4, O7b, O15)
  {
    name: 'hugepage-2m-split-merge',
    description:
      'rfc-1g-v2, two 2M hugepages, INIT_PRIVATE: fallocate takes both from the subpool; converting one 4K page to shared ' +
      'splits its hugepage (O7b, O15), the VMM writes and reads it through its mmap, converts it back to private, which ' +
      'merges the hugepage again; a host access is then SIGBUS. A second thread faults a page of the other (private) hugepage.',
    mode: 'rfc-1g-v2',
    gmem: { pages: 1024, folioSize: '2M', initShared: false },
    threads: [
      {
        ops: [
          { op: 'fallocate', offset: 0, size: 1024 * PAGE, expect: '0' },
          { op: 'convert', offset: PAGE, size: PAGE, to: 'shared', expect: '0' },
          { op: 'access', index: 1, write: true, value: 5, expect: '0' },
          { op: 'access', index: 1, expect: '0', expectValue: 5 },
          { op: 'access', index: 2, expect: 'SIGBUS' },
          { op: 'munmap', index: 0, npages: 512, expect: '0' },
          { op: 'convert', offset: PAGE, size: PAGE, to: 'private', expect: '0' },
          { op: 'access', index: 1, expect: 'SIGBUS' }
        ]
      },
      {
        ops: [
          { op: 'access', index: 600, expect: 'SIGBUS' },
          { op: 'fallocate', offset: 512 * PAGE, size: 512 * PAGE, expect: '0' }
        ]
      }
    ]
  },
  {
    name: 'hugepage-1g-split-merge',
    description:
      'rfc-1g-v2, a 1 GiB guest_memfd of one 1G folio (262144 pages, sparse): converting two 4K pages to shared splits the ' +
      '1G folio straight to 4K folios (only touched subpages become actors), the VMM writes one, a pin then blocks the ' +
      'conversion back (-EAGAIN, error_offset), and after the unpin the conversion back to private merges the 1G folio.',
    mode: 'rfc-1g-v2',
    gmem: { pages: 262144, folioSize: '1G', initShared: false },
    threads: [
      {
        ops: [
          { op: 'fallocate', offset: 0, size: 262144 * PAGE, expect: '0' },
          { op: 'convert', offset: 1000 * PAGE, size: 2 * PAGE, to: 'shared', expect: '0' },
          { op: 'access', index: 1001, write: true, value: 11, expect: '0' },
          { op: 'pin', index: 1001, pin: 'dma', kind: 'pin', longterm: true, expect: '0' },
          { op: 'convert', offset: 1000 * PAGE, size: 2 * PAGE, to: 'private', expect: '-EAGAIN', expectErrorOffset: 1001 * PAGE },
          { op: 'unpin', pin: 'dma', expect: '0' },
          { op: 'convert', offset: 1000 * PAGE, size: 2 * PAGE, to: 'private', expect: '0' },
          { op: 'access', index: 1001, expect: 'SIGBUS' }
        ]
      }
    ]
  },
  {
    name: 'hugepage-punch-pinned',
    description:
      'rfc-1g-v2, two 2M hugepages: part of the first is shared (split) and host-written; a partial PUNCH_HOLE only zeroes; ' +
      'with a long-term pin on a shared subpage, PUNCH_HOLE of the whole hugepage fails with -EAGAIN; after the unpin it ' +
      'merges, truncates and returns the page to the subpool, and a refault reads zeroes (O4 RFC 1G-v2, INV-15).',
    mode: 'rfc-1g-v2',
    gmem: { pages: 1024, folioSize: '2M', initShared: false },
    threads: [
      {
        ops: [
          { op: 'fallocate', offset: 0, size: 1024 * PAGE, expect: '0' },
          { op: 'convert', offset: 0, size: 4 * PAGE, to: 'shared', expect: '0' },
          { op: 'access', index: 0, write: true, value: 7, expect: '0' },
          { op: 'access', index: 1, write: true, value: 8, expect: '0' },
          { op: 'punchHole', offset: PAGE, size: PAGE, expect: '0' },
          { op: 'access', index: 1, expect: '0', expectValue: 0 },
          { op: 'pin', index: 0, pin: 'vfio', kind: 'pin', longterm: true, expect: '0' },
          { op: 'punchHole', offset: 0, size: 512 * PAGE, expect: '-EAGAIN' },
          { op: 'unpin', pin: 'vfio', expect: '0' },
          { op: 'punchHole', offset: 0, size: 512 * PAGE, expect: '0' },
          { op: 'access', index: 0, expect: '0', expectValue: 0 }
        ]
      }
    ]
  },
  {
    name: 'hugepage-punch-refallocate',
    description:
      'rfc-1g-v2, spec B17 flow: every hugepage of the subpool is in use; PUNCH_HOLE of a split hugepage merges and frees ' +
      'it, and an immediate fallocate of the same range must succeed because the page is back in the subpool when ' +
      'PUNCH_HOLE returns (synchronous pool return; variant B17 defers it).',
    mode: 'rfc-1g-v2',
    gmem: { pages: 1024, folioSize: '2M', initShared: false, hugePool: 2 },
    threads: [
      {
        ops: [
          { op: 'fallocate', offset: 0, size: 1024 * PAGE, expect: '0' },
          { op: 'convert', offset: 8 * PAGE, size: PAGE, to: 'shared', expect: '0' },
          { op: 'access', index: 8, write: true, value: 3, expect: '0' },
          { op: 'munmap', index: 8, npages: 1, expect: '0' },
          { op: 'punchHole', offset: 0, size: 512 * PAGE, expect: '0' },
          { op: 'fallocate', offset: 0, size: 512 * PAGE, expect: '0' },
          { op: 'access', index: 8, expect: '0', expectValue: 0 }
        ]
      }
    ]
  },
  {
    name: 'hugepage-many-threads',
    description:
      'rfc-1g-v2, three 2M hugepages, four VMM threads: conversions to shared and back over pages of two hugepages, host ' +
      'accesses and a pin, PUNCH_HOLE of a whole hugepage and re-allocation. Every outcome the protocol allows is ' +
      'accepted; the invariants (INV-1, INV-2, INV-11, INV-12, INV-13, INV-15) judge every interleaving.',
    mode: 'rfc-1g-v2',
    gmem: { pages: 1536, folioSize: '2M', initShared: false },
    threads: [
      {
        ops: [
          { op: 'convert', offset: 510 * PAGE, size: 4 * PAGE, to: 'shared', expect: '0' },
          { op: 'convert', offset: 510 * PAGE, size: 4 * PAGE, to: 'private', expect: ['0', '-EAGAIN'] },
          { op: 'convert', offset: 511 * PAGE, size: PAGE, to: 'shared', expect: '0' }
        ]
      },
      {
        ops: [
          { op: 'fallocate', offset: 0, size: 1024 * PAGE, expect: '0' },
          { op: 'access', index: 511, write: true, value: 4, expect: ['0', 'SIGBUS'] },
          { op: 'pin', index: 512, pin: 'p', kind: 'pin', expect: ['0', '-EFAULT'] },
          { op: 'unpin', pin: 'p', expect: ['0', '-EINVAL'] }
        ]
      },
      {
        ops: [
          { op: 'access', index: 513, expect: ['0', 'SIGBUS'] },
          { op: 'munmap', index: 0, npages: 1024, expect: '0' },
          { op: 'convert', offset: 1200 * PAGE, size: PAGE, to: 'shared', expect: '0' }
        ]
      },
      {
        ops: [
          { op: 'fallocate', offset: 1024 * PAGE, size: 512 * PAGE, expect: '0' },
          { op: 'punchHole', offset: 1024 * PAGE, size: 512 * PAGE, expect: ['0', '-EAGAIN'] },
          { op: 'fallocate', offset: 1024 * PAGE, size: 512 * PAGE, expect: '0' },
          { op: 'access', index: 1200, expect: ['0', 'SIGBUS'] }
        ]
      }
    ]
  },
  {
    name: 'hugepage-arch-prepare-convert',
    description:
      'rfc-1g-v2, one 2M hugepage, INIT_PRIVATE (INV-16): the guest writes page 5 (kvm_gmem_prepare_folio prepares the ' +
      'whole huge folio, a 2M leaf); the VMM converts pages 4-5 to shared, which arch-invalidates exactly those pages ' +
      'before they become host-faultable (kvm_gmem_shareability_apply) while the split keeps the other 4K pages prepared, ' +
      'and host-writes page 5, racing with a guest fault on page 300 (a 4K leaf on its still prepared split page, or a ' +
      '2M leaf after the conversion back to private merged the hugepage; a fault holding the page makes the merge fail); the ' +
      'guest refaults page 5 (prepared again) and PUNCH_HOLE merges and frees the page (arch-invalidated before the ' +
      'free). Variant B22 skips the conversion-time arch invalidation.',
    mode: 'rfc-1g-v2',
    gmem: { pages: 512, folioSize: '2M', initShared: false },
    threads: [
      {
        ops: [
          { op: 'waitEvent', event: 'prepared', expect: '0' },
          { op: 'convert', offset: 4 * PAGE, size: 2 * PAGE, to: 'shared', retryEagain: true, expect: '0' },
          { op: 'signalEvent', event: 'shared', expect: '0' },
          { op: 'access', index: 5, write: true, value: 9, expect: '0' },
          { op: 'access', index: 4, expect: '0', expectValue: 0 },
          { op: 'munmap', index: 0, npages: 512, expect: '0' },
          { op: 'convert', offset: 4 * PAGE, size: 2 * PAGE, to: 'private', retryEagain: true, expect: '0' },
          { op: 'signalEvent', event: 'private-again', expect: '0' },
          { op: 'waitEvent', event: 'done', expect: '0' },
          { op: 'punchHole', offset: 0, size: 512 * PAGE, expect: '0' }
        ]
      }
    ],
    vcpus: [
      {
        ops: [
          { op: 'guestAccess', index: 5, private: true, write: true, value: 6, expect: '0' },
          { op: 'signalEvent', event: 'prepared', expect: '0' },
          { op: 'waitEvent', event: 'shared', expect: '0' },
          { op: 'guestAccess', index: 300, private: true, write: true, value: 7, expect: '0' },
          { op: 'waitEvent', event: 'private-again', expect: '0' },
          { op: 'guestAccess', index: 5, private: true, expect: '0', expectValue: 9 },
          { op: 'guestAccess', index: 300, private: true, expect: '0', expectValue: 7 },
          { op: 'signalEvent', event: 'done', expect: '0' }
        ]
      }
    ]
  },
  {
    name: 'dpor-fault-vs-convert',
    description:
      'Small configuration for DPOR (explore --strategy dpor): a vCPU faults page 0 private while a VMM thread converts it ' +
      'to shared (spec B15 window: the fault holds the pfn across the invalidation). Complete DPOR search in a few thousand executions.',
    gmem: { pages: 1, initShared: false },
    threads: [{ ops: [{ op: 'convert', offset: 0, size: PAGE, to: 'shared', expect: '0' }] }],
    vcpus: [{ ops: [{ op: 'guestAccess', index: 0, private: true, expect: ['0', '-EFAULT'] }] }]
  },
  {
    name: 'dpor-2vcpu-convert-twice',
    description:
      'Two vCPUs fault page 0 private while a VMM thread converts it to shared and back to private (issue 6 DPOR ' +
      'configuration, spec B15 window). Use DPOR with a preemption bound (--preemption-bound 2).',
    gmem: { pages: 1, initShared: false },
    threads: [
      {
        ops: [
          { op: 'convert', offset: 0, size: PAGE, to: 'shared', expect: '0' },
          { op: 'convert', offset: 0, size: PAGE, to: 'private', expect: ['0', '-EAGAIN'] }
        ]
      }
    ],
    vcpus: [
      { ops: [{ op: 'guestAccess', index: 0, private: true, expect: ['0', '-EFAULT'] }] },
      { ops: [{ op: 'guestAccess', index: 0, private: true, expect: ['0', '-EFAULT'] }] }
    ]
  },
  ...PREFAULT_SCENARIOS
];

/** Every built-in scenario, validated. */
export const BUILTIN_SCENARIOS: readonly Scenario[] = [...INPUTS, ...UPSTREAM_SCENARIO_INPUTS, ...MODE_SCENARIO_INPUTS].map((s) => scenarioSchema.parse(s));

/** The scenario `run` and `explore` use when none is named. */
export const DEFAULT_SCENARIO = 'shared-traffic';

/**
 * The scenario `run --mode M` and `explore --mode M` use when none is named:
 * {@link DEFAULT_SCENARIO} where it applies to the mode, else one of the mode's own.
 */
export const MODE_DEFAULT_SCENARIO: Readonly<Record<string, string>> = {
  'rfc-inplace-v8': DEFAULT_SCENARIO,
  'rfc-1g-v2': DEFAULT_SCENARIO,
  'rfc-1g-v1': 'v1-faultability-roundtrip',
  'upstream-6.8': 'upstream-attr-vs-fault',
  'upstream-6.18': 'gmem-test-guest',
  'fd-2022': 'fd2022-fallocate-punch'
};

/** Finds a built-in scenario by name. */
export function findScenario(name: string): Scenario | undefined {
  return BUILTIN_SCENARIOS.find((s) => s.name === name);
}
