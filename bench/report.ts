/**
 * Renders the benchmark results (bench/results/*.json) as the README's
 * benchmark section, between the `<!-- bench:start -->` and `<!-- bench:end -->`
 * markers, so the README always quotes the figures the benchmarks printed last.
 *
 *   node --import tsx bench/report.ts
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

interface Measure {
  readonly stepsPerSec: number;
}
const read = <T>(path: string): T | null => (existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : null);
const fmt = (n: number | null | undefined, digits = 0): string =>
  n === null || n === undefined ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const lines: string[] = [];
const pipeline = read<{
  fullPipeline: Measure;
  checkersOff: Measure;
  withNdjsonFile: Measure;
  plainJsMailboxLoop: Measure;
  xstateSendPlusRxjsNext: Measure & { usPerDelivery: number };
  entriesPerStep: number;
  scenario: string;
  node: string;
}>('bench/results/pipeline.json');
if (pipeline !== null) {
  lines.push(`Pipeline (\`bench/results/pipeline.json\`, scenario ${pipeline.scenario}, Node ${pipeline.node}, one core):`, '');
  lines.push('| measure | steps/s |', '|---|---:|');
  lines.push(`| whole pipeline, every checker on | ${fmt(pipeline.fullPipeline.stepsPerSec)} |`);
  lines.push(`| whole pipeline, checkers off | ${fmt(pipeline.checkersOff.stepsPerSec)} |`);
  lines.push(`| whole pipeline + NDJSON log file | ${fmt(pipeline.withNdjsonFile.stepsPerSec)} |`);
  lines.push(
    `| xstate \`send\` + RxJS \`next\` only, same deliveries (${fmt(pipeline.xstateSendPlusRxjsNext.usPerDelivery, 2)} us each) | ${fmt(pipeline.xstateSendPlusRxjsNext.stepsPerSec)} |`
  );
  lines.push(`| plain-JS mailbox loop, same deliveries | ${fmt(pipeline.plainJsMailboxLoop.stepsPerSec)} |`, '');
}
const memory = read<{ rssMiB: number; heapUsedMiB: number; scenario: string; steps: number }>('bench/results/memory.json');
if (memory !== null) {
  lines.push(
    `Memory (\`bench/results/memory.json\`): ${memory.scenario}: peak RSS ${fmt(memory.rssMiB, 1)} MiB, heap ${fmt(memory.heapUsedMiB, 1)} MiB after ${fmt(memory.steps)} steps (limit 200 MiB).`,
    ''
  );
}
interface Strat {
  readonly found: number;
  readonly of: number;
  readonly medianMsToFirstViolation: number | null;
  readonly maxMsToFirstViolation?: number | null;
  readonly medianSchedulesToFirstViolation: number | null;
  readonly maxSchedulesToFirstViolation?: number | null;
}
const explore = read<{
  seeds: number;
  variants: {
    variant: string;
    scenario: string;
    invariant: string | null;
    strategies?: Record<string, Strat>;
    shrink: { before: { steps: number; ops: number }; after: { steps: number; ops: number } } | null;
  }[];
}>('bench/results/explore.json');
if (explore !== null) {
  lines.push(
    `Time to the first violation per variant (\`bench/results/explore.json\`, ${explore.seeds} master seeds each; ms median / max, schedules median / max):`,
    ''
  );
  lines.push('| variant | invariant | random | pct | pos | portfolio | shrunk steps (ops) |', '|---|---|---|---|---|---|---|');
  for (const v of explore.variants) {
    const cell = (s: Strat | undefined): string =>
      s === undefined
        ? '-'
        : `${fmt(s.medianMsToFirstViolation, 1)} / ${fmt(s.maxMsToFirstViolation, 1)} ms; ${fmt(s.medianSchedulesToFirstViolation)} / ${fmt(s.maxSchedulesToFirstViolation)} (${s.found}/${s.of})`;
    const st = v.strategies ?? {};
    const sh = v.shrink === null ? '-' : `${v.shrink.before.steps} → ${v.shrink.after.steps} (${v.shrink.before.ops} → ${v.shrink.after.ops})`;
    lines.push(`| ${v.variant} | ${v.invariant ?? '-'} | ${cell(st['random'])} | ${cell(st['pct'])} | ${cell(st['pos'])} | ${cell(st['portfolio'])} | ${sh} |`);
  }
  lines.push('');
}
const soak = read<{ seed: number; commit?: string; totals: { mode: string; schedules: number; violations: number }[] }>('bench/results/soak.json');
if (soak !== null) {
  lines.push(
    `Soak (\`npm run soak\`, \`bench/results/soak.json\`, seed ${soak.seed}${soak.commit === undefined ? '' : `, at commit ${soak.commit}`}): correct protocol, random schedules across the built-in scenarios of each mode:`,
    ''
  );
  lines.push('| mode | schedules | violations |', '|---|---:|---:|');
  for (const t of soak.totals) lines.push(`| ${t.mode} | ${fmt(t.schedules)} | ${t.violations} |`);
  lines.push('');
}
interface SoakRow {
  mode: string;
  scenario: string;
  schedules: number;
  steps: number;
  violations: number;
  seconds: number;
}
const long = read<{ seed: number; commit?: string; workers?: number; scenarios: SoakRow[] }>('bench/results/soak-prefault.json');
if (soak !== null) {
  // Scenarios of the mode-wide soak that got fewer than 10,000 schedules there (the long ones), and where they got them.
  const rows = (soak as unknown as { scenarios: SoakRow[] }).scenarios;
  const short = rows.filter((r) => r.schedules < 10000);
  const covered = short.filter((r) => long?.scenarios.some((l) => l.scenario === r.scenario && l.schedules >= 10000) === true);
  lines.push(
    `Every built-in scenario got at least 10,000 of those schedules except ${short.length === 0 ? 'none' : short.map((r) => `\`${r.scenario}\` (${fmt(r.schedules)})`).join(', ')}` +
      (short.length > 0 && covered.length === short.length ? ', which got their 10,000 in the run below.' : '.'),
    ''
  );
}
if (long !== null) {
  lines.push(
    `Long scenarios (\`bench/results/soak-prefault.json\`, seed ${long.seed}${long.commit === undefined ? '' : `, at commit ${long.commit}`}, ${long.workers ?? 1} worker threads): the full-size §6.3 flows, 10,000 random schedules each:`,
    ''
  );
  lines.push('| scenario | mode | schedules | steps per schedule | violations | seconds |', '|---|---|---:|---:|---:|---:|');
  for (const r of long.scenarios)
    lines.push(
      `| ${r.scenario} | ${r.mode} | ${fmt(r.schedules)} | ${fmt(Math.round(r.steps / r.schedules))} | ${r.violations} | ${fmt(Math.round(r.seconds))} |`
    );
  lines.push('');
  const recheck = read<{ commit?: string; seed: number; scenarios: SoakRow[] }>('bench/results/soak-prefault-recheck.json');
  if (recheck !== null && recheck.seed === long.seed) {
    const n = Math.min(...recheck.scenarios.map((r) => r.schedules));
    const bad = recheck.scenarios.reduce((a, r) => a + r.violations, 0);
    lines.push(
      `The first ${fmt(n)} of those schedules of each were re-run at commit ${recheck.commit ?? '?'} with the checkers of that commit ` +
        `(\`bench/results/soak-prefault-recheck.json\`, same seed, so the same schedules): ${bad} violations.`,
      ''
    );
  }
  const same = read<{ earlier: { commit: string }; now: { commit: string; digests: unknown[] }; identical: boolean }>(
    'bench/results/soak-prefault-digests.json'
  );
  if (same !== null) {
    lines.push(
      `Their logs are ${same.identical ? 'byte-identical' : '**not** identical'} between the soak's commit ${same.earlier.commit} and commit ${same.now.commit} ` +
        `(${same.now.digests.length} logs: seeds 1-3 of each, \`bench/logDigest.ts --against\`, \`bench/results/soak-prefault-digests.json\`): the later commits did not change how these scenarios run on those seeds.`,
      ''
    );
  }
}
const readme = readFileSync('README.md', 'utf8');
const start = readme.indexOf('<!-- bench:start -->');
const end = readme.indexOf('<!-- bench:end -->');
if (start < 0 || end < start) throw new Error('README.md has no <!-- bench:start --> ... <!-- bench:end --> section');
writeFileSync('README.md', `${readme.slice(0, start)}<!-- bench:start -->\n${lines.join('\n')}\n${readme.slice(end)}`);
console.log(lines.join('\n'));
