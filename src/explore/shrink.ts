/**
 * Shrinking a counterexample to a small, readable one that still violates the
 * same invariant.
 *
 * A counterexample is a scenario plus a *choice sequence*: one
 * {@link ChoiceKey} (or `null`, "canonical") per step, replayed by
 * {@link FallbackReplayStrategy} (a choice that is not deliverable, and every
 * step past the sequence, takes the oldest deliverable message). Keys name
 * messages by (receiver, sender, type), so they stay meaningful when the
 * workload changes. Phases, repeated to a fixpoint or until the run budget:
 *
 * 1. drop the `expect*` outcomes (unless the invariant is an expectation);
 * 2. delta debugging (ddmin) over the workload: chunks of ops are removed, a
 *    thread or vCPU left without ops disappears (skipped for `EXPECT*`
 *    violations: an expected outcome belongs to its workload);
 * 3. ddmin over the choice sequence: chunks of choices are deleted (later
 *    choices shift one step earlier) and then made canonical;
 * 4. merging context switches: a later segment of a chain is moved next to an
 *    earlier segment of the same chain.
 *
 * A candidate is kept only if it violates the same invariant and its cost
 * (ops, non-canonical choices, context switches, steps: lexicographic) is
 * lower. Every run is a normal deterministic run, so the result is saved as a
 * normal replayable log whose header's `scenarioSpec` is the shrunk scenario.
 */
import type { Violation } from '../projections/violation.js';
import { NdjsonLogWriter } from '../log/ndjsonWriter.js';
import { ModelError } from '../runtime/world.js';
import { type ProtocolChoice, protocolOf, runSchedule } from '../run/runner.js';
import { type Scenario, scenarioSchema } from '../scenarios/schema.js';
import { type ChoiceKey, contextSwitches } from './choice.js';
import { FallbackReplayStrategy } from './strategies/fallback.js';
import { stripExpectations } from './swarm.js';

/** Sizes of a counterexample. */
export interface CounterexampleSize {
  /** Steps until the violation. */
  readonly steps: number;
  /** Ops over all threads and vCPUs. */
  readonly ops: number;
  /** Steps that did not take the canonical (oldest) delivery. */
  readonly choices: number;
  /** Consecutive steps advancing different chains. */
  readonly contextSwitches: number;
}

/** What to shrink. */
export interface ShrinkInput extends ProtocolChoice {
  readonly scenario: Scenario;
  readonly variant: string | null;
  /** The invariant the counterexample violates (must stay the same). */
  readonly invariant: string;
  /** Choice keys of the original run, one per step. */
  readonly choices: readonly (ChoiceKey | null)[];
  readonly maxSteps?: number;
}

/** Budget of a shrink. */
export interface ShrinkOptions {
  /** Maximum runs (default {@link SHRINK_RUNS_MAX}). */
  readonly maxRuns?: number;
}

/** Default run budget of a shrink. */
export const SHRINK_RUNS_MAX = 400;
/** Upper bound on fixpoint rounds. */
const SHRINK_ROUNDS_MAX = 8;

/** A shrunk counterexample. */
export interface ShrinkResult extends ProtocolChoice {
  readonly scenario: Scenario;
  readonly choices: readonly (ChoiceKey | null)[];
  readonly variant: string | null;
  readonly violation: Violation;
  readonly before: CounterexampleSize;
  readonly after: CounterexampleSize;
  /** Runs spent. */
  readonly runs: number;
  /** True if the last round changed nothing (a fixpoint), false if the budget ran out. */
  readonly fixpoint: boolean;
}

interface Attempt {
  readonly scenario: Scenario;
  readonly choices: (ChoiceKey | null)[];
  readonly taken: readonly ChoiceKey[];
  readonly chains: readonly string[];
  readonly violation: Violation;
  readonly size: CounterexampleSize;
}

function opCount(s: Scenario): number {
  return s.threads.reduce((n, t) => n + t.ops.length, 0) + s.vcpus.reduce((n, v) => n + v.ops.length, 0);
}

