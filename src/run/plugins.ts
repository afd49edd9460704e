/**
 * Plugins: `.js`, `.mjs` or `.ts` modules whose exports are designs
 * (`defineMode`), variants (`defineVariant`), checkers (`defineChecker`) and
 * scenarios (`defineScenario`), loaded into a {@link Catalogue}. A log records
 * the plugins a run used (file and SHA-256 of its content), and replay and
 * check of that log need the same plugins back ({@link requirePlugins}).
 *
 * Errors are {@link PluginError}s naming the file and the export: a module
 * that throws while loading, exports nothing usable, exports a part of the
 * wrong shape, or clashes with an id already defined.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { LogHeader } from '../events/logEntry.js';
import type { ModeDef } from '../modes/define.js';
import type { CheckerSpec } from '../projections/checker.js';
import type { Scenario } from '../scenarios/schema.js';
import type { VariantDef } from '../variants/define.js';
import { BUILTIN_CATALOGUE, type Catalogue, extendCatalogue, PluginError, type PluginParts, type PluginRef } from './catalogue.js';

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - (no spaces)');
const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'a function');
const patchSchema = z
  .object({
    paths: z.record(z.string(), fn).optional(),
    owners: z.record(z.string(), z.record(z.string(), z.unknown())).optional()
  })
  .strict();
const variantSchema = z.object({
  kind: z.literal('variant'),
  id,
  name: z.string().min(1),
  change: z.string().min(1),
  modes: z.array(z.string().min(1)).min(1),
  breaks: z.string().min(1),
  alsoBreaks: z.array(z.string().min(1)).optional(),
  scenario: z.string().min(1),
  patch: patchSchema
});
const modeSchema = z.object({
  kind: z.literal('mode'),
  id,
  base: z.string().min(1),
  summary: z.string().min(1),
  patch: patchSchema,
  hugetlbAllocator: z.boolean().optional(),
  actors: z.object({ lru: z.boolean().optional(), shm: z.boolean().optional() }).strict().optional()
});
const checkerSchema = z.object({
  kind: z.literal('checker'),
  id,
  statement: z.string().min(1),
  modes: z.array(z.string().min(1)).min(1),
  on: z.array(z.string()),
  create: fn
});
const scenarioDefSchema = z.object({ kind: z.literal('scenario'), scenario: z.object({ name: z.string().min(1) }).passthrough() });

/** The first problem of a failed parse as `field: message`. */
function problem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid';
  const field = issue.path.map(String).join('.');
  return `${field === '' ? '(root)' : `field ${field}`}: ${issue.message}`;
}

/** The SHA-256 of a file's content, hex. */
export function fileSha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Sorts one module's exports into catalogue parts; throws naming the export whose shape is wrong. */
function partsOf(file: string, mod: Readonly<Record<string, unknown>>): PluginParts {
  const modes: [string, ModeDef][] = [];
  const variants: [string, VariantDef][] = [];
  const checkers: [string, CheckerSpec][] = [];
  const scenarios: [string, Scenario][] = [];
  for (const [name, value] of Object.entries(mod)) {
    if (typeof value !== 'object' || value === null) continue;
    const kind: unknown = 'kind' in value ? value.kind : undefined;
    const check = <T>(schema: z.ZodType<unknown>, v: T): T => {
      const r = schema.safeParse(v);
      if (!r.success) throw new PluginError(file, name, `wrong shape for a ${String(kind)}: ${problem(r.error)}`);
      return v;
    };
    if (kind === 'variant') variants.push([name, check(variantSchema, value as VariantDef)]);
    else if (kind === 'mode') modes.push([name, check(modeSchema, value as ModeDef)]);
    else if (kind === 'checker') checkers.push([name, check(checkerSchema, value as CheckerSpec)]);
    else if (kind === 'scenario') scenarios.push([name, check(scenarioDefSchema, value as { scenario: Scenario }).scenario]);
    else if ('patch' in value || 'facts' in value) {
      throw new PluginError(file, name, 'looks like a variant, mode or checker but was not made with defineVariant, defineMode or defineChecker');
    }
  }
  return { modes, variants, checkers, scenarios };
}

/** Imports plugin `file` and returns its reference and parts. Throws {@link PluginError}. */
async function loadOne(file: string): Promise<{ ref: PluginRef; parts: PluginParts }> {
  const ext = extname(file);
  if (!['.js', '.mjs', '.ts'].includes(ext)) throw new PluginError(file, null, 'not a .js, .mjs or .ts module');
  const path = resolve(file);
  if (!existsSync(path)) throw new PluginError(file, null, 'no such file');
  if (!statSync(path).isFile()) throw new PluginError(file, null, 'not a file');
  const sha256 = fileSha256(path);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new PluginError(file, null, `throws while loading: ${reason ?? 'unknown error'}`);
  }
  const parts = partsOf(file, mod);
  if (parts.modes.length + parts.variants.length + parts.checkers.length + parts.scenarios.length === 0) {
    throw new PluginError(
      file,
      null,
      'exports no variant, mode, checker or scenario (make them with defineVariant, defineMode, defineChecker, defineScenario)'
    );
  }
  return { ref: { file, sha256 }, parts };
}

/**
 * The catalogue `base` (default: the built-in one) with the plugins in `files`,
 * in order. Throws {@link PluginError} naming the file (and the export).
 */
export async function loadPlugins(files: readonly string[], base: Catalogue = BUILTIN_CATALOGUE): Promise<Catalogue> {
  let catalogue = base;
  const seen = new Set<string>();
  for (const file of files) {
    const path = resolve(file);
    if (seen.has(path)) throw new PluginError(file, null, 'given twice');
    seen.add(path);
    const { ref, parts } = await loadOne(file);
    catalogue = extendCatalogue(catalogue, ref, parts);
    for (const [name, v] of parts.variants) {
      if (!catalogue.scenarios.has(v.scenario)) throw new PluginError(file, name, `home scenario ${v.scenario} is not defined`);
    }
  }
  return catalogue;
}

/** A log needs plugins the caller did not pass (or passed changed). */
export class MissingPluginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingPluginError';
  }
}

/**
 * Checks that `catalogue` has every plugin the log `header` names, with the
 * same content; throws {@link MissingPluginError} saying which and how to pass it.
 */
export function requirePlugins(log: string, header: LogHeader, catalogue: Catalogue): void {
  for (const need of header.plugins ?? []) {
    if (catalogue.plugins.some((p) => p.sha256 === need.sha256)) continue;
    const changed = catalogue.plugins.find((p) => basename(p.file) === basename(need.file));
    if (changed !== undefined) {
      throw new MissingPluginError(
        `${log} was written with plugin ${need.file} (sha256 ${need.sha256.slice(0, 12)}), but ${changed.file} has changed since ` +
          `(sha256 ${changed.sha256.slice(0, 12)}): pass the plugin as it was with --plugin`
      );
    }
    throw new MissingPluginError(`${log} needs plugin ${need.file} (sha256 ${need.sha256.slice(0, 12)}): pass it with --plugin ${need.file}`);
  }
}
