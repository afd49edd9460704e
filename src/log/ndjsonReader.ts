/**
 * Streams a log file: validates the header and every entry (envelope, sequence,
 * and the schema of every known fact and scheduler entry), and tells a torn tail (the last line cut
 * by a crash, without its newline) from corruption. Errors name file, line and
 * field.
 */
import type { z } from 'zod';
import { factSchemas, isKnownFact } from '../events/facts.js';
import { type LogEntry, type LogHeader, logEntrySchema, logHeaderSchema } from '../events/logEntry.js';
import { isKnownSched, schedSchemas } from '../events/sched.js';
import { LineReader } from './lineReader.js';
import { LogFormatError } from './logErrors.js';

/** A torn last line. */
export interface TornTail {
  readonly line: number;
  readonly bytes: number;
}

/** What reading a whole log gave. */
export interface ReadSummary {
  readonly header: LogHeader;
  readonly entries: number;
  readonly torn: TornTail | null;
}

function fieldOf(issues: readonly z.core.$ZodIssue[], prefix: string): { field: string; message: string } {
  const first = issues[0];
  if (first === undefined) return { field: prefix, message: 'invalid' };
  const path = first.path.map(String).join('.');
  return { field: prefix === '' ? path : path === '' ? prefix : `${prefix}.${path}`, message: first.message };
}

/** Parses and validates the header line. */
export function parseHeader(file: string, text: string, line = 1): LogHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new LogFormatError(file, line, null, 'the header is not JSON');
  }
  const r = logHeaderSchema.safeParse(raw);
  if (!r.success) {
    const { field, message } = fieldOf(r.error.issues, '');
    throw new LogFormatError(file, line, field, message);
  }
  return r.data;
}

/** Parses and validates one entry line; `prevSeq` is the seq of the entry before it. */
export function parseEntry(file: string, line: number, text: string, prevSeq: number): LogEntry {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new LogFormatError(file, line, null, 'not a JSON object');
  }
  const r = logEntrySchema.safeParse(raw);
  if (!r.success) {
    const { field, message } = fieldOf(r.error.issues, '');
    throw new LogFormatError(file, line, field, message);
  }
  const e = r.data as LogEntry;
  if (e.seq !== prevSeq + 1) throw new LogFormatError(file, line, 'seq', `expected ${prevSeq + 1}, found ${e.seq}`);
  if (e.kind === 'fact' && isKnownFact(e.type)) {
    const f = factSchemas[e.type].safeParse(e.data);
    if (!f.success) {
      const { field, message } = fieldOf(f.error.issues, 'data');
      throw new LogFormatError(file, line, field, `${e.type}: ${message}`);
    }
  }
  if (e.kind === 'sched' && isKnownSched(e.type)) {
    const f = schedSchemas[e.type].safeParse(e.data);
    if (!f.success) {
      const { field, message } = fieldOf(f.error.issues, 'data');
      throw new LogFormatError(file, line, field, `${e.type}: ${message}`);
    }
  }
  return e;
}

/** What a reader of a log is told, in order. */
export interface LogHandler {
  header?(h: LogHeader): void;
  entry?(e: LogEntry, line: number): void;
}

/**
 * Reads `file`, calling the handler with the header and then every complete
 * entry in order. A last line without a newline that does not parse is a torn
 * tail (returned, not thrown); anything else malformed throws {@link LogFormatError}.
 */
export function readLog(file: string, handler: LogHandler = {}): ReadSummary {
  let header: LogHeader | null = null;
  let prevSeq = 0;
  let entries = 0;
  let torn: TornTail | null = null;
  for (const l of new LineReader(file)) {
    if (header === null) {
      if (!l.terminated && !isJson(l.text)) {
        throw new LogFormatError(file, l.number, null, 'the log is cut inside its header');
      }
      header = parseHeader(file, l.text, l.number);
      handler.header?.(header);
      continue;
    }
    if (!l.terminated && !isJson(l.text)) {
      torn = { line: l.number, bytes: Buffer.byteLength(l.text) };
      break;
    }
    const e = parseEntry(file, l.number, l.text, prevSeq);
    prevSeq = e.seq;
    entries++;
    handler.entry?.(e, l.number);
  }
  if (header === null) throw new LogFormatError(file, 1, null, 'the log is empty');
  return { header, entries, torn };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
