/**
 * EXPECT for guest programs: every guest op of a vCPU returns an outcome its
 * scenario allows (`expect`, `expectValue`). Reads the scenario from the log
 * header; VMM thread ops are judged by expectChecker.ts.
 */
import { vcpuIndex } from '../../model/guestOps.js';
import { scenarioOfSpec } from '../scenarioOfHeader.js';
import type { CheckerSpec } from '../checker.js';
import { violation } from '../checker.js';

/** The guest-program EXPECT checker (reports invariant `EXPECT`). */
export const guestExpectChecker: CheckerSpec = {
  id: 'EXPECT-GUEST',
  statement: 'every guest operation returns an outcome the scenario allows',
  modes: ['*'],
  on: ['OpReturned'],
  create: (header) => {
    const vcpus = scenarioOfSpec(header)?.vcpus ?? [];
    return {
      id: 'EXPECT-GUEST',
      check(_view, e) {
        if (e.kind !== 'fact' || e.type !== 'OpReturned') return [];
        const vcpu = e.data['thread'] as string;
        const i = vcpuIndex(vcpu);
        const op = i === null ? undefined : vcpus[i]?.ops[e.data['op'] as number];
        if (op === undefined) return [];
        const rc = e.data['rc'] as string;
        const allowed = op.expect === undefined ? undefined : typeof op.expect === 'string' ? [op.expect] : op.expect;
        const where = `${vcpu} op ${String(e.data['op'])} (${op.op})`;
        if (allowed !== undefined && !allowed.includes(rc)) {
          return [violation('EXPECT', e, `${where} returned ${rc}, expected ${allowed.join(' or ')}`)];
        }
        if (op.op === 'guestAccess' && op.expectValue !== undefined && rc === '0' && e.data['value'] !== op.expectValue) {
          return [violation('EXPECT', e, `${where} read ${String(e.data['value'])}, expected ${op.expectValue}`)];
        }
        return [];
      }
    };
  }
};
