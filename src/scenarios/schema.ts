/**
 * The scenario format: a guest_memfd configuration, the programs of the VMM
 * threads and, per op, the expected outcome. Built-in scenarios and scenario
 * files (JSON) are both validated by {@link scenarioSchema}.
 */
import { z } from 'zod';
import { MODES } from '../model/modes.js';
import { VM_TYPES } from '../model/env.js';
import { vmmOpSchema } from '../model/ops.js';
import { vcpuOpSchema } from '../model/guestOps.js';

const nat = z.number().int().nonnegative();

/** zod schema of a scenario. */
export const scenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case words joined by -'),
    description: z.string().default(''),
    mode: z.enum(MODES).default('rfc-inplace-v8'),
    gmem: z
      .object({
        pages: z
          .number()
          .int()
          .positive()
          .max(2 ** 30),
        folioSize: z.enum(['4K', '2M', '1G']).default('4K'),
        initShared: z.boolean().default(true),
        bound: z.boolean().default(true),
        /** Pages of the file the memslot binds, from offset 0 (default: all). */
        bindPages: z.number().int().positive().optional(),
        baseGfn: nat.default(0x100000),
        /** Free hugepages of the host-global HugeTLB pool (rfc-1g-v2); absent = exactly the reservation. */
        hugePool: nat.optional(),
        /** `GUEST_MEMFD_FLAG_MMAP` (upstream-6.18): the file can be mmap()ed and GMEM_ONLY memslots serve shared faults from it. */
        mmap: z.boolean().default(false)
      })
      .strict(),
    /**
     * The VM (upstream modes): its type and set-up memslots. Absent: one slot (id 0) bound to the guest_memfd as
     * `gmem.bound` / `bindPages` / `baseGfn` say, and a SW_PROTECTED VM (DEFAULT when the file is MMAP|INIT_SHARED).
     */
    vm: z
      .object({
        type: z.enum(VM_TYPES).optional(),
        /** GFN guest op `index` 0 means (upstream modes); default `gmem.baseGfn`. */
        gfnBase: nat.optional(),
        memslots: z
          .array(
            z
              .object({
                id: nat,
                asId: nat.default(0),
                baseGfn: nat,
                npages: z.number().int().positive(),
                /** `KVM_MEM_GUEST_MEMFD`, bound to the scenario's guest_memfd at page `pgoff`. */
                guestMemfd: z.boolean().default(true),
                pgoff: nat.default(0),
                /** `userspace_addr` as a host page number (default: a private range per slot id). */
                userspacePage: nat.optional(),
                /** Host page size backing `userspace_addr` (THP/hugetlbfs): the largest shared leaf KVM may use. */
                sharedPageSize: z.enum(['4K', '2M', '1G']).default('4K')
              })
              .strict()
          )
          .optional()
      })
      .strict()
      .optional(),
    threads: z
      .array(z.object({ ops: z.array(vmmOpSchema).min(1) }).strict())
      .min(1)
      .max(64),
    /** vCPUs (`vcpu0`, ...), each running a guest program. */
    vcpus: z
      .array(z.object({ ops: z.array(vcpuOpSchema).min(1) }).strict())
      .max(64)
      .default([]),
    maxSteps: z.number().int().positive().default(200_000),
    /** Bound of the LIVENESS monitor: steps an operation may take while it is the only one in flight. */
    livenessStepsMax: z.number().int().positive().optional()
  })
  .strict()
  .superRefine((s, ctx) => {
    s.threads.forEach((t, ti) => {
      const names = new Set<string>();
      t.ops.forEach((op, oi) => {
        if (op.op === 'pin') {
          if (names.has(op.pin)) ctx.addIssue({ code: 'custom', path: ['threads', ti, 'ops', oi, 'pin'], message: `pin name ${op.pin} used twice` });
          names.add(op.pin);
        }
      });
    });
  });

/** A scenario after defaults are applied. */
export type Scenario = z.infer<typeof scenarioSchema>;
/** A scenario as written. */
export type ScenarioInput = z.input<typeof scenarioSchema>;

/** Folio order of a folio size. */
export function folioOrderOf(size: Scenario['gmem']['folioSize']): number {
  return size === '4K' ? 0 : size === '2M' ? 9 : 18;
}

/** Id of VMM thread `i`. */
export function threadId(i: number): string {
  return `t${i}`;
}

/** VMM ops that only exist in the upstream modes (the VM attribute ioctl, memslots, userspace memory). */
const UPSTREAM_ONLY_OPS: readonly string[] = [
  'setMemoryAttributes',
  'injectAttrReserveFailure',
  'createMemslot',
  'deleteMemslot',
  'uaccess',
  'umunmap',
  'populate',
  'memoryFailure',
  'markVmDead'
];
/** vCPU-thread ops that only exist in the upstream modes (KVM_PRE_FAULT_MEMORY walks the VM's memslots, O13). */
const UPSTREAM_ONLY_VCPU_OPS: readonly string[] = ['preFault', 'preFaultTest'];

/**
 * Why `s` cannot run in its mode, or null. The runner refuses such a run with a
 * scenario error (CLI exit 2): e.g. the in-place `convert` op in an upstream
 * mode, or GUEST_MEMFD_FLAG_INIT_SHARED in upstream-6.8.
 */
