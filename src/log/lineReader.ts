/**
 * Reads a file line by line, synchronously, in fixed-size chunks: a log is never
 * loaded whole. Reports whether the last line ended with a newline, which is how
 * a torn tail (a write cut by a crash) is told from a complete entry.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { LogOpenError } from './logErrors.js';

/** One line of the file. */
export interface Line {
  /** 1-based line number. */
  readonly number: number;
  readonly text: string;
  /** False only for a last line without a trailing newline. */
  readonly terminated: boolean;
}

const CHUNK_BYTES = 1 << 16;

/** Opens `path` for reading; throws {@link LogOpenError} naming the path and the reason. */
function openLog(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? String(e.code) : '';
    throw new LogOpenError(path, code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : e instanceof Error ? e.message : String(e));
  }
  if (fstatSync(fd).isDirectory()) {
    closeSync(fd);
    throw new LogOpenError(path, 'is a directory');
  }
  return fd;
}

/** A synchronous line iterator over a file. */
export class LineReader implements Iterable<Line> {
  constructor(private readonly path: string) {}

  *[Symbol.iterator](): Iterator<Line> {
    const fd = openLog(this.path);
    try {
      const buf = Buffer.allocUnsafe(CHUNK_BYTES);
      let pending: Buffer[] = [];
      let number = 0;
      for (;;) {
        const n = readSync(fd, buf, 0, CHUNK_BYTES, null);
        if (n === 0) break;
        let start = 0;
        for (let i = 0; i < n; i++) {
          if (buf[i] !== 0x0a) continue;
          const piece = buf.subarray(start, i);
          const text = pending.length === 0 ? piece.toString('utf8') : Buffer.concat([...pending, piece]).toString('utf8');
          pending = [];
          start = i + 1;
          yield { number: ++number, text, terminated: true };
        }
        if (start < n) pending.push(Buffer.from(buf.subarray(start, n)));
      }
      if (pending.length > 0) yield { number: ++number, text: Buffer.concat(pending).toString('utf8'), terminated: false };
    } finally {
      closeSync(fd);
    }
  }
}
