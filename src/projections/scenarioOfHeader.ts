/**
 * The scenario a log header carries, parsed once per header object: every run
 * creates its checkers anew, and several of them need the scenario's programs.
 */
import type { LogHeader } from '../events/logEntry.js';
import { type Scenario, scenarioSchema } from '../scenarios/schema.js';

const cache = new WeakMap<object, Scenario | null>();

/** The header's scenario, or null if it has none (e.g. a hand-written log). */
export function scenarioOfSpec(header: Pick<LogHeader, 'scenarioSpec'>): Scenario | null {
  const spec = header.scenarioSpec;
  if (typeof spec !== 'object' || spec === null) return null;
  const hit = cache.get(spec);
  if (hit !== undefined) return hit;
  const parsed = scenarioSchema.safeParse(spec);
  const scenario = parsed.success ? parsed.data : null;
  cache.set(spec, scenario);
  return scenario;
}
