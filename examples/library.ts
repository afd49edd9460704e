/**
 * Not a plugin: the same variant used from a program or a vitest test, through
 * the library. `huntMyB10` loads the plugin file, explores its scenario, and
 * replays the counterexample it found.
 */
import { explore, findScenario, loadPlugins, replayLog } from 'gmemsim';

/** What the hunt found: the invariant, the saved log, and whether the replay shows the same violation. */
export interface Hunt {
  readonly invariant: string | null;
  readonly log: string | null;
  readonly replayed: boolean;
}

/** Explores MY-B10 on convert-vs-fault from `seed`; logs go to `outDir`. */
export async function huntMyB10(outDir: string, seed = 1): Promise<Hunt> {
  const catalogue = await loadPlugins(['examples/b10-fault-without-invalidate-lock.ts']);
  const scenario = findScenario('convert-vs-fault');
  if (scenario === undefined) throw new Error('no built-in scenario convert-vs-fault');
  const r = explore({ scenario, variant: 'MY-B10', catalogue, seed, schedules: 500, outDir, force: true });
  if (r.found === null) return { invariant: null, log: null, replayed: false };
  const replay = replayLog(r.found.log, { catalogue });
  const replayed = replay.divergence === null && replay.violations[0]?.invariant === r.found.violation.invariant;
  return { invariant: r.found.violation.invariant, log: r.found.log, replayed };
}
