/**
 * Built-in scenarios of the upstream modes (upstream-6.8, upstream-6.18): VM
 * attributes vs faults (O6, O10), hugepage levels (O11), memslot deletion vs
 * guest_memfd release (O2, O5), mmu-notifier invalidation (O8), and the
 * guest_memfd_test flow of spec §6.1.
 */
import type { ScenarioInput } from './schema.js';

const PAGE = 4096;
/** GPA 4 GiB as a gfn (private_mem_conversions_test / guest_memfd_test layout). */
const G4 = 0x100000;
const PRIVATE = 8;

/** One §6.1 step-B flag configuration as a scenario (sub-tests B3..B14 on a 4-page file). */
function gmemTestB(name: string, mode: 'upstream-6.8' | 'upstream-6.18', flags: { mmap: boolean; initShared: boolean }): ScenarioInput {
  const mapped = flags.mmap && flags.initShared;
  const ops: NonNullable<ScenarioInput['threads']>[number]['ops'] = [
    // B3 file_read_write
    { op: 'fileIo', kind: 'read', expect: '-EINVAL' },
    { op: 'fileIo', kind: 'write', expect: '-EINVAL' },
    { op: 'fileIo', kind: 'pread', expect: '-EINVAL' },
    { op: 'fileIo', kind: 'pwrite', expect: '-EINVAL' },
    // B11 / B9 mmap
    { op: 'mmap', size: PAGE, expect: flags.mmap ? '0' : '-ENODEV' },
    { op: 'mmap', size: 4 * PAGE, expect: flags.mmap ? '0' : '-ENODEV' },
    { op: 'mmap', size: 4 * PAGE, shared: false, expect: flags.mmap ? '-EINVAL' : '-ENODEV' }
  ];
  if (mapped) {
    ops.push(
      // B4 mmap_supported
      ...[0, 1, 2, 3].map((i) => ({ op: 'access' as const, index: i, write: true, value: 0xaa, expect: '0' })),
      ...[0, 1, 2, 3].map((i) => ({ op: 'access' as const, index: i, expect: '0', expectValue: 0xaa })),
      { op: 'punchHole', offset: 0, size: PAGE, expect: '0' },
      { op: 'access', index: 0, expect: '0', expectValue: 0 },
      ...[1, 2, 3].map((i) => ({ op: 'access' as const, index: i, expect: '0', expectValue: 0xaa })),
      { op: 'access', index: 0, write: true, value: 0xaa, expect: '0' },
      { op: 'access', index: 0, expect: '0', expectValue: 0xaa },
      // B5 fault_overflow: page 4 of a 16-page mapping is beyond i_size
      { op: 'access', index: 4, write: true, value: 0xaa, expect: 'SIGBUS' },
      { op: 'access', index: 4, expect: 'SIGBUS' },
      { op: 'access', index: 3, expect: '0', expectValue: 0xaa },
      // B7 collapse
      { op: 'madvise', advice: 'MADV_HUGEPAGE', index: 0, npages: 4, expect: '0' },
      { op: 'madvise', advice: 'MADV_COLLAPSE', index: 0, npages: 4, expect: '-EINVAL' },
      { op: 'madvise', advice: 'MADV_DONTNEED', index: 0, npages: 4, expect: '0' },
      { op: 'access', index: 0, expect: '0' }
    );
  } else if (flags.mmap) {
    // B8 fault_private
    ops.push({ op: 'access', index: 0, write: true, value: 0xaa, expect: 'SIGBUS' }, { op: 'access', index: 0, expect: 'SIGBUS' });
  }
  ops.push(
    // B12 file_size
    { op: 'fstat', field: 'size', expect: '0', expectValue: 4 * PAGE },
    { op: 'fstat', field: 'blksize', expect: '0', expectValue: PAGE },
    // B13 fallocate
    { op: 'fallocate', offset: 0, size: 4 * PAGE, expect: '0' },
    { op: 'punchHole', offset: PAGE - 1, size: PAGE, expect: '-EINVAL' },
    { op: 'fallocate', offset: 4 * PAGE, size: PAGE, expect: '-EINVAL' },
    { op: 'fallocate', offset: 5 * PAGE, size: PAGE, expect: '-EINVAL' },
    { op: 'punchHole', offset: 4 * PAGE, size: PAGE, expect: '0' },
    { op: 'punchHole', offset: 5 * PAGE, size: PAGE, expect: '0' },
    { op: 'punchHole', offset: PAGE, size: PAGE - 1, expect: '-EINVAL' },
    { op: 'punchHole', offset: PAGE, size: PAGE, expect: '0' },
    { op: 'fallocate', offset: PAGE, size: PAGE, expect: '0' },
    // B14 invalid_punch_hole
    ...(
      [
        [0, 1],
        [0, PAGE - 1],
        [0, PAGE + 1],
        [1, 1],
        [1, PAGE - 1],
        [1, PAGE],
        [1, PAGE + 1],
        [PAGE, 1],
        [PAGE, PAGE - 1],
        [PAGE, PAGE + 1]
      ] as const
    ).map(([offset, size]) => ({ op: 'punchHole' as const, offset, size, expect: '-EINVAL' })),
    { op: 'close', expect: '0' }
  );
  return {
    name,
    description: `spec §6.1 step B (guest_memfd_test __test_guest_memfd) for flags ${[flags.mmap ? 'MMAP' : '', flags.initShared ? 'INIT_SHARED' : ''].filter((f) => f !== '').join('|') || '0'} on a 16 KiB guest_memfd.`,
    mode,
    gmem: { pages: 4, initShared: flags.initShared, mmap: flags.mmap, bound: false },
    vm: { type: flags.initShared ? 'DEFAULT' : 'SW_PROTECTED' },
    threads: [{ ops }]
  };
}

