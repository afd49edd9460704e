import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogExistsError, LogFormatError } from '../../src/log/logErrors.js';
import { readLog } from '../../src/log/ndjsonReader.js';
import { NdjsonLogWriter } from '../../src/log/ndjsonWriter.js';
import { checkLog } from '../../src/replay/check.js';
import { runSchedule } from '../../src/run/runner.js';
import { findScenario } from '../../src/scenarios/builtins.js';

const dir = mkdtempSync(join(tmpdir(), 'gmemsim-log-'));

function written(name: string, seed: number): string {
  const path = join(dir, `${name}-${seed}.ndjson`);
  const w = NdjsonLogWriter.create(path, { force: true });
  runSchedule({ scenario: findScenario(name)!, seed, sink: w });
  w.close();
  return path;
}

describe('NDJSON log file', () => {
  it('should never overwrite an existing log without force', () => {
    const path = written('pin-vs-convert', 1);
    const before = readFileSync(path, 'utf8');
    expect(() => NdjsonLogWriter.create(path)).toThrow(LogExistsError);
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('should keep every complete entry and report the torn tail for a cut at every byte of the last 3 entries', () => {
    const path = written('convert-vs-fault', 2);
    const bytes = readFileSync(path);
    const text = bytes.toString('utf8');
    const lines = text.split('\n').slice(0, -1);
    const total = lines.length; // header + entries
    const startOfLast3 = Buffer.byteLength(lines.slice(0, total - 3).join('\n') + '\n');
    const cut = join(dir, 'cut.ndjson');
    for (let offset = startOfLast3; offset < bytes.length; offset++) {
      writeFileSync(cut, bytes.subarray(0, offset));
      const before = bytes.subarray(0, offset).toString('utf8');
      const completeLines = before.split('\n').length - 1; // lines ending with \n
      const r = checkLog(cut);
      const tailText = before.slice(before.lastIndexOf('\n') + 1);
      if (tailText === '') {
        expect(r.torn, `offset ${offset}`).toBeNull();
        expect(r.entries).toBe(completeLines - 1);
      } else {
        // a cut exactly before the newline leaves a whole entry: complete, not torn
        const whole = tailText === lines[completeLines];
        expect(r.torn === null, `offset ${offset}`).toBe(whole);
        expect(r.entries, `offset ${offset}`).toBe(completeLines - 1 + (whole ? 1 : 0));
        if (!whole) expect(r.torn?.line).toBe(completeLines + 1);
      }
    }
  });

  it('should name file, line and field of a corrupted fact field', () => {
    const path = written('pin-vs-convert', 1);
    const lines = readFileSync(path, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes('"type":"FolioRef"'));
    lines[i] = (lines[i] as string).replace(/"refcount":\d+/, '"refcount":"many"');
    const bad = join(dir, 'bad-field.ndjson');
    writeFileSync(bad, lines.join('\n'));
    expect(() => checkLog(bad)).toThrow(`${bad}:${i + 1}:data.refcount:`);
  });

  it('should name the envelope field and a broken sequence', () => {
    const path = written('pin-vs-convert', 1);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[5] = (lines[5] as string).replace(/"kind":"[a-z]+"/, '"kind":"gossip"');
    const bad = join(dir, 'bad-kind.ndjson');
    writeFileSync(bad, lines.join('\n'));
    expect(() => readLog(bad)).toThrow(`${bad}:6:kind:`);
    const lines2 = readFileSync(path, 'utf8').split('\n');
    lines2.splice(7, 1);
    const gap = join(dir, 'gap.ndjson');
    writeFileSync(gap, lines2.join('\n'));
    expect(() => readLog(gap)).toThrow(`${gap}:8:seq: expected`);
  });

  it('should reject a corrupt line that is not the last', () => {
    const path = written('pin-vs-convert', 1);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[10] = (lines[10] as string).slice(0, 20);
    const bad = join(dir, 'mid.ndjson');
    writeFileSync(bad, lines.join('\n'));
    expect(() => readLog(bad)).toThrow(LogFormatError);
    expect(() => readLog(bad)).toThrow(`${bad}:11: not a JSON object`);
  });
});
