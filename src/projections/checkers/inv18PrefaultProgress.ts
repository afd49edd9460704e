/**
 * INV-18 Pre-fault progress contract (spec §4, O13, S-T-PREF): each
 * KVM_PRE_FAULT_MEMORY call either returns 0 with `range.size` strictly smaller
 * and `range.gpa` advanced by the same amount, or returns <0 with the range
 * unchanged; size 0 is `-EINVAL`; a call that pre-faulted every byte of its range
 * (its `PrefaultMapped` bytes add up to the size) returns 0, never an error such
 * as -EAGAIN. Folds `PrefaultStarted`, `PrefaultMapped`, `PrefaultReturned`.
 *
 * Also exports {@link prefaultExpectChecker}: the `expectLeft` of pre-fault ops
 * (reported as `EXPECT`).
 */
import { vcpuIndex } from '../../model/guestOps.js';
import { scenarioOfSpec } from '../scenarioOfHeader.js';
import { defineChecker, hex, violation } from '../checker.js';
import type { Violation } from '../violation.js';

interface Call {
  readonly gpa: number;
  readonly size: number;
  mapped: number;
}

/** The INV-18 checker. */
export const inv18 = defineChecker({
  id: 'INV-18',
  statement:
    'KVM_PRE_FAULT_MEMORY returns 0 with progress (size down, gpa up by the same) or <0 with the range unchanged; size 0 is -EINVAL; full progress is success',
  modes: ['*'],
  /** vCPU -> its pre-fault call in flight. */
  init: () => new Map<string, Call>(),
  facts: {
    PrefaultStarted: (calls, e) => {
      calls.set(e.data.vcpu, { gpa: e.data.gpa, size: e.data.size, mapped: 0 });
      return [];
    },
    PrefaultMapped: (calls, e) => {
      const c = calls.get(e.data.vcpu);
      if (c !== undefined) c.mapped += e.data.bytes;
      return [];
    },
    PrefaultReturned: (calls, e) => {
      const vcpu = e.data.vcpu;
      const c = calls.get(vcpu);
      calls.delete(vcpu);
      if (c === undefined) return [];
      const rc = e.data.rc;
      const gpa = e.data.remainingGpa;
      const size = e.data.remainingSize;
      const where = `KVM_PRE_FAULT_MEMORY of ${vcpu} on [${hex(c.gpa)}, +${hex(c.size)}) returned ${rc} at step ${e.step}`;
      const out: Violation[] = [];
      if (rc === '0') {
        if (!(size < c.size)) out.push(violation('INV-18', e, `${where} without progress (size ${hex(size)} left)`));
        if (gpa - c.gpa !== c.size - size)
          out.push(violation('INV-18', e, `${where}: gpa advanced by ${hex(gpa - c.gpa)} but size shrank by ${hex(c.size - size)}`));
      } else if (gpa !== c.gpa || size !== c.size) {
        out.push(violation('INV-18', e, `${where} but changed the range to [${hex(gpa)}, +${hex(size)})`));
      }
      if (c.size === 0 && rc !== '-EINVAL') out.push(violation('INV-18', e, `${where}: size 0 must be -EINVAL`));
      if (c.size > 0 && c.mapped >= c.size && rc !== '0') out.push(violation('INV-18', e, `${where} after pre-faulting every byte (success expected)`));
      return out;
    }
  }
});

/** EXPECT for the `expectLeft` of `preFault` / `preFaultTest` ops (bytes left in `range.size`, the op's value). */
export const prefaultExpectChecker = defineChecker({
  id: 'EXPECT-PREFAULT',
  statement: 'every pre-fault op leaves the range.size its scenario expects',
  modes: ['*'],
  init: (header) => scenarioOfSpec(header)?.vcpus ?? [],
  facts: {
    OpReturned: (vcpus, e) => {
      const vcpu = e.data.thread;
      const i = vcpuIndex(vcpu);
      const op = i === null ? undefined : vcpus[i]?.ops[e.data.op];
      if (op === undefined || (op.op !== 'preFault' && op.op !== 'preFaultTest') || op.expectLeft === undefined) return [];
      if (e.data.value === op.expectLeft) return [];
      return [violation('EXPECT', e, `${vcpu} op ${e.data.op} (${op.op}) left ${String(e.data.value)} bytes, expected ${op.expectLeft}`)];
    }
  }
});
