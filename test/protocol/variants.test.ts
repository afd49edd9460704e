/**
 * Variants are patches over a design's protocol table, one value next to each
 * catalogue entry; an unknown variant id is an error, never a silent run of
 * the correct protocol.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODE_TABLES } from '../../src/modes/index.js';
import { applyPatch } from '../../src/modes/table.js';
import { BUILTIN_CATALOGUE } from '../../src/run/catalogue.js';
import { runSchedule } from '../../src/run/runner.js';
import { findScenario } from '../../src/scenarios/builtins.js';
import { UnknownVariantError, VARIANTS, VariantModeError } from '../../src/variants/index.js';
import { gmemsim } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gmemsim-variants-'));

describe('variants as patches', () => {
  it('runSchedule throws on an unknown variant id, naming the known ids', () => {
    const scenario = findScenario('shared-traffic')!;
    expect(() => runSchedule({ scenario, seed: 1, variant: 'NOPE' })).toThrow(UnknownVariantError);
    expect(() => runSchedule({ scenario, seed: 1, variant: 'NOPE' })).toThrow(/unknown variant NOPE \(known: .*B10.*\)/);
  });

  it('runSchedule throws on a variant outside its modes', () => {
    const scenario = findScenario('shared-traffic')!;
    expect(scenario.mode).toBe('rfc-inplace-v8');
    expect(() => runSchedule({ scenario, seed: 1, variant: 'B2' })).toThrow(VariantModeError);
  });

  it('gmemsim run --variant NOPE exits 2 naming the known ids', () => {
    const r = gmemsim('run', '--variant', 'NOPE');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown variant NOPE/);
    for (const v of VARIANTS) expect(r.stderr).toContain(v.id);
  });

  it('replay of a log whose header names an unknown variant exits 2', () => {
    const log = join(dir, 'run.ndjson');
    expect(gmemsim('run', '--seed', '2', '--out', log).code).toBe(0);
    const lines = readFileSync(log, 'utf8').split('\n');
    lines[0] = (lines[0] ?? '').replace('"variant":null', '"variant":"NOPE"');
    const edited = join(dir, 'nope.ndjson');
    writeFileSync(edited, lines.join('\n'));
    const r = gmemsim('replay', edited);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown variant NOPE/);
  });

  it('every built-in variant is a patch that changes the table of each of its modes', () => {
    for (const v of VARIANTS) {
      const paths = Object.keys(v.patch.paths ?? {});
      const owners = Object.entries(v.patch.owners ?? {});
      expect(paths.length + owners.length, v.id).toBeGreaterThan(0);
      for (const mode of v.modes) {
        const table = BUILTIN_CATALOGUE.designs.get(mode)!.table;
        const patched = applyPatch(table, v.patch);
        for (const name of paths)
          expect(patched.paths[name as keyof typeof patched.paths], `${v.id} ${name}`).not.toBe(table.paths[name as keyof typeof table.paths]);
        for (const [owner, change] of owners) {
          const before = JSON.stringify(table.owners[owner as keyof typeof table.owners]);
          const after = JSON.stringify(patched.owners[owner as keyof typeof patched.owners]);
          expect(after, `${v.id} ${owner} ${JSON.stringify(change)}`).not.toBe(before);
        }
      }
    }
  });

  it('patches are values: applying one leaves the mode table unchanged', () => {
    const v8 = MODE_TABLES['rfc-inplace-v8'];
    const before = v8.paths.kvm_gmem_fault_user_mapping;
    const b10 = VARIANTS.find((v) => v.id === 'B10')!;
    expect(applyPatch(v8, b10.patch).paths.kvm_gmem_fault_user_mapping).not.toBe(before);
    expect(v8.paths.kvm_gmem_fault_user_mapping).toBe(before);
  });
});
