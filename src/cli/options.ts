/**
 * Option parsing shared by the commands: numbers, and the scenario / mode /
 * variant triple with its consistency checks.
 */
import { InvalidArgumentError } from 'commander';
import { IMPLEMENTED_MODES, isMode, MODES } from '../model/modes.js';
import { findVariant, VARIANTS } from '../variants/index.js';
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

/** What a run is about: scenario (with the mode applied) and variant. */
export interface Target {
  readonly scenario: Scenario;
  readonly variant: string | null;
}

/** Resolves `--scenario`, `--mode` and `--variant`, refusing inconsistent or unimplemented choices. */
export function resolveTarget(opts: { scenario?: string; mode?: string; variant?: string }): Target {
  // `--mode M` without `--scenario`: the mode's default scenario (the global default where it applies).
  const base = loadScenario(opts.scenario ?? (opts.mode === undefined ? undefined : MODE_DEFAULT_SCENARIO[opts.mode]));
  let mode = base.mode;
  if (opts.mode !== undefined) {
    if (!isMode(opts.mode)) throw new UsageError(`unknown mode ${opts.mode} (modes: ${MODES.join(', ')})`);
    mode = opts.mode;
  }
  if (!IMPLEMENTED_MODES.includes(mode)) {
    throw new UsageError(`mode ${mode} is not implemented yet (implemented: ${IMPLEMENTED_MODES.join(', ')})`);
  }
  let variant: string | null = null;
  if (opts.variant !== undefined) {
    const v = findVariant(opts.variant);
    if (v === undefined) throw new UsageError(`unknown variant ${opts.variant} (variants: ${VARIANTS.map((x) => x.id).join(', ')})`);
    if (!v.modes.includes(mode)) throw new UsageError(`variant ${v.id} does not apply to mode ${mode} (modes: ${v.modes.join(', ')})`);
    variant = v.id;
  }
  return { scenario: { ...base, mode }, variant };
}