export function modeProblem(s: Scenario): string | null {
  const upstream = s.mode === 'upstream-6.8' || s.mode === 'upstream-6.18';
  const ops = s.threads.flatMap((t) => t.ops.map((o) => o.op));
  const vmType = s.vm?.type ?? (s.gmem.initShared && s.gmem.mmap ? 'DEFAULT' : 'SW_PROTECTED');
  const noBitAt = s.vcpus.flatMap((v, i) => v.ops.flatMap((o, j) => (o.op === 'guestAccess' && o.private === undefined ? [`vcpus[${i}].ops[${j}]`] : [])));
  const noBit = noBitAt[0];
  if (noBit !== undefined && !(upstream && (vmType === 'SW_PROTECTED' || vmType === 'DEFAULT'))) {
    return (
      `scenario ${s.name}: ${noBit} is a guestAccess without \`private\`; only a SW_PROTECTED or DEFAULT VM of an upstream mode ` +
      `has KVM synthesize the private bit from the attributes (here: ${upstream ? `vm.type ${vmType}` : `mode ${s.mode}`}); say \`private: true|false\``
    );
  }
  if (upstream) {
    if (ops.includes('convert')) {
      return `scenario ${s.name} uses op convert (in-place conversion, O7), which mode ${s.mode} does not have: upstream converts with setMemoryAttributes (KVM_SET_MEMORY_ATTRIBUTES, O6)`;
    }
    if (s.gmem.folioSize !== '4K') return `scenario ${s.name}: mode ${s.mode} has only order-0 guest_memfd folios (gmem.folioSize must be 4K)`;
    if (s.mode === 'upstream-6.8' && (s.gmem.initShared || s.gmem.mmap)) {
      return `scenario ${s.name}: mode upstream-6.8 has no GUEST_MEMFD_FLAG_MMAP / INIT_SHARED (set gmem.initShared and gmem.mmap to false)`;
    }
    const type = s.vm?.type ?? (s.gmem.initShared && s.gmem.mmap ? 'DEFAULT' : 'SW_PROTECTED');
    if (s.mode === 'upstream-6.18' && s.gmem.initShared && type !== 'DEFAULT') {
      return `scenario ${s.name}: GUEST_MEMFD_FLAG_INIT_SHARED needs a VM without private memory (vm.type DEFAULT, not ${type})`;
    }
    if (s.mode === 'upstream-6.18' && s.gmem.initShared && !s.gmem.mmap) {
      return `scenario ${s.name}: GUEST_MEMFD_FLAG_INIT_SHARED without GUEST_MEMFD_FLAG_MMAP (set gmem.mmap)`;
    }
    return null;
  }
  const badVcpu = s.vcpus.flatMap((v) => v.ops.map((o) => o.op)).find((o) => UPSTREAM_ONLY_VCPU_OPS.includes(o));
  if (badVcpu !== undefined)
    return `scenario ${s.name} uses vCPU op ${badVcpu}, which exists only in the upstream modes (upstream-6.8, upstream-6.18), not in ${s.mode}`;
  const other = earlierDesignProblem(s, ops);
  if (other !== undefined) return other;
  // The in-place designs have no VM attribute ioctl and no memslot ops; other modes decide for themselves.
  if (s.mode !== 'rfc-inplace-v8' && s.mode !== 'rfc-1g-v2') return null;
  const bad = ops.find((o) => UPSTREAM_ONLY_OPS.includes(o));
  if (bad !== undefined) return `scenario ${s.name} uses op ${bad}, which exists only in the upstream modes (upstream-6.8, upstream-6.18), not in ${s.mode}`;
  return null;
}

/**
 * VMM ops of mode rfc-1g-v1 (O3, O4, O6 + faultability, O8, O9), the VMM's userspace memory behind `userspace_addr`
 * (the guest's shared pages, as upstream) and userspace events. vCPUs run guest programs through the upstream KVM
 * fault (kvmPageFault.ts).
 */
const RFC_1G_V1_OPS: readonly string[] = [
  'access',
  'pin',
  'unpin',
  'munmap',
  'punchHole',
  'fallocate',
  'setMemoryAttributes',
  'injectAttrReserveFailure',
  'signal',
  'uaccess',
  'umunmap',
  'signalEvent',
  'waitEvent'
];
/** VMM ops of mode fd-2022 (fallocate = map private, PUNCH_HOLE = unmap, userspace memory, KVM_RUN). */
const FD_2022_OPS: readonly string[] = ['fallocate', 'punchHole', 'uaccess', 'umunmap', 'kvmRun'];

/** {@link modeProblem} for modes rfc-1g-v1 and fd-2022: null = fine, undefined = not one of them. */
function earlierDesignProblem(s: Scenario, ops: readonly string[]): string | null | undefined {
  if (s.mode === 'rfc-1g-v1') {
    const bad = ops.find((o) => !RFC_1G_V1_OPS.includes(o));
    if (bad !== undefined) {
      return `scenario ${s.name} uses op ${bad}, which mode rfc-1g-v1 does not model (ops: ${RFC_1G_V1_OPS.join(', ')}; conversion is setMemoryAttributes, O6 + faultability)`;
    }
    return null;
  }
  if (s.mode === 'fd-2022') {
    const bad = ops.find((o) => !FD_2022_OPS.includes(o));
    if (bad !== undefined) {
      return `scenario ${s.name} uses op ${bad}, which mode fd-2022 does not have (ops: ${FD_2022_OPS.join(', ')}; the backing fd cannot be mmap()ed and private = allocated)`;
    }
    if (s.gmem.folioSize !== '4K') return `scenario ${s.name}: mode fd-2022 has only 4K pages (gmem.folioSize must be 4K)`;
    return null;
  }
  return undefined;
}

/** A scenario a plugin exports, as {@link defineScenario} returns it. */
export interface ScenarioDef {
  readonly kind: 'scenario';
  readonly scenario: Scenario;
}

/**
 * Declares a scenario for a plugin (`gmemsim --plugin FILE`): validated
 * against the scenario schema now (defaults filled in); throws a zod error
 * naming the field otherwise.
 */
export function defineScenario(input: ScenarioInput): ScenarioDef {
  return { kind: 'scenario', scenario: scenarioSchema.parse(input) };
}
