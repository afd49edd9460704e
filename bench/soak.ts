/**
 * Soak: many random schedules of every built-in scenario under the correct
 * protocol, per implemented mode; any violation fails the soak (exit 1) and its
 * log is kept. Records counts in bench/results/soak.json.
 *
 *   node --import tsx bench/soak.ts [--per-mode N] [--seed S] [--mode M]
 *        [--scenario A,B,...] [--workers N] [--out FILE]
 *
 * Default: 100,000 schedules per mode across the mode's scenarios, and at least
 * 10,000 per scenario (`--min-per-scenario`) unless one schedule of it is longer
 * than `--long-steps` (5,000) steps. Each scenario
 * getting a share inversely proportional to its length in steps (every scenario
 * gets the same number of steps; the 513-page pre-fault test gets few schedules,
 * a two-op race many).
 *
 * `--scenario` keeps only the named scenarios; `--workers N` runs each scenario's
 * schedules on N worker threads (same schedules and verdict as one thread);
 * `--out` writes the results elsewhere than `bench/results/soak.json`. The
 * full-size pre-fault tests get their 10,000 schedules each with
 * `--scenario pre-fault-memory-test-default,... --per-mode 0 --long-steps 1000000000
 * --workers 2 --out bench/results/soak-prefault.json`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { explore } from '../src/explore/explore.js';
import { exploreParallel } from '../src/explore/workers.js';
import { IMPLEMENTED_MODES } from '../src/model/modes.js';
import { BUILTIN_SCENARIOS } from '../src/scenarios/builtins.js';
import { runSchedule } from '../src/run/runner.js';

const { values } = parseArgs({
  options: {
    'per-mode': { type: 'string', default: '100000' },
    'min-per-scenario': { type: 'string', default: '10000' },
    'long-steps': { type: 'string', default: '5000' },
    seed: { type: 'string', default: '1' },
    mode: { type: 'string' },
    scenario: { type: 'string' },
    workers: { type: 'string', default: '1' },
    out: { type: 'string', default: 'bench/results/soak.json' }
  }
});
const minPerScenario = Number(values['min-per-scenario']);
const longSteps = Number(values['long-steps']);
const perMode = Number(values['per-mode']);
const seed = Number(values.seed);
const workers = Number(values.workers);
const only = values.scenario === undefined ? null : new Set(values.scenario.split(','));
if (only !== null) {
  const unknown = [...only].filter((n) => !BUILTIN_SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) {
    console.error(`soak: --scenario: no built-in scenario named ${unknown.join(', ')}`);
    process.exit(2);
  }
}
const modes = values.mode === undefined ? IMPLEMENTED_MODES : IMPLEMENTED_MODES.filter((m) => m === values.mode);
mkdirSync('gmemsim-out/soak', { recursive: true });

const results: Record<string, unknown>[] = [];
let failed = false;
for (const mode of modes) {
  const scenarios = BUILTIN_SCENARIOS.filter((s) => s.mode === mode && (only === null || only.has(s.name)));
  if (scenarios.length === 0) continue;
  const probes = scenarios.map((s) => Math.max(1, runSchedule({ scenario: s, seed, check: false }).steps));
  const weight = probes.reduce((a, steps) => a + 1 / steps, 0);
  for (const [k, scenario] of scenarios.entries()) {
    // At least minPerScenario schedules each, except scenarios longer than longSteps (e.g. the 513-page pre-fault test).
    const share = Math.max(1, Math.round((perMode * (1 / (probes[k] as number))) / weight));
    const each = (probes[k] as number) > longSteps ? share : Math.max(share, minPerScenario);
    const t0 = performance.now();
    const opts = {
      scenario,
      variant: null,
      seed,
      schedules: each,
      outDir: 'gmemsim-out/soak',
      force: true,
      coverage: false,
      onSchedule: (done: number): void => {
        if (done % 500 === 0) console.error(`${scenario.name}: ${done}/${each} schedules, ${Math.round((performance.now() - t0) / 1000)} s`);
      }
    };
    const r = workers > 1 ? await exploreParallel({ ...opts, workers }) : explore(opts);
    const ms = performance.now() - t0;
    const row = {
      mode,
      scenario: scenario.name,
      schedules: r.schedules,
      steps: r.steps,
      violations: r.found === null ? 0 : 1,
      violation: r.found === null ? null : { invariant: r.found.violation.invariant, message: r.found.violation.message, log: r.found.log },
      seconds: Math.round(ms / 100) / 10
    };
    results.push(row);
    console.log(JSON.stringify(row));
    if (r.found !== null) failed = true;
  }
}
const totals = modes
  .filter((mode) => results.some((r) => r['mode'] === mode))
  .map((mode) => {
    const rows = results.filter((r) => r['mode'] === mode);
    return { mode, schedules: rows.reduce((a, r) => a + (r['schedules'] as number), 0), violations: rows.reduce((a, r) => a + (r['violations'] as number), 0) };
  });
mkdirSync('bench/results', { recursive: true });
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || null;
writeFileSync(
  values.out,
  JSON.stringify(
    {
      benchmark: 'soak',
      commit,
      seed,
      perMode,
      minPerScenario,
      longSteps,
      workers,
      node: process.version,
      ...(only === null ? {} : { only: [...only] }),
      totals,
      scenarios: results
    },
    null,
    2
  ) + '\n'
);
console.log(JSON.stringify({ totals }));
process.exitCode = failed ? 1 : 0;
