/**
 * Built-in scenarios (listed by `gmemsim scenarios`). Each gives a workload and,
 * per op, the outcomes the protocol allows; `explore` runs them under many
 * interleavings and the invariant checkers judge every step.
 */
import { type Scenario, type ScenarioInput, scenarioSchema } from './schema.js';

const PAGE = 4096;

const INPUTS: readonly ScenarioInput[] = [
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
    threads: [{ ops: [{ op: 'access', index: 0, expect: ['0', 'SIGBUS'] }] }],
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
  }
];

/** Every built-in scenario, validated. */
export const BUILTIN_SCENARIOS: readonly Scenario[] = INPUTS.map((s) => scenarioSchema.parse(s));

/** The scenario `run` and `explore` use when none is named. */
export const DEFAULT_SCENARIO = 'shared-traffic';

/** Finds a built-in scenario by name. */
export function findScenario(name: string): Scenario | undefined {
  return BUILTIN_SCENARIOS.find((s) => s.name === name);
}
