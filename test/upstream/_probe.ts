import { runSchedule } from '../../src/runtime/runner.js';
import { BUILTIN_SCENARIOS } from '../../src/scenarios/builtins.js';
const variant = process.argv[3] ?? null;
for (const sc of BUILTIN_SCENARIOS.filter((s) => s.mode.startsWith('upstream') && (process.argv[2] === undefined || s.name === process.argv[2]))) {
  let bad = 0;
  let first = '';
  for (let seed = 0; seed < 300; seed++) {
    let r;
    try { r = runSchedule({ scenario: sc, seed, variant }); } catch (e) { first = `seed ${seed}: ${(e as Error).message.slice(0, 600)}`; bad++; break; }
    if (r.violations.length > 0 || r.reason !== 'quiescent') { bad++; if (first === '') first = `seed ${seed}: ${r.reason} ${JSON.stringify(r.violations[0])}`; }
  }
  console.log(sc.name, bad, first);
}
