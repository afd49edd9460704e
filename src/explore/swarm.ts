/**
 * Swarm testing (Groce et al., ISSTA 2012; TigerBeetle's VOPR `options_swarm`):
 * each schedule randomises the configuration itself within bounds, so that
 * features which mask each other (e.g. an unpin that makes a conversion
 * succeed) are sometimes left out.
 *
 * Per schedule, from its own sub-seed:
 * - each VMM thread and vCPU is kept with probability `actorKeep` (at least one
 *   VMM thread is always kept: the scenario schema requires one);
 * - a keep ratio is drawn in `[opKeepMin, 1]` and each op of a kept actor is
 *   kept with that probability (at least one op per actor, program order kept);
 * - if anything was dropped, the ops' expected outcomes (`expect*` fields) are
 *   removed, since they were written for the whole workload: only the
 *   invariants judge a swarm schedule.
 */
import { deriveSeed, Prng } from '../runtime/prng.js';
import { type Scenario, scenarioSchema } from '../scenarios/schema.js';

/** Bounds of the swarm randomisation. */
export interface SwarmBounds {
  /** Probability that a VMM thread or vCPU is kept (default 0.75). */
  readonly actorKeep?: number;
  /** Lowest per-schedule op keep ratio (default 0.5). */
  readonly opKeepMin?: number;
}

/** Removes the `expect*` fields of every op (outcomes written for another workload). */
export function stripExpectations(scenario: Scenario): Scenario {
  const strip = <T extends object>(op: T): T => Object.fromEntries(Object.entries(op).filter(([k]) => !k.startsWith('expect'))) as T;
  return {
    ...scenario,
    threads: scenario.threads.map((t) => ({ ops: t.ops.map(strip) })),
    vcpus: scenario.vcpus.map((v) => ({ ops: v.ops.map(strip) }))
  };
}

function keepSome<T>(prng: Prng, items: readonly T[], p: number): T[] {
  const kept = items.filter(() => prng.float() < p);
  if (kept.length > 0) return kept;
  return [items[prng.int(items.length)] as T];
}

/** The configuration of one swarm schedule (deterministic from `seed`). */
export function swarmScenario(base: Scenario, seed: number, bounds: SwarmBounds = {}): Scenario {
  const prng = new Prng(deriveSeed(seed, 'swarm'));
  const actorKeep = bounds.actorKeep ?? 0.75;
  const opKeepMin = bounds.opKeepMin ?? 0.5;
  const ratio = opKeepMin + (1 - opKeepMin) * prng.float();
  const threads = keepSome(prng, base.threads, actorKeep).map((t) => ({ ops: keepSome(prng, t.ops, ratio) }));
  const vcpus = base.vcpus.filter(() => prng.float() < actorKeep).map((v) => ({ ops: keepSome(prng, v.ops, ratio) }));
  const changed =
    threads.length !== base.threads.length ||
    vcpus.length !== base.vcpus.length ||
    threads.some((t, i) => t.ops.length !== base.threads[i]?.ops.length) ||
    vcpus.some((v, i) => v.ops.length !== base.vcpus[i]?.ops.length);
  if (!changed) return base;
  const candidate = stripExpectations({ ...base, threads, vcpus });
  // Pin names stay unique (ops are only dropped), so the result validates; check anyway.
  const r = scenarioSchema.safeParse(candidate);
  return r.success ? { ...r.data, mode: base.mode } : base;
}
