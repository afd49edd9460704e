/**
 * Parallel exploration on worker threads (piscina). Each batch of
 * {@link EXPLORE_BATCH} schedules is split into one contiguous slice per
 * worker; outcomes are merged by schedule index by the same loop as the
 * in-thread driver, so `workers: 1` and `workers: N` give the same schedules,
 * statistics, coverage and first violation (the lowest-index one) for the same
 * seed: only the elapsed time differs. Workers run TypeScript: tsx is
 * registered in each worker (`--import <tsx loader>`, as `bin/gmemsim.js`
 * registers it in the main thread).
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { type BatchRequest, driveAsync, explore, type ExploreOptions, type ExploreResult } from './explore.js';
import type { ScheduleOutcome } from './runPlanned.js';
import type { WorkerTask } from './worker.js';

/** Most worker threads accepted. */
export const WORKERS_MAX = 64;

/** Options of {@link exploreParallel}. */
export interface ParallelExploreOptions extends ExploreOptions {
  /** Worker threads (1 runs in this thread). */
  readonly workers: number;
}

/** The options a worker gets: no functions (its catalogue comes from `pluginFiles`). */
function plainOptions(opts: ExploreOptions): ExploreOptions {
  const { now: _now, onSchedule: _onSchedule, catalogue: _catalogue, ...rest } = opts;
  return rest;
}

/** Explores on `workers` threads; same result as {@link explore} apart from timing. */
export async function exploreParallel(opts: ParallelExploreOptions): Promise<ExploreResult> {
  const workers = Math.max(1, Math.min(WORKERS_MAX, Math.floor(opts.workers)));
  if (workers === 1 || (opts.strategy ?? 'random') === 'dpor') return explore(opts);
  const require = createRequire(import.meta.url);
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const pool = new Piscina<WorkerTask, ScheduleOutcome[]>({
    filename: fileURLToPath(new URL('./worker.ts', import.meta.url)),
    minThreads: workers,
    maxThreads: workers,
    execArgv: ['--import', tsx]
  });
  const plain = plainOptions(opts);
  const run = async (req: BatchRequest): Promise<readonly ScheduleOutcome[]> => {
    const n = req.to - req.from;
    const per = Math.ceil(n / workers);
    const tasks: Promise<ScheduleOutcome[]>[] = [];
    for (let from = req.from; from < req.to; from += per) tasks.push(pool.run({ opts: plain, req: { from, to: Math.min(req.to, from + per), k: req.k } }));
    return (await Promise.all(tasks)).flat();
  };
  try {
    return await driveAsync(opts, run);
  } finally {
    await pool.destroy();
  }
}
