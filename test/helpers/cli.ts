/** Runs the gmemsim command line as a user would, from the repository root. */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** The repository root (where `bin/gmemsim.js` is). */
export const ROOT = resolve(import.meta.dirname, '../..');

/** What one command printed: exit code, stdout, stderr, and the `--json` last line parsed (null if none). */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly last: Record<string, unknown> | null;
}

/** Runs `gmemsim ...args` with cwd the repository root and waits for it. */
export function gmemsim(...args: string[]): CliRun {
  const r = spawnSync(process.execPath, ['bin/gmemsim.js', ...args], { encoding: 'utf8', cwd: ROOT });
  const lines = r.stdout.trim().split('\n');
  let last: Record<string, unknown> | null = null;
  try {
    last = JSON.parse(lines[lines.length - 1] ?? '') as Record<string, unknown>;
  } catch {
    last = null;
  }
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, last };
}
