/**
 * Pipeline benchmark: steps per second through the whole pipeline (world,
 * xstate actors, RxJS log stream, world view and every checker) on the default
 * scenario, next to a plain-JS loop doing the same number of mailbox deliveries.
 * Writes bench/results/pipeline.json. Run: npm run bench
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createActor, setup } from 'xstate';
import { Subject } from 'rxjs';
import { Prng } from '../src/runtime/prng.js';
import { runSchedule } from '../src/run/runner.js';
import { DEFAULT_SCENARIO, findScenario } from '../src/scenarios/builtins.js';
import { NdjsonLogWriter } from '../src/log/ndjsonWriter.js';
import { tmpdir } from 'node:os';

const BUDGET_MS = Number(process.env['BENCH_MS'] ?? 4000);
const scenario = findScenario(DEFAULT_SCENARIO)!;

interface Measure {
  readonly schedules: number;
  readonly steps: number;
  readonly entries: number;
  readonly ms: number;
  readonly stepsPerSec: number;
}

function measure(run: (seed: number) => { steps: number; entries: number }): Measure {
  // warm-up
  for (let s = 0; s < 50; s++) run(1_000_000 + s);
  let steps = 0;
  let entries = 0;
  let schedules = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < BUDGET_MS) {
    const r = run(schedules);
    steps += r.steps;
    entries += r.entries;
    schedules++;
  }
  const ms = performance.now() - t0;
  return { schedules, steps, entries, ms: Math.round(ms), stepsPerSec: Math.round((steps * 1000) / ms) };
}

const full = measure((seed) => runSchedule({ scenario, seed }));
const noCheck = measure((seed) => runSchedule({ scenario, seed, check: false }));
const logPath = join(tmpdir(), 'gmemsim-bench.ndjson');
const withFile = measure((seed) => {
  const w = NdjsonLogWriter.create(logPath, { force: true });
  const r = runSchedule({ scenario, seed, sink: w });
  w.close();
  return r;
});

// The same number of deliveries through (1) plain JS mailboxes and (2) xstate actors + an RxJS Subject, no model.
function plainLoop(deliveries: number): number {
  const prng = new Prng(7);
  const queues: { to: number; n: number }[][] = Array.from({ length: 6 }, () => []);
  const state = new Int32Array(6);
  for (let i = 0; i < 6; i++) queues[i]!.push({ to: (i + 1) % 6, n: 0 });
  const t0 = performance.now();
  for (let d = 0; d < deliveries; d++) {
    let ready = 0;
    for (const q of queues) if (q.length > 0) ready++;
    let pick = prng.int(ready);
    let qi = 0;
    for (; qi < queues.length; qi++) if (queues[qi]!.length > 0 && pick-- === 0) break;
    const m = queues[qi]!.shift()!;
    state[m.to] = (state[m.to] ?? 0) + 1;
    queues[m.to]!.push({ to: (m.to + 1 + (m.n % 5)) % 6, n: m.n + 1 });
  }
  return performance.now() - t0;
}
function xstateLoop(deliveries: number): number {
  const log$ = new Subject<{ seq: number; type: string }>();
  let seen = 0;
  log$.subscribe(() => seen++);
  const m = setup({ types: { context: {} as { n: number }, events: {} as { type: 'msg'; n: number } } }).createMachine({
    context: { n: 0 },
    on: { msg: { actions: ({ context, event }) => void (context.n += event.n) } }
  });
  const actors = Array.from({ length: 6 }, () => createActor(m).start());
  const prng = new Prng(7);
  const t0 = performance.now();
  for (let d = 0; d < deliveries; d++) {
    actors[prng.int(6)]!.send({ type: 'msg', n: d });
    log$.next({ seq: d, type: 'msg' });
  }
  void seen;
  return performance.now() - t0;
}
const deliveries = full.steps;
const plainMs = plainLoop(deliveries);
const xstateMs = xstateLoop(deliveries);

const result = {
  benchmark: 'pipeline',
  scenario: scenario.name,
  node: process.version,
  budgetMsPerMeasure: BUDGET_MS,
  fullPipeline: full,
  checkersOff: noCheck,
  withNdjsonFile: withFile,
  entriesPerStep: Math.round((full.entries / full.steps) * 100) / 100,
  plainJsMailboxLoop: { deliveries, ms: Math.round(plainMs), stepsPerSec: Math.round((deliveries * 1000) / plainMs) },
  xstateSendPlusRxjsNext: {
    deliveries,
    ms: Math.round(xstateMs),
    stepsPerSec: Math.round((deliveries * 1000) / xstateMs),
    usPerDelivery: Math.round((xstateMs * 1000 * 100) / deliveries) / 100
  }
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/pipeline.json', JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
