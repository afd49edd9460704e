/**
 * Built-in scenarios of KVM_PRE_FAULT_MEMORY (O13), populate (O16) and memory
 * failure (O17), listed in builtins.ts.
 *
 * `pre-fault-memory-test-*` are spec §6.3 (`pre_fault_memory_test.c`) in its
 * three configurations: slot 10 of 513 pages at
 * `gpa = align_down((max_gfn - 513) * 4096, 2M)` with `max_gfn` = {@link PREFAULT_MAX_GFN}
 * (a 46-bit guest physical space; the selftest takes the vCPU's MAXPHYADDR), a
 * slot worker (VMM thread `t0`) that deletes slot 10 when told and recreates it
 * (with a new guest_memfd in the private configuration), the three calls of the
 * `pre_fault_memory()` helper, then a guest read of one u64 from each of the 513
 * pages. The shared configurations back the slot with 2M THP (the first call may
 * then be one 2M leaf); a re-created slot is 4K-backed (`createMemslot` has no page
 * size). Smaller scenarios (`prefault-*`) isolate the races for exploration.
 */
import type { ScenarioInput } from './schema.js';

const PAGE = 4096;
const HPAGE = 2 * 1024 * 1024;

/** `max_gfn` of the §6.3 scenarios. */
export const PREFAULT_MAX_GFN = 2 ** 34 - 1;
/** §6.3 `TEST_NPAGES`. */
export const TEST_NPAGES = 513;
/** §6.3 `TEST_SLOT`. */
export const TEST_SLOT = 10;
/** §6.3 base gpa: `align_down((max_gfn - TEST_NPAGES) * PAGE, 2M)`. */
export const TEST_GPA = Math.floor(((PREFAULT_MAX_GFN - TEST_NPAGES) * PAGE) / HPAGE) * HPAGE;
/** Host page of the slot's anonymous memory (2M aligned, like the gpa). */
export const TEST_HVA_PAGE = 0x80000;

/** The three calls of §6.3: gpa offset, size, expected bytes left, final rc. */
export const PREFAULT_TEST_CALLS = [
  { offset: 0, size: HPAGE, left: 0, rc: '0' },
  { offset: HPAGE, size: 2 * PAGE, left: PAGE, rc: '-ENOENT' },
  { offset: HPAGE + PAGE, size: PAGE, left: PAGE, rc: '-ENOENT' }
] as const;

function preFaultMemoryTest(name: string, type: 'DEFAULT' | 'SW_PROTECTED', priv: boolean): ScenarioInput {
  const baseGfn = TEST_GPA / PAGE;
  const slotSize = TEST_NPAGES * PAGE;
  const worker = PREFAULT_TEST_CALLS.flatMap((_c, i) => {
    const sync = `c${i + 1}`;
    const recreate = priv
      ? [
          { op: 'createGmem' as const, size: slotSize, fd: `g${i + 1}`, expect: '0' },
          {
            op: 'createMemslot' as const,
            slot: TEST_SLOT,
            gpa: TEST_GPA,
            size: slotSize,
            flags: ['GUEST_MEMFD' as const],
            fd: `g${i + 1}`,
            userspaceAddr: TEST_HVA_PAGE * PAGE,
            expect: '0'
          }
        ]
      : [{ op: 'createMemslot' as const, slot: TEST_SLOT, gpa: TEST_GPA, size: slotSize, userspaceAddr: TEST_HVA_PAGE * PAGE, expect: '0' }];
    return [
      { op: 'waitEvent' as const, event: `${sync}:go` },
      { op: 'deleteMemslot' as const, slot: TEST_SLOT, expect: '0' },
      { op: 'waitEvent' as const, event: `${sync}:recreate` },
      ...recreate,
      { op: 'signalEvent' as const, event: `${sync}:joined` }
    ];
  });
  const setup = priv
    ? [
        { op: 'setMemoryAttributes' as const, address: TEST_GPA, size: slotSize, attributes: 8, expect: '0' },
        { op: 'signalEvent' as const, event: 'setup' }
      ]
    : [{ op: 'signalEvent' as const, event: 'setup' }];
  return {
    name,
    description:
      `Spec §6.3 pre_fault_memory_test (vm_type=${type}, private=${String(priv)}): three KVM_PRE_FAULT_MEMORY calls on slot 10 ` +
      '(513 pages near the top of the GPA space) racing a worker that deletes and recreates the slot; the (size < prev) XOR ' +
      '(ret < 0) assertion, EINTR retry, expected sizes left and rcs; then the guest reads every page.',
    mode: 'upstream-6.8',
    gmem: { pages: TEST_NPAGES, initShared: false, bound: priv },
    vm: {
      type,
      gfnBase: baseGfn,
      memslots: [{ id: TEST_SLOT, baseGfn, npages: TEST_NPAGES, guestMemfd: priv, userspacePage: TEST_HVA_PAGE, sharedPageSize: priv ? '4K' : '2M' }]
    },
    threads: [{ ops: [...setup, ...worker] }],
    vcpus: [
      {
        ops: [
          { op: 'waitEvent', event: 'setup' },
          ...PREFAULT_TEST_CALLS.map((c, i) => ({
            op: 'preFaultTest' as const,
            gpa: TEST_GPA + c.offset,
            size: c.size,
            sync: `c${i + 1}`,
            expect: c.rc,
            expectLeft: c.left
          })),
          ...Array.from({ length: TEST_NPAGES }, (_v, i) => ({ op: 'guestAccess' as const, index: i, private: priv, expect: '0', expectValue: 0 }))
        ]
      }
    ],
    maxSteps: 400_000
  };
}

