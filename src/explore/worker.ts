/**
 * The worker-thread side of {@link exploreParallel}: runs one slice of a batch.
 * Loaded by piscina in a worker with tsx registered (`--import tsx`).
 */
import { type BatchRequest, type ExploreOptions, runBatch } from './explore.js';
import type { ScheduleOutcome } from './runPlanned.js';

/** One task: the (function-free) exploration options and a slice of schedule indices. */
export interface WorkerTask {
  readonly opts: ExploreOptions;
  readonly req: BatchRequest;
}

/** Runs the slice. */
export default function runTask(task: WorkerTask): ScheduleOutcome[] {
  return runBatch(task.opts, task.req);
}
