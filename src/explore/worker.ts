/**
 * The worker-thread side of {@link exploreParallel}: runs one slice of a batch.
 * Loaded by piscina in a worker with tsx registered (`--import tsx`).
 */
import type { Catalogue } from '../run/catalogue.js';
import { loadPlugins } from '../run/plugins.js';
import { type BatchRequest, type ExploreOptions, runBatch } from './explore.js';
import type { ScheduleOutcome } from './runPlanned.js';

/** The catalogue of this worker, by the plugin files it was loaded from. */
const catalogues = new Map<string, Promise<Catalogue>>();
let tsxRegistered = false;

/** One task: the (function-free) exploration options and a slice of schedule indices. */
export interface WorkerTask {
  readonly opts: ExploreOptions;
  readonly req: BatchRequest;
}

/** Runs the slice (loading the plugins of the exploration first, once per worker). */
export default async function runTask(task: WorkerTask): Promise<ScheduleOutcome[]> {
  const files = task.opts.pluginFiles ?? [];
  if (files.length === 0) return runBatch(task.opts, task.req);
  const key = JSON.stringify(files);
  // TypeScript plugins: the worker's module loader must know .ts files (the main thread's bin registers tsx there).
  if (!tsxRegistered && files.some((f) => f.endsWith('.ts'))) {
    (await import('tsx/esm/api')).register();
    tsxRegistered = true;
  }
  let catalogue = catalogues.get(key);
  if (catalogue === undefined) catalogues.set(key, (catalogue = loadPlugins(files)));
  return runBatch({ ...task.opts, catalogue: await catalogue }, task.req);
}
