/**
 * Option parsing shared by the commands: numbers, and the scenario / mode /
 * variant triple with its consistency checks.
 */
import { InvalidArgumentError } from 'commander';
import { IMPLEMENTED_MODES } from '../model/modes.js';
import { appliesTo, BUILTIN_CATALOGUE, type Catalogue, designOf } from '../run/catalogue.js';
import { MODE_DEFAULT_SCENARIO } from '../scenarios/builtins.js';
import { loadScenario } from '../scenarios/load.js';
import type { Scenario } from '../scenarios/schema.js';

/** Bad usage that passed commander (e.g. an unknown variant). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parses a non-negative safe integer option. */
export function parseNat(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a non-negative integer');
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('too large');
  return n;
}

/** Parses a positive integer option. */
export function parsePositive(value: string): number {
  const n = parseNat(value);
  if (n === 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** Parses a positive number of seconds. */
export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0)) throw new InvalidArgumentError('expected a positive number of seconds');
  return n;
}

/** What a run is about: scenario, design and variant. */
export interface Target {
  readonly scenario: Scenario;
  /** The design run (a mode id, or a plugin's design built on the scenario's mode). */
  readonly design: string;
  readonly variant: string | null;
}

/**
 * Resolves `--scenario`, `--mode` and `--variant` against `catalogue` (the
 * built-ins plus plugins), refusing inconsistent or unimplemented choices.
 */
export function resolveTarget(opts: { scenario?: string; mode?: string; variant?: string }, catalogue: Catalogue = BUILTIN_CATALOGUE): Target {
  const design = opts.mode === undefined ? undefined : catalogue.designs.get(opts.mode);
  if (opts.mode !== undefined && design === undefined) {
    throw new UsageError(`unknown mode ${opts.mode} (modes: ${[...catalogue.designs.keys()].join(', ')})`);
  }
  // `--mode M` without `--scenario`: the default scenario of M's family (the global default where it applies).
  const name = opts.scenario ?? (design === undefined ? undefined : MODE_DEFAULT_SCENARIO[design.family]);
  const fromPlugin = name === undefined ? undefined : catalogue.scenarios.get(name);
  const base = fromPlugin?.scenario ?? loadScenario(name);
  const mode = design?.family ?? base.mode;
  if (!IMPLEMENTED_MODES.includes(mode)) {
    throw new UsageError(`mode ${mode} is not implemented yet (implemented: ${IMPLEMENTED_MODES.join(', ')})`);
  }
  const target = design ?? designOf(catalogue, mode);
  let variant: string | null = null;
  if (opts.variant !== undefined) {
    const v = catalogue.variants.get(opts.variant);
    if (v === undefined) throw new UsageError(`unknown variant ${opts.variant} (variants: ${[...catalogue.variants.keys()].join(', ')})`);
    if (!appliesTo(v, target)) throw new UsageError(`variant ${v.id} does not apply to mode ${target.id} (modes: ${v.modes.join(', ')})`);
    variant = v.id;
  }
  return { scenario: { ...base, mode }, design: target.id, variant };
}

/** Collects a repeatable option's values (`--plugin A --plugin B`). */
export function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The `--plugin` flags of a command line, for a reproduce command. */
export function pluginFlags(catalogue: Catalogue): string {
  return catalogue.plugins.map((p) => ` --plugin ${p.file}`).join('');
}
