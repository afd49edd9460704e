/**
 * The monitor hands a checker only the entry types it has handlers for (`on`,
 * derived from the handler keys). This keeps the derivation honest: `on` lists
 * exactly the handlers a running checker has, every type is a known fact or
 * scheduler entry type, and every entry type a checker's source compares
 * against is handled by a checker defined in that file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isKnownFact } from '../../src/events/facts.js';
import { isKnownSched } from '../../src/events/sched.js';
import type { CheckerSpec } from '../../src/projections/checker.js';
import { handHeader } from '../helpers/logBuilder.js';
import { CHECKERS } from '../../src/projections/monitor.js';

const dir = 'src/projections/checkers';

function isSpec(v: unknown): v is CheckerSpec {
  return typeof v === 'object' && v !== null && 'on' in v && Array.isArray(v.on) && 'create' in v && typeof v.create === 'function';
}

describe('checker dispatch lists', () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    it(`${file}: every compared entry type has a handler`, async () => {
      const text = readFileSync(join(dir, file), 'utf8');
      const compared = new Set([...text.matchAll(/(?:case|type ===|type !==) '([A-Za-z]+)'/g)].map((m) => m[1] as string));
      const url = pathToFileURL(resolve(dir, file)).href;
      const mod: Record<string, unknown> = await import(url);
      const specs = Object.values(mod).filter(isSpec);
      expect(specs.length, 'each checker file defines a checker').toBeGreaterThan(0);
      const handled = new Set(specs.flatMap((s) => s.on));
      for (const type of compared) expect(handled.has(type), `${type} has no handler`).toBe(true);
    });
  }

  for (const spec of CHECKERS) {
    it(`${spec.id}: on lists exactly its handlers, all of known entry types`, () => {
      expect(spec.on.length).toBeGreaterThan(0);
      for (const type of spec.on) expect(isKnownFact(type) || isKnownSched(type), type).toBe(true);
      const c = spec.create(handHeader(spec.modes.includes('*') ? 'rfc-inplace-v8' : spec.modes[0]));
      expect([...c.facts.keys(), ...c.sched.keys()].sort()).toEqual([...spec.on].sort());
    });
  }
});
