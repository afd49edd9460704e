/**
 * EXPECT: every op returns an outcome its scenario allows (`expect`,
 * `expectErrorOffset`, `expectValue`). Reads the scenario from the log header.
 */
import { scenarioOfSpec } from '../scenarioOfHeader.js';
import { defineChecker, violation } from '../checker.js';

/** The EXPECT checker. */
export const expectChecker = defineChecker({
  id: 'EXPECT',
  statement: 'every operation returns an outcome the scenario allows',
  modes: ['*'],
  init: (header) => scenarioOfSpec(header)?.threads ?? [],
  facts: {
    OpReturned: (threads, e) => {
      const thread = e.data.thread;
      const m = /^t(\d+)$/.exec(thread);
      const op = m === null ? undefined : threads[Number(m[1])]?.ops[e.data.op];
      if (op === undefined) return [];
      const rc = e.data.rc;
      const allowed = op.expect === undefined ? undefined : typeof op.expect === 'string' ? [op.expect] : op.expect;
      const where = `${thread} op ${e.data.op} (${op.op})`;
      if (allowed !== undefined && !allowed.includes(rc)) {
        return [violation('EXPECT', e, `${where} returned ${rc}, expected ${allowed.join(' or ')}`)];
      }
      if (op.expectErrorOffset !== undefined && rc === '-EAGAIN' && e.data.errorOffset !== op.expectErrorOffset) {
        return [violation('EXPECT', e, `${where} returned error_offset ${String(e.data.errorOffset)}, expected ${op.expectErrorOffset}`)];
      }
      if (op.op === 'access' && op.expectValue !== undefined && rc === '0' && e.data.value !== op.expectValue) {
        return [violation('EXPECT', e, `${where} read ${String(e.data.value)}, expected ${op.expectValue}`)];
      }
      return [];
    }
  }
});
