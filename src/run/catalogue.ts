/**
 * The catalogue a run draws from: designs (modes), variants, checkers and
 * scenarios, the built-in ones plus those plugins add (`src/run/plugins.ts`).
 * Every part of a plugin goes through the same mechanism as the built-ins: a
 * user variant is a patch over a design's table, a user design a patch over
 * another design, a user checker a `defineChecker` fold.
 */
import { isMode, type Mode } from '../model/modes.js';
import type { ModeDef } from '../modes/define.js';
import { MODE_TABLES } from '../modes/index.js';
import { applyPatch, type ModeTable } from '../modes/table.js';
import type { CheckerSpec } from '../projections/checker.js';
import { CHECKERS } from '../projections/monitor.js';
import { BUILTIN_SCENARIOS } from '../scenarios/builtins.js';
import type { Scenario } from '../scenarios/schema.js';
import type { VariantDef } from '../variants/define.js';
import { UnknownVariantError, VARIANTS, VariantModeError } from '../variants/index.js';

/** A plugin a run used: the file as given and the SHA-256 of its content (recorded in log headers). */
export type PluginRef = { readonly file: string; readonly sha256: string };

/** A design the catalogue knows. */
export interface Design {
  readonly id: string;
  /** The built-in mode it is (or is built on): its scenarios and checkers apply. */
  readonly family: Mode;
  readonly summary: string;
  readonly table: ModeTable;
  /** The plugin file that defined it, or null (built-in). */
  readonly plugin: string | null;
}

/** A variant with where it comes from. */
export type CatalogueVariant = VariantDef & { readonly plugin: string | null };
/** A checker with where it comes from. */
export type CatalogueChecker = CheckerSpec & { readonly plugin?: string | null };
/** A scenario with where it comes from. */
export interface CatalogueScenario {
  readonly scenario: Scenario;
  readonly plugin: string | null;
}

/** Designs, variants, checkers and scenarios by id, and the plugins they came from. */
export interface Catalogue {
  readonly designs: ReadonlyMap<string, Design>;
  readonly variants: ReadonlyMap<string, CatalogueVariant>;
  readonly checkers: readonly CatalogueChecker[];
  readonly scenarios: ReadonlyMap<string, CatalogueScenario>;
  readonly plugins: readonly PluginRef[];
}

/** A plugin part that cannot join the catalogue (clash, unknown base, ...): names the file and the export. */
export class PluginError extends Error {
  constructor(
    readonly file: string,
    readonly exportName: string | null,
    reason: string
  ) {
    super(`plugin ${file}${exportName === null ? '' : `, export ${exportName}`}: ${reason}`);
    this.name = 'PluginError';
  }
}

/** The built-in catalogue. */
export const BUILTIN_CATALOGUE: Catalogue = {
  designs: new Map(
    Object.values(MODE_TABLES).map((t) => {
      const id = t.id;
      if (!isMode(id)) throw new Error(`built-in mode table ${id} is not a mode`);
      return [id, { id, family: id, summary: t.summary, table: t, plugin: null }];
    })
  ),
  variants: new Map(VARIANTS.map((v) => [v.id, { ...v, plugin: null }])),
  checkers: CHECKERS,
  scenarios: new Map(BUILTIN_SCENARIOS.map((s) => [s.name, { scenario: s, plugin: null }])),
  plugins: []
};

/** The parts one plugin exports, by export name. */
export interface PluginParts {
  readonly modes: readonly (readonly [string, ModeDef])[];
  readonly variants: readonly (readonly [string, VariantDef])[];
  readonly checkers: readonly (readonly [string, CheckerSpec])[];
  readonly scenarios: readonly (readonly [string, Scenario])[];
}

