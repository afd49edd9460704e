/**
 * The extension API, used the way a reviewer of a patch series would: the
 * examples in examples/ import only the public entry ('gmemsim'), and are run
 * both as a library and with `--plugin` on the command line.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BUILTIN_CATALOGUE,
  CHECKERS_OF,
  defineChecker,
  explore,
  extendCatalogue,
  findScenario,
  hex,
  loadPlugins,
  MissingPluginError,
  replayLog,
  runSchedule,
  VARIANTS,
  violation
} from './extensionEntry.js';
import { gmemsim } from '../helpers/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const B10 = 'examples/b10-fault-without-invalidate-lock.ts';
const B11 = 'examples/b11-mapcount-check.ts';
const CHECKER = 'examples/no-pinned-page-goes-private.ts';
const DESIGN = 'examples/v8-check-before-lock.ts';
const WRAP = 'examples/single-page-fast-path.ts';
const out = mkdtempSync(join(tmpdir(), 'gmemsim-ext-'));
const inProject = mkdtempSync(join(ROOT, '.tmp-plugin-'));
afterAll(() => {
  rmSync(out, { recursive: true, force: true });
  rmSync(inProject, { recursive: true, force: true });
});

describe('examples use the public entry only', () => {
  it('no example imports a src/ path', () => {
    for (const f of readdirSync(join(ROOT, 'examples'))) {
      const text = readFileSync(join(ROOT, 'examples', f), 'utf8');
      expect(text, f).not.toMatch(/from '\.\.?\/.*src\//);
      expect(text, f).toMatch(/from 'gmemsim'/);
    }
  });
});

describe('user variants B10 and B11 (library)', () => {
  for (const [file, id, builtin] of [
    [B10, 'MY-B10', 'B10'],
    [B11, 'MY-B11', 'B11']
  ] as const) {
    it(`${id} from ${file} is found on its scenario with the invariant of ${builtin}, replays exactly and shrinks`, async () => {
      const catalogue = await loadPlugins([file]);
      const v = catalogue.variants.get(id)!;
      const scenario = findScenario(v.scenario)!;
      const expected = VARIANTS.find((b) => b.id === builtin)!.breaks;
      expect(v.breaks).toBe(expected);
      const r = explore({ scenario, variant: id, catalogue, seed: 1, schedules: 500, outDir: out, force: true, strategy: 'portfolio', coverage: false });
      expect(r.found?.violation.invariant).toBe(expected);
      const replay = replayLog(r.found!.log, { catalogue });
      expect(replay.divergence).toBeNull();
      expect(replay.violations[0]?.invariant).toBe(expected);
      const shrunk = r.found!.shrunk!;
      expect(shrunk.invariant).toBe(expected);
      expect(shrunk.after.steps).toBeLessThanOrEqual(shrunk.before.steps);
      expect(replayLog(shrunk.log, { catalogue }).violations[0]?.invariant).toBe(expected);
      // The log names the plugin: without it the replay is refused.
      expect(() => replayLog(r.found!.log)).toThrow(MissingPluginError);
    });
  }

  it('a user design (a patch over rfc-inplace-v8) is explored like a built-in mode and its race found', async () => {
    const catalogue = await loadPlugins([DESIGN]);
    const scenario = findScenario('convert-vs-fault')!;
    const r = explore({
      scenario,
      variant: null,
      design: 'v8-check-before-lock',
      catalogue,
      seed: 1,
      schedules: 500,
      outDir: out,
      force: true,
      strategy: 'portfolio',
      coverage: false
    });
    expect(r.found?.violation.invariant).toBe('INV-1');
    expect(replayLog(r.found!.log, { catalogue }).violations[0]?.invariant).toBe('INV-1');
    // The built-in design is correct on the same scenario and seed.
    const ok = explore({ scenario, variant: null, seed: 1, schedules: 200, outDir: out, force: true, strategy: 'portfolio', coverage: false, shrink: false });
    expect(ok.found).toBeNull();
  });
});

describe('a wrapping variant with its own scenario', () => {
  it('FASTPATH-4K (a wrap of kvm_gmem_check_conversion) breaks INV-2 on the plugin scenario, which is silent without it', () => {
    const found = gmemsim(
      'explore',
      '--plugin',
      WRAP,
      '--variant',
      'FASTPATH-4K',
      '--scenario',
      'pin-one-page-convert',
      '--seed',
      '1',
      '--schedules',
      '200',
      '--out',
      out,
      '--force',
      '--json'
    );
    expect(found.code).toBe(1);
    expect((found.last as { violations: { invariant: string }[] }).violations[0]?.invariant).toBe('INV-2');
    const ok = gmemsim(
      'explore',
      '--plugin',
      WRAP,
      '--scenario',
      'pin-one-page-convert',
      '--seed',
      '1',
      '--schedules',
      '200',
      '--out',
      out,
      '--force',
      '--json'
    );
    expect(ok.code).toBe(0);
    // The wrap keeps the original check for larger ranges: the two-page pin-vs-convert is still refused correctly.
    const larger = gmemsim(
      'explore',
      '--plugin',
      WRAP,
      '--variant',
      'FASTPATH-4K',
      '--scenario',
      'pin-vs-convert',
      '--seed',
      '1',
      '--schedules',
      '200',
      '--out',
      out,
      '--force',
      '--json'
    );
    expect(larger.code).toBe(0);
    const listed = gmemsim('scenarios', '--plugin', WRAP);
    expect(listed.stdout).toContain(`pin-one-page-convert (plugin ${WRAP})`);
  });
});

describe('a user checker', () => {
  it('fires where its property is broken and is silent where it holds, live', async () => {
    const catalogue = await loadPlugins([CHECKER]);
    const scenario = findScenario('pin-vs-convert')!;
    let fired = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const r = runSchedule({ scenario, seed, variant: 'NOCHECK', catalogue, stopOnViolation: false });
      if (r.violations.some((v) => v.invariant === 'USER-LONGTERM-PIN')) fired++;
    }
    expect(fired).toBeGreaterThan(0);
    for (let seed = 1; seed <= 200; seed++) {
      const r = runSchedule({ scenario, seed, catalogue });
      expect(
        r.violations.filter((v) => v.invariant === 'USER-LONGTERM-PIN'),
        `seed ${seed}`
      ).toEqual([]);
    }
  });

  it('the same property written as one evolve over every fact (issue shape: description + evolve) finds the same violations', async () => {
    const perType = await loadPlugins([CHECKER]);
    const pins = new Map<string, { gmem: string; index: number; step: number }>();
    const evolveChecker = defineChecker({
      id: 'USER-LONGTERM-PIN',
      description: 'no page becomes private while a long-term GUP pin is held on it',
      modes: ['rfc-inplace-v8', 'rfc-1g-v2'],
      init: () => {
        pins.clear();
        return pins;
      },
      evolve: (state, e) => {
        switch (e.type) {
          case 'GupPinned':
            if (e.data.longterm) state.set(e.data.pin, { gmem: e.data.gmem, index: e.data.index, step: e.step });
            return [];
          case 'GupUnpinned':
            state.delete(e.data.pin);
            return [];
          case 'AttrStored':
            if (!e.data.private) return [];
            return [...state.entries()]
              .filter(([, p]) => p.gmem === e.data.gmem && p.index >= e.data.start && p.index < e.data.end)
              .map(([name, p]) =>
                violation(
                  'USER-LONGTERM-PIN',
                  e,
                  `page ${hex(p.index)} of ${p.gmem} became private at step ${e.step} under long-term pin ${name} (step ${p.step})`,
                  [p.step]
                )
              );
          default:
            return [];
        }
      }
    });
    expect(evolveChecker.statement).toBe('no page becomes private while a long-term GUP pin is held on it');
    expect(evolveChecker.on).toContain('AttrStored');
    const asEvolve = extendCatalogue(
      BUILTIN_CATALOGUE,
      { file: 'inline-evolve-checker', sha256: '0'.repeat(64) },
      { modes: [], variants: [], checkers: [['evolveChecker', evolveChecker]], scenarios: [] }
    );
    const scenario = findScenario('pin-vs-convert')!;
    let fired = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const a = runSchedule({ scenario, seed, variant: 'NOCHECK', catalogue: perType, stopOnViolation: false });
      const b = runSchedule({ scenario, seed, variant: 'NOCHECK', catalogue: asEvolve, stopOnViolation: false });
      const mine = (r: typeof a): string[] => r.violations.filter((v) => v.invariant === 'USER-LONGTERM-PIN').map((v) => `${v.step} ${v.message}`);
      expect(mine(b), `seed ${seed}`).toEqual(mine(a));
      if (mine(a).length > 0) fired++;
    }
    expect(fired).toBeGreaterThan(0);
  });

  it('fires through check --plugin on a saved log, and is not there without the plugin', () => {
    const r = gmemsim(
      'explore',
      '--scenario',
      'pin-vs-convert',
      '--variant',
      'NOCHECK',
      '--seed',
      '1',
      '--schedules',
      '100',
      '--out',
      out,
      '--force',
      '--no-shrink',
      '--json'
    );
    expect(r.code).toBe(1);
    const log = (r.last as { violations: { log: string }[] }).violations[0]!.log;
    const withPlugin = gmemsim('check', log, '--plugin', CHECKER, '--json');
    expect(withPlugin.code).toBe(1);
    expect((withPlugin.last as { violations: { invariant: string }[] }).violations.map((v) => v.invariant)).toContain('USER-LONGTERM-PIN');
    const without = gmemsim('check', log, '--json');
    expect((without.last as { violations: { invariant: string }[] }).violations.map((v) => v.invariant)).not.toContain('USER-LONGTERM-PIN');
  });
});

describe('--plugin on the command line', () => {
  it('explore finds MY-B10 with INV-4, replay needs the plugin, an edited plugin is refused', () => {
    const r = gmemsim(
      'explore',
      '--plugin',
      B10,
      '--variant',
      'MY-B10',
      '--scenario',
      'convert-vs-fault',
      '--seed',
      '1',
      '--schedules',
      '200',
      '--out',
      out,
      '--force',
      '--json'
    );
    expect(r.code).toBe(1);
    const s = r.last as { violations: { invariant: string; log: string }[]; shrunk: { log: string } };
    expect(s.violations[0]?.invariant).toBe('INV-4');
    const log = s.violations[0]!.log;
    const human = gmemsim(
      'explore',
      '--plugin',
      B10,
      '--variant',
      'MY-B10',
      '--scenario',
      'convert-vs-fault',
      '--seed',
      '1',
      '--schedules',
      '200',
      '--out',
      out,
      '--force',
      '--no-shrink'
    );
    expect(human.code).toBe(1);
    expect(human.stdout + human.stderr).toMatch(new RegExp(`reproduce: gmemsim replay \\S+ --plugin ${B10.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(gmemsim('replay', log, '--plugin', B10).code).toBe(1);
    expect(gmemsim('replay', s.shrunk.log, '--plugin', B10).code).toBe(1);
    const missing = gmemsim('replay', log);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`needs plugin ${B10}`);
    expect(missing.stderr).toContain(`--plugin ${B10}`);
    expect(gmemsim('check', log).code).toBe(2);
    const edited = join(inProject, 'b10-fault-without-invalidate-lock.ts');
    copyFileSync(join(ROOT, B10), edited);
    writeFileSync(edited, readFileSync(edited, 'utf8') + '\n// an edit\n');
    const changed = gmemsim('replay', log, '--plugin', edited);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toContain('has changed since');
    const changedCheck = gmemsim('check', log, '--plugin', edited);
    expect(changedCheck.code).toBe(2);
    expect(changedCheck.stderr.trim().split('\n')).toHaveLength(1);
    expect(changedCheck.stderr).toContain('has changed since');
  });

  it('explore with --workers 2 loads the plugin in the workers and finds the same violation', () => {
    const a = gmemsim(
      'explore',
      '--plugin',
      B11,
      '--variant',
      'MY-B11',
      '--scenario',
      'vmsplice-munmap-convert',
      '--seed',
      '3',
      '--schedules',
      '300',
      '--out',
      out,
      '--force',
      '--no-shrink',
      '--json'
    );
    const b = gmemsim(
      'explore',
      '--plugin',
      B11,
      '--variant',
      'MY-B11',
      '--scenario',
      'vmsplice-munmap-convert',
      '--seed',
      '3',
      '--schedules',
      '300',
      '--out',
      out,
      '--force',
      '--no-shrink',
      '--workers',
      '2',
      '--json'
    );
    expect(a.code).toBe(1);
    expect(b.code).toBe(1);
    expect((b.last as { firstViolation: unknown }).firstViolation).toEqual((a.last as { firstViolation: unknown }).firstViolation);
  });

  it('variants, modes and invariants list the plugin parts beside the built-ins, marked', () => {
    const v = gmemsim('variants', '--plugin', B10, '--plugin', B11, '--json');
    const ids = (v.last as { variants: { id: string; plugin?: string }[] }).variants;
    expect(ids.find((x) => x.id === 'MY-B10')?.plugin).toBe(B10);
    expect(ids.find((x) => x.id === 'B10')?.plugin).toBeUndefined();
    expect(gmemsim('variants', '--plugin', B10, '--plugin', B11).stdout).toContain(`MY-B11 (plugin ${B11})`);
    const m = gmemsim('modes', '--plugin', DESIGN);
    expect(m.stdout).toContain(`v8-check-before-lock (plugin ${DESIGN}) [built on rfc-inplace-v8]`);
    const i = gmemsim('invariants', '--plugin', CHECKER);
    expect(i.stdout).toContain(`USER-LONGTERM-PIN (plugin ${CHECKER})`);
  });

  it('bad plugins exit 2 with one line naming the file (and the export)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gmemsim-badplugin-'));
    const variant = (extra: string): string =>
      `export const v = { kind: 'variant', id: 'X', name: 'n', change: 'c', modes: ['rfc-inplace-v8'], breaks: 'INV-4', scenario: 'convert-vs-fault', patch: {}${extra} };\n`;
    const cases: [string, string, RegExp][] = [
      ['throws.mjs', "throw new Error('boom at load');\n", /plugin .*throws\.mjs: throws while loading: boom at load/],
      ['empty.mjs', 'export const x = 1;\n', /plugin .*empty\.mjs: exports no variant, mode, checker or scenario/],
      ['dup.mjs', variant('').replace("id: 'X'", "id: 'B10'"), /plugin .*dup\.mjs, export v: variant B10 is already defined by gmemsim/],
      ['shape.mjs', variant('').replace("change: 'c', ", ''), /plugin .*shape\.mjs, export v: wrong shape for a variant: field change/],
      [
        'path.mjs',
        variant('').replace('patch: {}', 'patch: { paths: { no_such_path: () => () => 0 } }'),
        /plugin .*path\.mjs, export v: .*no kernel path named no_such_path/
      ],
      ['nokind.mjs', "export const v = { id: 'Y', patch: {} };\n", /plugin .*nokind\.mjs, export v: looks like a variant, mode or checker/],
      ['plain.txt', 'x', /plugin .*plain\.txt: not a \.js, \.mjs or \.ts module/]
    ];
    for (const [name, text, message] of cases) {
      writeFileSync(join(dir, name), text);
      const r = gmemsim('variants', '--plugin', join(dir, name));
      expect(r.code, name).toBe(2);
      expect(r.stderr.trim().split('\n'), name).toHaveLength(1);
      expect(r.stderr, name).toMatch(message);
    }
    const none = gmemsim('variants', '--plugin', join(dir, 'missing.mjs'));
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/missing\.mjs: no such file/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('one mechanism', () => {
  it('the built-in catalogue is made with defineVariant and defineChecker', () => {
    for (const v of VARIANTS) expect(v.kind, v.id).toBe('variant');
    for (const c of CHECKERS_OF(BUILTIN_CATALOGUE)) expect(c.kind, c.id).toBe('checker');
  });
});
