/**
 * EXPECT for guest programs: every guest op of a vCPU returns an outcome its
 * scenario allows (`expect`, `expectValue`). Reads the scenario from the log
 * header; VMM thread ops are judged by expectChecker.ts.
 */
import { vcpuIndex } from '../../model/guestOps.js';
import { scenarioOfSpec } from '../scenarioOfHeader.js';
import { defineChecker, violation } from '../checker.js';

/** The guest-program EXPECT checker (reports invariant `EXPECT`). */
export const guestExpectChecker = defineChecker({
  id: 'EXPECT-GUEST',
  statement: 'every guest operation returns an outcome the scenario allows',
  modes: ['*'],
  init: (header) => scenarioOfSpec(header)?.vcpus ?? [],
  facts: {
    OpReturned: (vcpus, e) => {
      const vcpu = e.data.thread;
      const i = vcpuIndex(vcpu);
      const op = i === null ? undefined : vcpus[i]?.ops[e.data.op];
      if (op === undefined) return [];
      const rc = e.data.rc;
      const allowed = op.expect === undefined ? undefined : typeof op.expect === 'string' ? [op.expect] : op.expect;
      const where = `${vcpu} op ${e.data.op} (${op.op})`;
      if (allowed !== undefined && !allowed.includes(rc)) {
        return [violation('EXPECT', e, `${where} returned ${rc}, expected ${allowed.join(' or ')}`)];
      }
      if (op.op === 'guestAccess' && op.expectValue !== undefined && rc === '0' && e.data.value !== op.expectValue) {
        return [violation('EXPECT', e, `${where} read ${String(e.data.value)}, expected ${op.expectValue}`)];
      }
      return [];
    }
  }
});