/** Step A (flag validation) and B1/B2 (multiple files, invalid sizes) for one VM type. */
function gmemTestCreate(name: string, mode: 'upstream-6.8' | 'upstream-6.18', type: 'DEFAULT' | 'SW_PROTECTED'): ScenarioInput {
  const valid = mode === 'upstream-6.8' ? [] : type === 'DEFAULT' ? [0, 1] : [0];
  return {
    name,
    description: `spec §6.1 step A (every flag bit of KVM_CREATE_GUEST_MEMFD) and B1/B2 (multiple files, invalid sizes) on a ${type} VM.`,
    mode,
    gmem: { pages: 1, initShared: false, bound: false },
    vm: { type },
    threads: [
      {
        ops: [
          ...Array.from({ length: 64 }, (_, bit) => ({ op: 'createGmem' as const, size: PAGE, flags: [bit], expect: valid.includes(bit) ? '0' : '-EINVAL' })),
          { op: 'createGmem', size: PAGE, fd: 'fd1', expect: '0' },
          { op: 'fstat', fd: 'fd1', field: 'size', expect: '0', expectValue: PAGE },
          { op: 'createGmem', size: 2 * PAGE, fd: 'fd2', expect: '0' },
          { op: 'fstat', fd: 'fd2', field: 'size', expect: '0', expectValue: 2 * PAGE },
          { op: 'fstat', fd: 'fd1', field: 'size', expect: '0', expectValue: PAGE },
          { op: 'fstat', fd: 'fd1', field: 'ino', expect: '0' },
          { op: 'fstat', fd: 'fd2', field: 'ino', expect: '0' },
          ...[1, 2, 4095, 2048].map((size) => ({ op: 'createGmem' as const, size, expect: '-EINVAL' }))
        ]
      }
    ]
  };
}