/** `base` plus the parts of plugin `ref`; throws {@link PluginError} on a clash or a dangling reference. */
export function extendCatalogue(base: Catalogue, ref: PluginRef, parts: PluginParts): Catalogue {
  const file = ref.file;
  const designs = new Map(base.designs);
  const variants = new Map(base.variants);
  const scenarios = new Map(base.scenarios);
  const checkers: CatalogueChecker[] = [...base.checkers];
  const clash = (what: string, id: string, taken: { readonly plugin?: string | null } | undefined, name: string): void => {
    if (taken !== undefined)
      throw new PluginError(file, name, `${what} ${id} is already defined ${taken.plugin == null ? 'by gmemsim' : `by plugin ${taken.plugin}`}`);
  };
  for (const [name, m] of parts.modes) {
    clash('mode', m.id, designs.get(m.id), name);
    const b = designs.get(m.base);
    if (b === undefined) throw new PluginError(file, name, `base mode ${m.base} is not defined (modes: ${[...designs.keys()].join(', ')})`);
    let table: ModeTable;
    try {
      table = applyPatch(b.table, m.patch);
    } catch (e) {
      throw new PluginError(file, name, e instanceof Error ? e.message : String(e));
    }
    table = {
      ...table,
      id: m.id,
      summary: m.summary,
      hugetlbAllocator: m.hugetlbAllocator ?? table.hugetlbAllocator,
      actors: { ...table.actors, ...m.actors }
    };
    designs.set(m.id, { id: m.id, family: b.family, summary: m.summary, table, plugin: file });
  }
  for (const [name, v] of parts.variants) {
    clash('variant', v.id, variants.get(v.id), name);
    const unknown = v.modes.filter((m) => !designs.has(m));
    if (unknown.length > 0) throw new PluginError(file, name, `modes ${unknown.join(', ')} are not defined`);
    for (const m of v.modes) {
      const d = designs.get(m);
      if (d === undefined) continue;
      try {
        applyPatch(d.table, v.patch);
      } catch (e) {
        throw new PluginError(file, name, e instanceof Error ? e.message : String(e));
      }
    }
    variants.set(v.id, { ...v, plugin: file });
  }
  for (const [name, c] of parts.checkers) {
    clash(
      'checker',
      c.id,
      checkers.find((x) => x.id === c.id),
      name
    );
    checkers.push({ ...c, plugin: file });
  }
  for (const [name, s] of parts.scenarios) {
    clash('scenario', s.name, scenarios.get(s.name), name);
    scenarios.set(s.name, { scenario: s, plugin: file });
  }
  return { designs, variants, checkers, scenarios, plugins: [...base.plugins, ref] };
}

/** The design `id` of `catalogue`; throws naming the known ones. */
export function designOf(catalogue: Catalogue, id: string): Design {
  const d = catalogue.designs.get(id);
  if (d === undefined) throw new UnknownDesignError(id, [...catalogue.designs.keys()]);
  return d;
}

/** An unknown mode / design id. */
export class UnknownDesignError extends Error {
  constructor(
    readonly design: string,
    known: readonly string[]
  ) {
    super(`unknown mode ${design} (modes: ${known.join(', ')})`);
    this.name = 'UnknownDesignError';
  }
}

/**
 * The protocol table of `design` patched by variant `variant` (null: the
 * correct protocol). A variant applies to the designs it names and to the
 * designs built on them. Throws {@link UnknownVariantError} /
 * {@link VariantModeError}.
 */
export function tableOf(catalogue: Catalogue, design: Design, variant: string | null): ModeTable {
  if (variant === null) return design.table;
  const v = catalogue.variants.get(variant);
  if (v === undefined) throw new UnknownVariantError(variant, [...catalogue.variants.keys()]);
  if (!appliesTo(v, design)) throw new VariantModeError(v, design.id);
  return applyPatch(design.table, v.patch);
}

/** True if variant `v` applies to `design`: it names it, or `design` is a plugin's design built on a mode it names. */
export function appliesTo(v: VariantDef, design: Design): boolean {
  return v.modes.includes(design.id) || (design.plugin !== null && v.modes.includes(design.family));
}
