import { runSchedule } from '../../src/runtime/runner.js';
import { scenarioSchema } from '../../src/scenarios/schema.js';
const PAGE = 4096;
const G = 0x100000;
const sc = scenarioSchema.parse({
  name: 'smoke', mode: 'upstream-6.8',
  gmem: { pages: 4, initShared: false },
  threads: [{ ops: [
    { op: 'setMemoryAttributes', address: G * PAGE, size: 2 * PAGE, attributes: 8, expect: '0' },
    { op: 'uaccess', page: 0x40002, write: true, value: 7, expect: '0' },
    { op: 'setMemoryAttributes', address: G * PAGE, size: PAGE, attributes: 0, expect: '0' },
  ] }],
  vcpus: [{ ops: [
    { op: 'guestAccess', index: 0, private: true, write: true, value: 5, expect: ['0', '-EFAULT'] },
    { op: 'guestAccess', index: 2, private: false, expect: '0' },
    { op: 'guestAccess', index: 1, private: true, expect: ['0', '-EFAULT'] },
  ] }]
});
for (let seed = 0; seed < 200; seed++) {
  const entries: any[] = [];
  const r = runSchedule({ scenario: sc, seed, sink: { header: () => undefined, entry: (e) => { entries.push(e); } } });
  if (r.violations.length > 0 || r.reason !== 'quiescent') {
    console.log(seed, r.reason, r.violations);
    for (const e of entries.filter((e) => e.kind !== 'sched').slice(-30)) console.log(JSON.stringify(e));
    break;
  }
  if (seed === 0) console.log(entries.filter((e) => e.kind === 'fact' && e.type === 'OpReturned').map((e) => JSON.stringify(e.data)).join('\n'));
}
console.log('done');