function costLess(a: CounterexampleSize, b: CounterexampleSize): boolean {
  const ka = [a.ops, a.choices, a.contextSwitches, a.steps];
  const kb = [b.ops, b.choices, b.contextSwitches, b.steps];
  for (let i = 0; i < ka.length; i++) {
    if ((ka[i] as number) !== (kb[i] as number)) return (ka[i] as number) < (kb[i] as number);
  }
  return false;
}

class Shrinker {
  runs = 0;
  constructor(
    private readonly input: ShrinkInput,
    private readonly maxRuns: number
  ) {}

  get exhausted(): boolean {
    return this.runs >= this.maxRuns;
  }

  /** Runs a candidate; returns it normalised if it violates the invariant. */
  attempt(scenario: Scenario, choices: readonly (ChoiceKey | null)[]): Attempt | null {
    if (this.exhausted) return null;
    this.runs++;
    const strategy = new FallbackReplayStrategy(choices);
    let violations: readonly Violation[];
    try {
      violations = runSchedule({
        scenario,
        seed: 0,
        variant: this.input.variant,
        ...protocolOf(this.input),
        strategy,
        maxSteps: this.input.maxSteps ?? scenario.maxSteps
      }).violations;
    } catch (e) {
      if (e instanceof ModelError) return null;
      throw e;
    }
    const violation = violations.find((v) => v.invariant === this.input.invariant);
    if (violation === undefined) return null;
    const n = strategy.taken.length;
    const normalised = strategy.taken.map((k, i) => (strategy.nonCanonical[i] === true ? k : null));
    while (normalised.length > 0 && normalised[normalised.length - 1] === null) normalised.pop();
    return {
      scenario,
      choices: normalised,
      taken: strategy.taken,
      chains: strategy.chains,
      violation,
      size: {
        steps: n,
        ops: opCount(scenario),
        choices: strategy.nonCanonical.filter((x) => x).length,
        contextSwitches: contextSwitches(strategy.chains)
      }
    };
  }

  /** ddmin over the workload. */
  workload(cur: Attempt): Attempt {
    const slots = (s: Scenario): [string, number, number][] => [
      ...s.threads.flatMap((t, a) => t.ops.map((_o, i): [string, number, number] => ['t', a, i])),
      ...s.vcpus.flatMap((v, a) => v.ops.map((_o, i): [string, number, number] => ['v', a, i]))
    ];
    let chunk = Math.max(1, Math.floor(slots(cur.scenario).length / 2));
    for (let guard = 0; guard < 64 && chunk >= 1 && !this.exhausted; guard++) {
      let improved = false;
      const all = slots(cur.scenario);
      for (let start = 0; start < all.length && !this.exhausted; start += chunk) {
        const drop = new Set(all.slice(start, start + chunk).map((x) => x.join(':')));
        const candidate = withoutOps(cur.scenario, drop);
        if (candidate === null) continue;
        const a = this.attempt(candidate, cur.choices);
        if (a !== null && costLess(a.size, cur.size)) {
          cur = a;
          improved = true;
          break;
        }
      }
      if (!improved) {
        if (chunk === 1) break;
        chunk = Math.max(1, Math.floor(chunk / 2));
      }
    }
    return cur;
  }

  /** ddmin over the choice sequence: deletions, then making choices canonical. */
  choices(cur: Attempt): Attempt {
    for (const mode of ['delete', 'canonical'] as const) {
      let chunk = Math.max(1, Math.floor(cur.choices.length / 2));
      for (let guard = 0; guard < 256 && chunk >= 1 && !this.exhausted; guard++) {
        let improved = false;
        for (let start = 0; start < cur.choices.length && !this.exhausted; start += chunk) {
          const next = [...cur.choices];
          if (mode === 'delete') next.splice(start, chunk);
          else {
            let changed = false;
            for (let i = start; i < Math.min(next.length, start + chunk); i++) {
              if (next[i] !== null) changed = true;
              next[i] = null;
            }
            if (!changed) continue;
          }
          const a = this.attempt(cur.scenario, next);
          if (a !== null && costLess(a.size, cur.size)) {
            cur = a;
            improved = true;
            break;
          }
        }
        if (!improved) {
          if (chunk === 1) break;
          chunk = Math.max(1, Math.floor(chunk / 2));
        }
      }
    }
    return cur;
  }

