/**
 * Log digests: SHA-256 of the entries (header excluded) of chosen scenarios and
 * seeds, so two commits can be shown to produce byte-identical logs (the
 * determinism contract: same seed, scenario and version, same log). Used to show
 * that a soak run at an earlier commit still holds for the current model.
 *
 *   node --import tsx bench/logDigest.ts --scenario A,B --seeds 3 [--out FILE] [--against EARLIER.json]
 *   node --import tsx bench/logDigest.ts --all --variants --seeds 3 [--out FILE] [--against EARLIER.json]
 *
 * `--all` digests every built-in scenario; `--variants` adds, for every catalogued
 * variant, its home scenario run with the variant (the run stops at the first
 * violation, as `run` does), so a refactoring of the protocol can be shown to keep
 * both the correct protocol and every reintroduced bug step for step.
 *
 * `--against` compares with the digests an earlier commit wrote; the output
 * then holds both and `identical`, and the exit code is 1 if any log differs.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatEntry } from '../src/events/logEntry.js';
import { runSchedule } from '../src/run/runner.js';
import { BUILTIN_SCENARIOS, findScenario } from '../src/scenarios/builtins.js';
import { VARIANTS } from '../src/variants/index.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string' },
    all: { type: 'boolean', default: false },
    variants: { type: 'boolean', default: false },
    seeds: { type: 'string', default: '3' },
    out: { type: 'string' },
    against: { type: 'string' }
  }
});
const names = values.all ? BUILTIN_SCENARIOS.map((s) => s.name) : (values.scenario ?? '').split(',').filter((n) => n !== '');
const runs: { name: string; variant: string | null }[] = names.map((name) => ({ name, variant: null }));
if (values.variants) for (const v of VARIANTS) runs.push({ name: v.scenario, variant: v.id });
const seeds = Number(values.seeds);
const digests: { scenario: string; variant?: string; seed: number; entries: number; sha256: string }[] = [];
for (const { name, variant } of runs) {
  const scenario = findScenario(name);
  if (scenario === undefined) {
    console.error(`logDigest: --scenario: no built-in scenario named ${name}`);
    process.exit(2);
  }
  for (let seed = 1; seed <= seeds; seed++) {
    const hash = createHash('sha256');
    let entries = 0;
    runSchedule({
      scenario,
      seed,
      variant,
      sink: {
        header: () => undefined,
        entry: (e) => {
          hash.update(formatEntry(e) + '\n');
          entries++;
        }
      }
    });
    digests.push({ scenario: name, ...(variant === null ? {} : { variant }), seed, entries, sha256: hash.digest('hex') });
  }
}
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || null;
interface Digests {
  commit: string | null;
  digests: typeof digests;
}
const now: Digests = { commit, digests };
const earlier = values.against === undefined ? null : (JSON.parse(readFileSync(values.against, 'utf8')) as Digests);
const identical = earlier === null ? null : JSON.stringify(earlier.digests) === JSON.stringify(digests);
const result = earlier === null ? now : { earlier, now, identical };
if (identical === false) process.exitCode = 1;
if (values.out !== undefined) writeFileSync(values.out, JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result));
