/**
 * The floors of `src` (docs/architecture.md) are enforced by dependency-cruiser
 * (`.dependency-cruiser.cjs`, run by `npm run lint`): no import cycle, no
 * import of a higher floor, procedures never import machines, checkers never
 * import the runtime. This test shows the rules fail on a tree that breaks them
 * and pass on `src`.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CRUISER = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface Violation {
  readonly rule: { readonly name: string };
  readonly from: string;
  readonly to: string;
}

/** Runs dependency-cruiser with the project's rules on `src` under `cwd`; returns the violations. */
function cruise(cwd: string, config: string): Violation[] {
  const r = spawnSync(process.execPath, [CRUISER, 'src', '--config', config, '--output-type', 'json'], { cwd, encoding: 'utf8' });
  const out = JSON.parse(r.stdout) as { summary: { violations: Violation[] } };
  return out.summary.violations;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A throwaway tree with the project's config, tsconfig and the given files. */
function fixture(files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gmemsim-layers-'));
  dirs.push(dir);
  copyFileSync(join(ROOT, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true }, include: ['src'] })
  );
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('layer and cycle rules', () => {
  it('fail on an import cycle, an upward import, a procedure importing a machine and a checker importing the runtime', () => {
    const dir = fixture({
      'src/model/a.ts': "import { b } from './b.js';\nexport const a = (): number => b() + 1;\n",
      'src/model/b.ts': "import { a } from './a.js';\nexport const b = (): number => a() - 1;\n",
      'src/runtime/world.ts': "import { runner } from '../run/runner.js';\nexport const world = runner;\n",
      'src/run/runner.ts': 'export const runner = 1;\n',
      'src/machines/folio.ts': 'export const folio = 1;\n',
      'src/procedures/fault.ts': "import { folio } from '../machines/folio.js';\nexport const fault = folio;\n",
      'src/projections/checker.ts': "import { world } from '../runtime/world.js';\nexport const checker = world;\n"
    });
    const found = cruise(dir, '.dependency-cruiser.cjs').map((v) => `${v.rule.name} ${v.from} -> ${v.to}`);
    expect(found).toContain('no-circular src/model/a.ts -> src/model/b.ts');
    expect(found).toContain('no-upward-from-runtime src/runtime/world.ts -> src/run/runner.ts');
    expect(found).toContain('procedures-not-machines src/procedures/fault.ts -> src/machines/folio.ts');
    expect(found).toContain('projections-not-runtime src/projections/checker.ts -> src/runtime/world.ts');
  });

  it('pass on src', () => {
    expect(cruise(ROOT, '.dependency-cruiser.cjs')).toEqual([]);
  });
});
