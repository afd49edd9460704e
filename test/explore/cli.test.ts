import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'gmemsim-explore-cli-'));

function summary(...args: string[]): { code: number; last: Record<string, unknown> } {
  const r = spawnSync(process.execPath, ['bin/gmemsim.js', ...args, '--json'], { encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n');
  return { code: r.status ?? -1, last: JSON.parse(lines[lines.length - 1] ?? '{}') as Record<string, unknown> };
}

function timeless(s: Record<string, unknown>): Record<string, unknown> {
  const { elapsedMs: _e, stepsPerSec: _s, workers: _w, ...rest } = s;
  return rest;
}

describe('explore --workers', () => {
  it('should give identical summaries with --workers 1 and --workers 2 (violation found, shrunk)', () => {
    const args = ['explore', '--scenario', 'convert-vs-fault', '--variant', 'B10', '--seed', '4', '--schedules', '100', '--out', join(dir, 'v'), '--force'];
    const one = summary(...args, '--workers', '1');
    const two = summary(...args, '--workers', '2');
    expect(one.code).toBe(1);
    expect(two.code).toBe(1);
    expect(timeless(two.last)).toEqual(timeless(one.last));
    expect(one.last['shrunk']).not.toBeNull();
  });

  it('should give identical summaries with --workers 1 and --workers 2 (no violation, determinism checked)', () => {
    const args = ['explore', '--scenario', 'shared-traffic', '--seed', '8', '--schedules', '96', '--check-determinism', '8', '--out', join(dir, 'c')];
    const one = summary(...args, '--workers', '1');
    const two = summary(...args, '--workers', '2');
    expect(one.code).toBe(0);
    expect(timeless(two.last)).toEqual(timeless(one.last));
    expect(one.last['schedules']).toBe(96);
    expect(one.last['determinismChecks']).toBe(12);
  });

  it("should reproduce explore's random schedule i with `run --seed S --schedule i`", () => {
    const e = summary(
      'explore',
      '--scenario',
      'convert-vs-fault',
      '--variant',
      'B10',
      '--strategy',
      'random',
      '--seed',
      '21',
      '--schedules',
      '300',
      '--no-shrink',
      '--out',
      join(dir, 'r'),
      '--force'
    );
    expect(e.code).toBe(1);
    const first = e.last['firstViolation'] as { schedule: number };
    const v = (e.last['violations'] as { invariant: string; step: number }[])[0]!;
    const r = summary('run', '--scenario', 'convert-vs-fault', '--variant', 'B10', '--seed', '21', '--schedule', String(first.schedule));
    expect(r.code).toBe(1);
    const rv = (r.last['violations'] as { invariant: string; step: number }[])[0]!;
    expect([rv.invariant, rv.step]).toEqual([v.invariant, v.step]);
  });

  it('should run DPOR from the CLI and report executions and completeness', () => {
    const r = summary(
      'explore',
      '--scenario',
      'dpor-fault-vs-convert',
      '--variant',
      'B15',
      '--strategy',
      'dpor',
      '--seed',
      '1',
      '--schedules',
      '5000',
      '--out',
      join(dir, 'd'),
      '--force'
    );
    expect(r.code).toBe(1);
    const d = r.last['dpor'] as { executions: number; complete: boolean };
    expect(d.executions).toBeGreaterThan(0);
    expect(d.complete).toBe(false);
    expect(r.last['shrunk']).not.toBeNull();
  });
});