  /** Moves later segments of a chain next to earlier ones. */
  mergeSwitches(cur: Attempt): Attempt {
    for (let guard = 0; guard < 64 && !this.exhausted; guard++) {
      const segs = segments(cur.chains);
      let improved = false;
      for (let i = 0; i + 2 < segs.length && !this.exhausted; i++) {
        const a = segs[i] as Segment;
        const b = segs[i + 1] as Segment;
        const c = segs[i + 2] as Segment;
        if (a.chain !== c.chain) continue;
        const t = cur.taken;
        const next = [...t.slice(0, b.start), ...t.slice(c.start, c.end), ...t.slice(b.start, b.end), ...t.slice(c.end)];
        const r = this.attempt(cur.scenario, next);
        if (r !== null && costLess(r.size, cur.size)) {
          cur = r;
          improved = true;
          break;
        }
      }
      if (!improved) break;
    }
    return cur;
  }
}

interface Segment {
  readonly chain: string;
  readonly start: number;
  readonly end: number;
}

function segments(chains: readonly string[]): Segment[] {
  const out: Segment[] = [];
  let start = 0;
  for (let i = 1; i <= chains.length; i++) {
    if (i === chains.length || chains[i] !== chains[start]) {
      out.push({ chain: chains[start] as string, start, end: i });
      start = i;
    }
  }
  return out;
}

function withoutOps(s: Scenario, drop: ReadonlySet<string>): Scenario | null {
  const threads = s.threads.map((t, a) => ({ ops: t.ops.filter((_o, i) => !drop.has(`t:${a}:${i}`)) })).filter((t) => t.ops.length > 0);
  const vcpus = s.vcpus.map((v, a) => ({ ops: v.ops.filter((_o, i) => !drop.has(`v:${a}:${i}`)) })).filter((v) => v.ops.length > 0);
  if (threads.length === 0) return null;
  const r = scenarioSchema.safeParse({ ...s, threads, vcpus });
  return r.success ? { ...r.data, mode: s.mode } : null;
}

/**
 * Shrinks a counterexample. Returns null if the input itself does not violate
 * `input.invariant` under fallback replay.
 */
export function shrink(input: ShrinkInput, opts: ShrinkOptions = {}): ShrinkResult | null {
  const s = new Shrinker(input, opts.maxRuns ?? SHRINK_RUNS_MAX);
  const first = s.attempt(input.scenario, input.choices);
  if (first === null) return null;
  let cur = first;
  if (!input.invariant.startsWith('EXPECT')) {
    const stripped = s.attempt(stripExpectations(cur.scenario), cur.choices);
    if (stripped !== null) cur = stripped;
  }
  let fixpoint = false;
  for (let round = 0; round < SHRINK_ROUNDS_MAX && !s.exhausted; round++) {
    const before = cur;
    // An expectation belongs to its op: removing ops would change what it means.
    const shrunkWorkload = input.invariant.startsWith('EXPECT') ? cur : s.workload(cur);
    cur = s.mergeSwitches(s.choices(shrunkWorkload));
    if (!costLess(cur.size, before.size)) {
      fixpoint = true;
      break;
    }
  }
  return {
    scenario: cur.scenario,
    choices: cur.choices,
    variant: input.variant,
    ...protocolOf(input),
    violation: cur.violation,
    before: first.size,
    after: cur.size,
    runs: s.runs,
    fixpoint
  };
}

/** Writes a shrunk counterexample as a normal replayable log (its header embeds the shrunk scenario). */
export function writeShrunkLog(r: ShrinkResult, path: string, opts: { seed: number; force?: boolean }): void {
  const writer = NdjsonLogWriter.create(path, { force: opts.force ?? false });
  try {
    runSchedule({
      scenario: r.scenario,
      seed: opts.seed,
      variant: r.variant,
      ...protocolOf(r),
      strategy: new FallbackReplayStrategy(r.choices),
      sink: writer,
      onViolation: () => writer.flush()
    });
  } finally {
    writer.close();
  }
}
