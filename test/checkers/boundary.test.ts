/**
 * The checkers trust the payload of every known fact and scheduler entry
 * (`isFact` / `isSched` check the envelope only). This holds the two sides of
 * that bargain: the entries a run writes match their schemas (facts are typed
 * by the port, sched payloads are written by the world), and the boundary that
 * hands hand-built or file entries to a monitor rejects a payload that does not.
 */
import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../src/events/logEntry.js';
import { LogBuilder, validated } from '../helpers/logBuilder.js';
import { record } from '../helpers/run.js';

describe('typed-entry boundary', () => {
  for (const [scenario, seed] of [
    ['pin-vs-convert', 1],
    ['guest-map-gpa-range', 3],
    ['upstream-lpage-levels', 3]
  ] as const) {
    it(`should validate every entry of a ${scenario} run`, () => {
      const run = record(scenario, seed);
      expect(validated(run.entries)).toHaveLength(run.entries.length);
      expect(run.entries.at(-1)?.type).toBe('End');
    });
  }

  it('should reject a fact or scheduler payload that contradicts its schema, naming the field', () => {
    expect(() => new LogBuilder().fact('gmem0/f0', 'FolioRef', { folio: 'gmem0/f0', delta: 1, refcount: '1', why: 'filemap' }).check()).toThrow(
      'data.refcount: FolioRef'
    );
    const end: LogEntry = { seq: 1, step: 0, kind: 'sched', actor: 'sched', type: 'End', cause: null, data: { reason: 'bored', steps: 0, waiting: [] } };
    expect(() => validated([end])).toThrow('data.reason: End');
  });
});