/** The upstream built-in scenarios. */
export const UPSTREAM_SCENARIO_INPUTS: readonly ScenarioInput[] = [
  {
    name: 'upstream-attr-vs-fault',
    description:
      'upstream, SW_PROTECTED VM: memslot 0 bound to guest_memfd (gfns 0-3) and shared-only memslot 1 (gfns 4-7). A vCPU ' +
      'touches both with shared and private intent while the VMM makes all eight gfns private and then slot 1 shared ' +
      'again (O6 pre-set zap in every slot, range_add, store, post-set, end; O10 lock-free attribute reads). Spec B2/B3 windows.',
    mode: 'upstream-6.8',
    gmem: { pages: 4, initShared: false },
    vm: {
      memslots: [
        { id: 0, baseGfn: G4, npages: 4 },
        { id: 1, baseGfn: G4 + 4, npages: 4, guestMemfd: false }
      ]
    },
    threads: [
      {
        ops: [
          { op: 'setMemoryAttributes', address: G4 * PAGE, size: 8 * PAGE, attributes: PRIVATE, expect: '0' },
          { op: 'setMemoryAttributes', address: (G4 + 4) * PAGE, size: 4 * PAGE, attributes: 0, expect: '0' }
        ]
      }
    ],
    vcpus: [
      {
        ops: [
          { op: 'guestAccess', index: 4, private: false, write: true, value: 3, expect: ['0', '-EFAULT'] },
          { op: 'guestAccess', index: 0, private: true, write: true, value: 5, expect: ['0', '-EFAULT'] },
          { op: 'guestAccess', index: 5, private: true, expect: '-EFAULT' },
          { op: 'guestAccess', index: 1, private: false, expect: ['0', '-EFAULT'] }
        ]
      }
    ]
  },
  {
    name: 'sw-protected-synthesized-access',
    description:
      'upstream, SW_PROTECTED VM: the guest accesses carry no private bit, so KVM synthesizes it from the current ' +
      'attribute at each EPT violation (kvm_mmu_page_fault, spec §1.9) while the VMM makes page 0 private and shared ' +
      "again. Between the synthesis and the fault's own attribute check the attribute may change: then the fault ends in " +
      'KVM_EXIT_MEMORY_FAULT (-EFAULT) with the synthesized bit in the exit flags. Page 1 is never converted.',
    mode: 'upstream-6.8',
    gmem: { pages: 4, initShared: false },
    threads: [
      {
        ops: [
          { op: 'setMemoryAttributes', address: G4 * PAGE, size: PAGE, attributes: PRIVATE, expect: '0' },
          { op: 'setMemoryAttributes', address: G4 * PAGE, size: PAGE, attributes: 0, expect: '0' }
        ]
      }
    ],
    vcpus: [
      {
        ops: [
          { op: 'guestAccess', index: 0, write: true, value: 3, expect: ['0', '-EFAULT'] },
          { op: 'guestAccess', index: 1, write: true, value: 4, expect: '0' },
          { op: 'guestAccess', index: 0, expect: ['0', '-EFAULT'] },
          { op: 'guestAccess', index: 1, expect: '0', expectValue: 4 }
        ]
      }
    ]
  },
  {
    name: 'upstream-lpage-head',
    description:
      'upstream, spec B5 layout: a 4 MiB memslot at GPA 4 GiB (1G-aligned base, slot much smaller than 1G); ' +
      'KVM_SET_MEMORY_ATTRIBUTES([4 GiB, +4 KiB), PRIVATE) must not evaluate the lpage_info of the 1G hugepage the slot ' +
      'does not contain (F-992b), while the 2M hugepage holding the gfn becomes mixed.',
    mode: 'upstream-6.8',
    gmem: { pages: 1024, initShared: false },
    vm: { memslots: [{ id: 0, baseGfn: G4, npages: 1024, userspacePage: 0x80000, sharedPageSize: '2M' }] },
    threads: [
      {
        ops: [
          { op: 'setMemoryAttributes', address: G4 * PAGE, size: PAGE, attributes: PRIVATE, expect: '0' },
          { op: 'setMemoryAttributes', address: G4 * PAGE, size: PAGE, attributes: 0, expect: '0' }
        ]
      }
    ]
  },
  {
    name: 'upstream-lpage-levels',
    description:
      'upstream, O11: the B5 memslot backed by 2M THP userspace memory; shared faults map 2M leaves where the ' +
      'attributes are uniform and 4K inside the 2M page made mixed by a concurrent KVM_SET_MEMORY_ATTRIBUTES of one gfn. ' +
      'Open question (see docs/model.md): a 2M shared fault for a neighbouring gfn taken between the pre-set zap and the ' +
      'post-set lpage update passes the per-gfn retry check.',
    mode: 'upstream-6.8',
    gmem: { pages: 1024, initShared: false },
    vm: { memslots: [{ id: 0, baseGfn: G4, npages: 1024, userspacePage: 0x80000, sharedPageSize: '2M' }] },
    threads: [{ ops: [{ op: 'setMemoryAttributes', address: G4 * PAGE, size: PAGE, attributes: PRIVATE, expect: '0' }] }],
    vcpus: [
      {
        ops: [
          { op: 'guestAccess', index: 600, private: false, write: true, value: 1, expect: '0' },
          { op: 'guestAccess', index: 1, private: false, write: true, value: 2, expect: '0' },
          { op: 'guestAccess', index: 600, private: false, expect: '0', expectValue: 1 }
        ]
      }
    ]
  },
  {
    name: 'upstream-release-vs-delete',
    description:
      'upstream, spec B7 window: the VMM closes the guest_memfd (last fput; kvm_gmem_release deferred to a kernel worker) ' +
      'while a second thread deletes the memslot bound to it (INVALID, synchronize_srcu, flush, kvm_gmem_unbind, free). ' +
      'A vCPU touches the slot meanwhile (MMIO once the slot is gone).',
    mode: 'upstream-6.8',
    gmem: { pages: 2, initShared: false },
    threads: [{ ops: [{ op: 'close', expect: '0' }] }, { ops: [{ op: 'deleteMemslot', slot: 0, expect: '0' }] }],
    vcpus: [{ ops: [{ op: 'guestAccess', index: 0, private: false, write: true, value: 4, expect: ['0', 'KVM_EXIT_MMIO'] }] }]
  },
  {
    name: 'upstream-munmap-vs-fault',
    description:
      'upstream: the VMM writes its userspace memory behind memslot 0 and then MADV_DONTNEEDs it (mmu-notifier invalidation, ' +
      'SHARED filter) while a vCPU reads and writes the same gfns shared; a memslot deletion and re-creation follows.',
    mode: 'upstream-6.8',
    gmem: { pages: 2, initShared: false },
    threads: [
      {
        ops: [
          { op: 'uaccess', page: 0x40000, write: true, value: 9, expect: '0' },
          { op: 'umunmap', page: 0x40000, npages: 2, expect: '0' },
          { op: 'deleteMemslot', slot: 0, expect: '0' },
          { op: 'createMemslot', slot: 0, gpa: G4 * PAGE, size: 2 * PAGE, flags: ['GUEST_MEMFD'], userspaceAddr: 0x40000 * PAGE, expect: '0' }
        ]
      }
    ],
    vcpus: [
      {
        ops: [
          { op: 'guestAccess', index: 0, private: false, expect: ['0', 'KVM_EXIT_MMIO'] },
          { op: 'guestAccess', index: 1, private: false, write: true, value: 7, expect: ['0', 'KVM_EXIT_MMIO'] },
          { op: 'guestAccess', index: 1, private: true, expect: '-EFAULT' }
        ]
      }
    ]
  },
  {
    name: 'gmem-only-shared-vs-punch',
    description:
      'upstream-6.18, INV-21 GMEM_ONLY clause: DEFAULT VM, 8 KiB MMAP|INIT_SHARED guest_memfd bound to memslot 0 (GMEM_ONLY, ' +
      'no userspace mapping): a vCPU writes pages 1 and 0 shared, so its shared SPTEs map the guest_memfd folios, and reads ' +
      'them back; one VMM thread punches page 0 (racing the faults, O4), another injects a memory failure on page 1 once ' +
      'it is mapped (O17). No mmu-notifier covers those SPTEs: the guest_memfd invalidations must zap them (B20 zaps only ' +
      'private ones).',
    mode: 'upstream-6.18',
    gmem: { pages: 2, initShared: true, mmap: true },
    vm: { type: 'DEFAULT' },
    threads: [
      { ops: [{ op: 'punchHole', offset: 0, size: PAGE, expect: '0' }] },
      {
        ops: [
          { op: 'waitEvent', event: 'mapped' },
          { op: 'memoryFailure', index: 1, expect: '0' }
        ]
      }
    ],
    vcpus: [
      {
        ops: [
          { op: 'guestAccess', index: 1, private: false, write: true, value: 9, expect: '0' },
          { op: 'signalEvent', event: 'mapped' },
          { op: 'guestAccess', index: 0, private: false, write: true, value: 7, expect: '0' },
          { op: 'guestAccess', index: 0, private: false, expect: '0' },
          { op: 'guestAccess', index: 1, private: false, expect: ['0', '-EHWPOISON'] }
        ]
      }
    ]
  },
  gmemTestCreate('gmem-test-create-default', 'upstream-6.18', 'DEFAULT'),
  gmemTestCreate('gmem-test-create-protected', 'upstream-6.18', 'SW_PROTECTED'),
  gmemTestCreate('gmem-test-create-68', 'upstream-6.8', 'SW_PROTECTED'),
  gmemTestB('gmem-test-flags-none', 'upstream-6.18', { mmap: false, initShared: false }),
  gmemTestB('gmem-test-flags-mmap', 'upstream-6.18', { mmap: true, initShared: false }),
  gmemTestB('gmem-test-flags-mmap-shared', 'upstream-6.18', { mmap: true, initShared: true }),
  {
    name: 'gmem-test-guest',
    description:
      'spec §6.1 step C (test_guest_memfd_guest): DEFAULT VM, 4 KiB guest_memfd with MMAP|INIT_SHARED, memslot 1 at GPA ' +
      '4 GiB with userspace_addr NULL (GMEM_ONLY); the host writes 0xaa through its mmap, the guest reads 0xaa and writes ' +
      '0xff, the host reads 0xff.',
    mode: 'upstream-6.18',
    gmem: { pages: 1, initShared: true, mmap: true, bound: false },
    vm: { type: 'DEFAULT' },
    threads: [
      {
        ops: [
          { op: 'createMemslot', slot: 1, gpa: G4 * PAGE, size: PAGE, flags: ['GUEST_MEMFD'], expect: '0' },
          { op: 'mmap', size: PAGE, expect: '0' },
          { op: 'access', index: 0, write: true, value: 0xaa, expect: '0' },
          { op: 'munmap', index: 0, npages: 1, expect: '0' },
          {
            op: 'kvmRun',
            guest: [
              { op: 'guestAccess', index: 0, private: false, expectValue: 0xaa },
              { op: 'guestAccess', index: 0, private: false, write: true, value: 0xff }
            ],
            expect: '0'
          },
          { op: 'mmap', size: PAGE, expect: '0' },
          { op: 'access', index: 0, expect: '0', expectValue: 0xff },
          { op: 'close', expect: '0' }
        ]
      }
    ]
  }
];