const SMALL_GFN = 0x100000;
const SMALL_GPA = SMALL_GFN * PAGE;

/** The pre-fault, populate and memory-failure scenarios. */
export const PREFAULT_SCENARIOS: readonly ScenarioInput[] = [
  preFaultMemoryTest('pre-fault-memory-test-default', 'DEFAULT', false),
  preFaultMemoryTest('pre-fault-memory-test-sw-protected', 'SW_PROTECTED', false),
  preFaultMemoryTest('pre-fault-memory-test-private', 'SW_PROTECTED', true),
  {
    name: 'prefault-vs-memslot-delete',
    description:
      'Spec B8 window, small: the §6.3 helper pre-faults 3 of the 4 pages of slot 10 while the worker deletes the slot ' +
      '(INVALID -> synchronize_srcu) and recreates it; the pre-fault must return -EAGAIN/-ENOENT or progress, never spin ' +
      'inside its SRCU read section.',
    mode: 'upstream-6.8',
    gmem: { pages: 4, initShared: false, bound: false },
    vm: { type: 'DEFAULT', gfnBase: SMALL_GFN, memslots: [{ id: TEST_SLOT, baseGfn: SMALL_GFN, npages: 4, guestMemfd: false, userspacePage: 0x40000 }] },
    threads: [
      {
        ops: [
          { op: 'waitEvent', event: 'c1:go' },
          { op: 'deleteMemslot', slot: TEST_SLOT, expect: '0' },
          { op: 'waitEvent', event: 'c1:recreate' },
          { op: 'createMemslot', slot: TEST_SLOT, gpa: SMALL_GPA, size: 4 * PAGE, userspaceAddr: 0x40000 * PAGE, expect: '0' },
          { op: 'signalEvent', event: 'c1:joined' }
        ]
      }
    ],
    vcpus: [
      {
        ops: [
          { op: 'preFaultTest', gpa: SMALL_GPA, size: 3 * PAGE, sync: 'c1', expect: '0', expectLeft: 0 },
          { op: 'guestAccess', index: 2, private: false, expect: '0', expectValue: 0 }
        ]
      }
    ]
  },
  {
    name: 'prefault-root-alloc-failure',
    description:
      'Spec B9: the root allocation of kvm_mmu_reload fails once (fault injection); KVM_PRE_FAULT_MEMORY must return ' +
      '-ENOMEM with the range unchanged, and succeed on the next call.',
    mode: 'upstream-6.8',
    gmem: { pages: 4, initShared: false, bound: false },
    vm: { type: 'DEFAULT', gfnBase: SMALL_GFN, memslots: [{ id: 0, baseGfn: SMALL_GFN, npages: 4, guestMemfd: false, userspacePage: 0x40000 }] },
    threads: [{ ops: [{ op: 'signalEvent', event: 'start' }] }],
    vcpus: [
      {
        ops: [
          { op: 'injectRootAllocFailure', count: 1 },
          { op: 'preFault', gpa: SMALL_GPA, size: PAGE, expect: '-ENOMEM', expectLeft: PAGE },
          { op: 'preFault', gpa: SMALL_GPA, size: PAGE, expect: '0', expectLeft: 0 }
        ]
      }
    ]
  },
  {
    name: 'prefault-vcpu-modes',
    description:
      'Spec B14 / INV-17: normal RAM (as_id 0) and the SMM address space (as_id 1, aliasing the same host memory over 2 pages) at the same GPA. In SMM the pre-fault maps ' +
      'the SMM root from as_id 1; in guest mode (L2, nested TDP) it fails with -EOPNOTSUPP; back in normal mode it maps the L1 root.',
    mode: 'upstream-6.8',
    gmem: { pages: 4, initShared: false, bound: false },
    vm: {
      type: 'DEFAULT',
      gfnBase: SMALL_GFN,
      memslots: [
        { id: 0, asId: 0, baseGfn: SMALL_GFN, npages: 4, guestMemfd: false, userspacePage: 0x40000 },
        { id: 0, asId: 1, baseGfn: SMALL_GFN, npages: 2, guestMemfd: false, userspacePage: 0x40000 }
      ]
    },
    threads: [{ ops: [{ op: 'signalEvent', event: 'start' }] }],
    vcpus: [
      {
        ops: [
          { op: 'setVcpuMode', mode: 'smm' },
          { op: 'preFault', gpa: SMALL_GPA, size: PAGE, expect: '0', expectLeft: 0 },
          { op: 'preFault', gpa: SMALL_GPA + 2 * PAGE, size: PAGE, expect: '-ENOENT', expectLeft: PAGE },
          { op: 'setVcpuMode', mode: 'guest' },
          { op: 'preFault', gpa: SMALL_GPA + PAGE, size: PAGE, expect: '-EOPNOTSUPP', expectLeft: PAGE },
          { op: 'setVcpuMode', mode: 'normal' },
          { op: 'preFault', gpa: SMALL_GPA + PAGE, size: 3 * PAGE, expect: '0', expectLeft: 0 }
        ]
      }
    ]
  }
];
