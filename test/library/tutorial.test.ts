/**
 * docs/write-a-variant.md stays true: its TypeScript is excerpted from the
 * example files (which tsc checks and the extension tests run), its tables
 * name every kernel path and owner option a patch can change, and the library
 * example finds and replays the variant.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { huntMyB10 } from '../../examples/library.js';
import { BASE_OWNERS, BASE_PATHS } from './extensionEntry.js';

const ROOT = resolve(import.meta.dirname, '../..');
const doc = readFileSync(join(ROOT, 'docs/write-a-variant.md'), 'utf8');
const examples = readdirSync(join(ROOT, 'examples'))
  .map((f) => readFileSync(join(ROOT, 'examples', f), 'utf8'))
  .join('\n');
const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();
const out = mkdtempSync(join(tmpdir(), 'gmemsim-tutorial-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('docs/write-a-variant.md', () => {
  it('every ts block is an excerpt of a file in examples/', () => {
    const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    for (const b of blocks) expect(squash(examples), b.slice(0, 80)).toContain(squash(b));
  });

  it('the path table names every kernel path a patch may change, and the options table every owner option', () => {
    const paths = Object.keys(BASE_PATHS).filter((k) => !k.endsWith('Ops'));
    expect(paths.length).toBeGreaterThan(20);
    for (const p of paths) expect(doc, p).toContain(`| \`${p}\` |`);
    for (const [owner, options] of Object.entries(BASE_OWNERS) as [string, object][]) {
      for (const o of Object.keys(options)) {
        if (owner === 'gmem' && o === 'allocator') continue; // follows the file's folio size, not a patch
        expect(doc, `${owner}.${o}`).toMatch(new RegExp(`\\| \`${owner}\` \\| \`${o}\` \\|`));
      }
    }
  });

  it('the library example finds MY-B10 with INV-4 and replays it', async () => {
    const h = await huntMyB10(out);
    expect(h.invariant).toBe('INV-4');
    expect(h.replayed).toBe(true);
  });
});
