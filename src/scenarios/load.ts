/**
 * Resolves `--scenario NAME|FILE`: a built-in scenario by name, or a JSON
 * scenario file validated against the schema. Errors name the file and field.
 */
import { existsSync, readFileSync } from 'node:fs';
import { BUILTIN_SCENARIOS, DEFAULT_SCENARIO, findScenario } from './builtins.js';
import { type Scenario, scenarioSchema } from './schema.js';

/** A scenario argument that cannot be used. */
export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/** Parses a scenario from JSON text, naming `file` (and the line of a syntax error). */
export function parseScenarioText(file: string, text: string): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const line = m === null ? 1 : text.slice(0, Number(m[1])).split('\n').length;
    throw new ScenarioError(`${file}:${line}: not valid JSON (${(e as Error).message})`);
  }
  const r = scenarioSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue === undefined ? '' : issue.path.map(String).join('.');
    throw new ScenarioError(`${file}: field ${field === '' ? '(root)' : field}: ${issue?.message ?? 'invalid'}`);
  }
  return r.data;
}

/** Resolves a scenario argument (undefined = the default scenario). */
export function loadScenario(arg: string | undefined): Scenario {
  const name = arg ?? DEFAULT_SCENARIO;
  const builtin = findScenario(name);
  if (builtin !== undefined) return builtin;
  if (!existsSync(name)) {
    throw new ScenarioError(`no built-in scenario or file named ${name} (built-ins: ${BUILTIN_SCENARIOS.map((s) => s.name).join(', ')})`);
  }
  return parseScenarioText(name, readFileSync(name, 'utf8'));
}
