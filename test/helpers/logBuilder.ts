/**
 * Builds logs by hand: a header and facts with consecutive seqs, for checker
 * tests and for `check` on logs no simulator wrote. Hand-built entries reach a
 * monitor only through {@link validated}, the log reader's boundary check, as
 * entries read from a file do (the checkers trust every known payload).
 */
import type { LogEntry, LogHeader, Payload } from '../../src/events/logEntry.js';
import { formatEntry, LOG_FORMAT_VERSION } from '../../src/events/logEntry.js';
import { parseEntry } from '../../src/log/ndjsonReader.js';
import { Monitor } from '../../src/projections/monitor.js';
import type { Violation } from '../../src/projections/violation.js';

/** A header for a hand-built log. */
export function handHeader(mode = 'rfc-inplace-v8', scenarioSpec: unknown = null): LogHeader {
  return { kind: 'header', format: LOG_FORMAT_VERSION, gmemsim: 'hand', mode, variant: null, scenario: 'hand-built', seed: 0, strategy: 'hand', scenarioSpec };
}

/**
 * `entries` as the log reader would hand them on: envelope, consecutive seqs and
 * every known fact or scheduler payload validated against its schema (throws
 * `LogFormatError` naming the entry and field otherwise).
 */
export function validated(entries: readonly LogEntry[]): LogEntry[] {
  let prev = 0;
  return entries.map((e, i) => {
    const v = parseEntry('hand-built log', i + 2, formatEntry(e), prev);
    prev = v.seq;
    return v;
  });
}

/** Accumulates entries with consecutive seqs. */
export class LogBuilder {
  readonly entries: LogEntry[] = [];
  private step = 0;

  /** Starts a new scheduler step. */
  next(): this {
    this.step++;
    return this;
  }

  /** Appends a fact recorded by `actor`. */
  fact(actor: string, type: string, data: Payload): this {
    this.entries.push({ seq: this.entries.length + 1, step: this.step, kind: 'fact', actor, type, cause: null, data });
    return this;
  }

  /** A guest_memfd of `pages` pages, all shared (or private), with one folio per listed index. */
  gmem(pages: number, shared = true): this {
    this.fact('gmem0', 'GmemCreated', { gmem: 'gmem0', pages, flags: shared ? 'INIT_SHARED' : '', folioOrder: 0 });
    return this.fact('gmem0', 'AttrStored', { gmem: 'gmem0', start: 0, end: pages, private: !shared });
  }

  /** An order-0 folio at `index` with its page-cache reference. */
  folio(index: number): this {
    const f = `gmem0/f${index}`;
    this.fact(f, 'FolioAllocated', { folio: f, gmem: 'gmem0', base: index, order: 0 });
    return this.fact(f, 'FolioRef', { folio: f, delta: 1, refcount: 1, why: 'filemap' });
  }

  /** Folds the log through every checker and returns the violations. */
  check(header: LogHeader = handHeader()): readonly Violation[] {
    const m = new Monitor(header);
    for (const e of validated(this.entries)) m.push(e);
    return m.violations;
  }
}
