/**
 * Exploration benchmark: for every variant in the registry (src/variants,
 * iterated at run time), time and schedules to the first violation per strategy
 * (median over 20 master seeds), shrink lengths before/after, and DPOR on the
 * small built-in configurations. Writes bench/results/explore.json.
 *
 *   npm run bench:explore [-- --variant B20,B21]
 *
 * `--variant` re-measures only the listed variants and merges their rows into
 * the existing bench/results/explore.json (the other rows and DPOR are kept).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dpor } from '../src/explore/dpor.js';
import { explore } from '../src/explore/explore.js';
import { VARIANTS } from '../src/variants/index.js';
import { findScenario } from '../src/scenarios/builtins.js';

const { values: args } = parseArgs({ options: { variant: { type: 'string' } } });
const only = args.variant === undefined ? null : new Set(args.variant.split(','));
const unknown = only === null ? [] : [...only].filter((id) => !VARIANTS.some((v) => v.id === id));
if (unknown.length > 0) {
  process.stderr.write(`explore.bench: --variant: no variant ${unknown.join(', ')}\n`);
  process.exit(2);
}
const SEEDS = 20;
const SCHEDULES_MAX = 3000;
const STRATEGIES = ['random', 'pct', 'pos', 'portfolio'] as const;
const outDir = mkdtempSync(join(tmpdir(), 'gmemsim-bench-explore-'));

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const variants: Record<string, unknown>[] = [];
for (const v of VARIANTS.filter((x) => only === null || only.has(x.id))) {
  const base = findScenario(v.scenario);
  if (base === undefined) {
    variants.push({ variant: v.id, scenario: v.scenario, error: 'scenario not found' });
    continue;
  }
  const scenario = base;
  const perStrategy: Record<string, unknown> = {};
  for (const strategy of STRATEGIES) {
    const ms: number[] = [];
    const schedules: number[] = [];
    let found = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const t0 = performance.now();
      const r = explore({ scenario, variant: v.id, seed, schedules: SCHEDULES_MAX, outDir, force: true, strategy, shrink: false, coverage: false });
      const t = performance.now() - t0;
      if (r.found !== null) {
        found++;
        ms.push(t);
        schedules.push(r.found.schedule + 1);
      }
    }
    perStrategy[strategy] = {
      found,
      of: SEEDS,
      medianMsToFirstViolation: median(ms),
      maxMsToFirstViolation: ms.length === 0 ? null : Math.max(...ms),
      medianSchedulesToFirstViolation: median(schedules),
      maxSchedulesToFirstViolation: schedules.length === 0 ? null : Math.max(...schedules)
    };
    process.stdout.write(`${v.id} ${strategy}: found ${found}/${SEEDS}, median ${median(ms)?.toFixed(1) ?? '-'} ms, ${median(schedules) ?? '-'} schedules\n`);
  }
  const withShrink = explore({ scenario, variant: v.id, seed: 1, schedules: SCHEDULES_MAX, outDir, force: true, strategy: 'portfolio' });
  const s = withShrink.found?.shrunk ?? null;
  variants.push({
    variant: v.id,
    scenario: v.scenario,
    invariant: withShrink.found?.violation.invariant ?? null,
    strategies: perStrategy,
    shrink: s === null ? null : { before: s.before, after: s.after, runs: s.runs, fixpoint: s.fixpoint }
  });
}

interface Previous {
  variants: Record<string, unknown>[];
  dpor: Record<string, unknown>[];
}
const previous: Previous | null =
  only !== null && existsSync('bench/results/explore.json') ? (JSON.parse(readFileSync('bench/results/explore.json', 'utf8')) as Previous) : null;
const dporRuns: Record<string, unknown>[] = previous?.dpor ?? [];
for (const [name, bound] of only !== null
  ? []
  : ([
      ['dpor-fault-vs-convert', undefined],
      ['dpor-2vcpu-convert-twice', 2]
    ] as const)) {
  for (const variant of [null, 'B15']) {
    const scenario = findScenario(name);
    if (scenario === undefined) continue;
    const t0 = performance.now();
    const r = dpor({ scenario, variant, ...(bound === undefined ? {} : { preemptionBound: bound }) });
    const row = {
      scenario: name,
      variant,
      preemptionBound: bound ?? null,
      executions: r.executions,
      sleepBlocked: r.sleepBlocked,
      pruned: r.pruned,
      complete: r.complete,
      preemptionBounded: r.preemptionBounded,
      found: r.found?.violation.invariant ?? null,
      ms: Math.round(performance.now() - t0)
    };
    dporRuns.push(row);
    process.stdout.write(`dpor ${JSON.stringify(row)}\n`);
  }
}

/** Rows in registry order: the ones measured now, else the previous run's. */
function merged(): Record<string, unknown>[] {
  if (previous === null) return variants;
  const rows: Record<string, unknown>[] = [];
  for (const v of VARIANTS) {
    const row = variants.find((r) => r['variant'] === v.id) ?? previous.variants.find((r) => r['variant'] === v.id);
    if (row !== undefined) rows.push(row);
  }
  return rows;
}

mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/explore.json',
  JSON.stringify({ node: process.version, seeds: SEEDS, schedulesMax: SCHEDULES_MAX, variants: merged(), dpor: dporRuns }, null, 2) + '\n'
);
process.stdout.write('wrote bench/results/explore.json\n');
