/**
 * Memory benchmark (issue 3 acceptance): a 1 GiB guest_memfd of one 1G folio
 * (262144 pages, mode rfc-1g-v2) with several conversions that split the 1G
 * folio into 4K folios and merge it back, host accesses, a pin and a PUNCH_HOLE
 * of the whole hugepage, run through the full pipeline (actors, log stream kept
 * in memory, world view and every checker). Memory must stay sparse: RSS under
 * 200 MiB. Writes bench/results/memory.json. Run: node --import tsx bench/memory.bench.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LogEntry } from '../src/events/logEntry.js';
import { runSchedule } from '../src/run/runner.js';
import { scenarioSchema } from '../src/scenarios/schema.js';

const PAGE = 4096;
const PAGES = 262144;
const LIMIT_MIB = 200;
const SCHEDULES = Number(process.env['BENCH_SCHEDULES'] ?? 20);

const scenario = scenarioSchema.parse({
  name: 'memory-1g-conversions',
  mode: 'rfc-1g-v2',
  gmem: { pages: PAGES, folioSize: '1G', initShared: false },
  threads: [
    {
      ops: [
        { op: 'fallocate', offset: 0, size: PAGES * PAGE, expect: '0' },
        { op: 'convert', offset: 1000 * PAGE, size: 16 * PAGE, to: 'shared', expect: '0' },
        { op: 'access', index: 1001, write: true, value: 1, expect: '0' },
        { op: 'access', index: 200_000, expect: 'SIGBUS' },
        { op: 'munmap', index: 0, npages: PAGES, expect: '0' },
        { op: 'convert', offset: 1000 * PAGE, size: 16 * PAGE, to: 'private', expect: '0' },
        { op: 'convert', offset: 150_000 * PAGE, size: 64 * PAGE, to: 'shared', expect: '0' },
        { op: 'access', index: 150_010, write: true, value: 2, expect: '0' },
        { op: 'pin', index: 150_010, pin: 'dma', kind: 'pin', longterm: true, expect: '0' },
        { op: 'convert', offset: 150_000 * PAGE, size: 64 * PAGE, to: 'private', expect: '-EAGAIN' },
        { op: 'unpin', pin: 'dma', expect: '0' },
        { op: 'convert', offset: 150_000 * PAGE, size: 64 * PAGE, to: 'private', expect: '0' },
        { op: 'convert', offset: 7 * PAGE, size: PAGE, to: 'shared', expect: '0' },
        { op: 'punchHole', offset: 0, size: PAGES * PAGE, expect: '0' },
        { op: 'fallocate', offset: 0, size: PAGES * PAGE, expect: '0' }
      ]
    },
    {
      ops: [
        { op: 'access', index: 1002, expect: ['0', 'SIGBUS'] },
        { op: 'access', index: 7, expect: ['0', 'SIGBUS'] }
      ]
    }
  ]
});

const MIB = 1024 * 1024;
let steps = 0;
let entries = 0;
let violations = 0;
let peakRss = 0;
for (let seed = 1; seed <= SCHEDULES; seed++) {
  const log: LogEntry[] = [];
  const r = runSchedule({ scenario, seed, sink: { header: () => undefined, entry: (e) => void log.push(e) } });
  steps += r.steps;
  entries += log.length;
  violations += r.violations.length + (r.reason === 'quiescent' ? 0 : 1);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}
const mem = process.memoryUsage();
const result = {
  scenario: scenario.name,
  pages: PAGES,
  schedules: SCHEDULES,
  steps: Math.round(steps / SCHEDULES),
  entries: Math.round(entries / SCHEDULES),
  violations,
  rssMiB: Math.round((Math.max(peakRss, mem.rss) / MIB) * 10) / 10,
  heapUsedMiB: Math.round((mem.heapUsed / MIB) * 10) / 10,
  limitMiB: LIMIT_MIB
};
const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'memory.json'), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result));
if (result.rssMiB >= LIMIT_MIB || violations > 0) {
  console.error(result.rssMiB >= LIMIT_MIB ? `RSS ${result.rssMiB} MiB >= ${LIMIT_MIB} MiB` : `${violations} violation(s)`);
  process.exitCode = 1;
}
