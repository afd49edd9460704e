/**
 * The command line as a contract: exit codes and the --json last line.
 * Runs the real binary (bin/gmemsim.js), as users and CI scripts do.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gmemsim } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gmemsim-cli-'));

describe('gmemsim CLI', () => {
  it('should run the default scenario and exit 0 (the README command)', () => {
    const r = gmemsim('run');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('scenario shared-traffic');
  });

  it('should explore a broken conversion, save the log, print the reproduce command, and exit 1; replay and check agree', () => {
    const out = join(dir, 'explore');
    const r = gmemsim('explore', '--scenario', 'pin-vs-convert', '--variant', 'NOCHECK', '--seed', '9', '--schedules', '50', '--out', out, '--json');
    expect(r.code).toBe(1);
    const s = r.last as { violations: { invariant: string; step: number; log: string }[]; schedules: number; steps: number; seed: number; elapsedMs: number };
    expect(s.violations[0]?.invariant).toBe('INV-2');
    expect(s.seed).toBe(9);
    expect(s.schedules).toBeGreaterThan(0);
    expect(s.steps).toBeGreaterThan(0);
    expect(typeof s.elapsedMs).toBe('number');
    const log = s.violations[0]!.log;
    const human = gmemsim('explore', '--scenario', 'pin-vs-convert', '--variant', 'NOCHECK', '--seed', '9', '--out', out, '--force');
    expect(human.stdout).toContain(`reproduce: gmemsim replay ${log}`);
    expect(gmemsim('replay', log).code).toBe(1);
    const check = gmemsim('check', log, '--json');
    expect(check.code).toBe(1);
    expect((check.last as { violations: { invariant: string }[] }).violations[0]?.invariant).toBe('INV-2');
  });

  it('should replay a run log (exit 0) and exit 3 naming an altered entry', () => {
    const log = join(dir, 'run.ndjson');
    expect(gmemsim('run', '--seed', '5', '--out', log).code).toBe(0);
    expect(gmemsim('replay', log).code).toBe(0);
    const lines = readFileSync(log, 'utf8').split('\n');
    const i = lines.findIndex((l, k) => k > 30 && l.includes('"kind":"fact"'));
    lines[i] = (lines[i] as string).replace(/"step":(\d+)/, (_m, n: string) => `"step":${Number(n) + 1000}`);
    const altered = join(dir, 'altered.ndjson');
    writeFileSync(altered, lines.join('\n'));
    const r = gmemsim('replay', altered);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(`${altered}:${i + 1}`);
    expect(r.stdout).toContain('expected:');
  });

  it('should exit 2 on a torn log and on a corrupted field, naming the place', () => {
    const log = join(dir, 'torn-src.ndjson');
    gmemsim('run', '--seed', '6', '--out', log);
    const bytes = readFileSync(log);
    const torn = join(dir, 'torn.ndjson');
    writeFileSync(torn, bytes.subarray(0, bytes.length - 7));
    const lineCount = bytes.toString('utf8').split('\n').length - 1;
    const t = gmemsim('check', torn);
    expect(t.code).toBe(2);
    expect(t.stderr).toContain(`${torn}:${lineCount}: torn tail`);
    const lines = bytes.toString('utf8').split('\n');
    const i = lines.findIndex((l) => l.includes('"type":"HostPteInstalled"'));
    lines[i] = (lines[i] as string).replace(/"index":\d+/, '"index":-4');
    const bad = join(dir, 'bad.ndjson');
    writeFileSync(bad, lines.join('\n'));
    const b = gmemsim('check', bad, '--json');
    expect(b.code).toBe(2);
    expect(b.stderr).toContain(`${bad}:${i + 1}:data.index:`);
    expect(b.last?.['exitCode']).toBe(2);
  });

  it('should exit 2 on bad flags, unknown scenarios and variants, and refuse to overwrite a log', () => {
    expect(gmemsim('run', '--seed', 'x').code).toBe(2);
    expect(gmemsim('run', '--bogus').code).toBe(2);
    expect(gmemsim('run', '--scenario', 'no-such-thing').code).toBe(2);
    expect(gmemsim('run', '--variant', 'B99').code).toBe(2);
    const scen = join(dir, 'bad-scenario.json');
    writeFileSync(scen, JSON.stringify({ name: 'x', gmem: { pages: 0 }, threads: [] }));
    const s = gmemsim('run', '--scenario', scen);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain(`${scen}: field gmem.pages`);
    const log = join(dir, 'exists.ndjson');
    writeFileSync(log, 'keep me\n');
    expect(gmemsim('run', '--out', log).code).toBe(2);
    expect(readFileSync(log, 'utf8')).toBe('keep me\n');
  });

  it('should list scenarios, variants and invariants as JSON', () => {
    const sc = gmemsim('scenarios', '--json');
    expect(sc.code).toBe(0);
    expect((sc.last as { scenarios: { name: string }[] }).scenarios.map((s) => s.name)).toContain('shared-traffic');
    const v = gmemsim('variants', '--json');
    expect((v.last as { variants: { id: string; breaks: string }[] }).variants.find((x) => x.id === 'B11')?.breaks).toBe('INV-2');
    const inv = gmemsim('invariants', '--json');
    expect((inv.last as { invariants: { id: string }[] }).invariants.map((x) => x.id)).toEqual(expect.arrayContaining(['INV-1', 'INV-2']));
  });
});

describe('a log path that cannot be read', () => {
  it('replay, check and shrink of a missing file or a directory: exit 2, one line naming the path and the reason', () => {
    for (const cmd of ['replay', 'check', 'shrink']) {
      for (const [path, reason] of [
        [join(dir, 'missing.ndjson'), 'no such file'],
        [dir, 'is a directory']
      ] as const) {
        const r = gmemsim(cmd, path);
        expect(r.code, `${cmd} ${path}`).toBe(2);
        expect(r.stderr.trim().split('\n'), `${cmd} ${path}`).toEqual([`gmemsim: cannot read log ${path}: ${reason}`]);
      }
    }
  });
});
