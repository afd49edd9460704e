/**
 * Appends a log to an NDJSON file: one line per entry, buffered and written in
 * batches, flushed on demand (e.g. on a violation) and at the end. An existing
 * file is never overwritten unless `force` is set.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { formatEntry, formatHeader, type LogEntry, type LogHeader } from '../events/logEntry.js';
import { LogExistsError } from './logErrors.js';

/** Lines buffered before a write. */
export const WRITE_BATCH_LINES = 2048;

/** An open log file. */
export class NdjsonLogWriter {
  private buffer: string[] = [];
  private fd: number | null;

  private constructor(
    readonly path: string,
    fd: number
  ) {
    this.fd = fd;
  }

  /** Creates `path`; fails with {@link LogExistsError} if it exists and `force` is false. */
  static create(path: string, opts: { force?: boolean } = {}): NdjsonLogWriter {
    try {
      return new NdjsonLogWriter(path, openSync(path, opts.force === true ? 'w' : 'wx'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new LogExistsError(path);
      throw e;
    }
  }

  /** Queues the header line. */
  header(h: LogHeader): void {
    this.push(formatHeader(h));
  }

  /** Queues an entry line. */
  entry(e: LogEntry): void {
    this.push(formatEntry(e));
  }

  /** Writes everything queued. */
  flush(): void {
    if (this.buffer.length === 0 || this.fd === null) return;
    writeSync(this.fd, this.buffer.join('\n') + '\n');
    this.buffer = [];
  }

  /** Flushes and closes the file. */
  close(): void {
    this.flush();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private push(line: string): void {
    if (this.fd === null) throw new Error(`${this.path} is closed`);
    this.buffer.push(line);
    if (this.buffer.length >= WRITE_BATCH_LINES) this.flush();
  }
}
