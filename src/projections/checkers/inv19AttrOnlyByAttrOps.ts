/**
 * INV-19 Attributes change only through attribute operations (spec §4): a store
 * of attributes (`VmAttrStored`, `AttrStored` after set-up) happens only while an
 * attribute operation runs (`setMemoryAttributes`, the in-place `convert`, the
 * guest's `mapGpaRange`); fallocate, PUNCH_HOLE, memslot create/delete and file
 * release never change attributes.
 */
import type { FactEntry } from '../../events/facts.js';
import { defineChecker, hex, violation } from '../checker.js';
import type { Violation } from '../violation.js';

const ATTRIBUTE_OPS: readonly string[] = ['setMemoryAttributes', 'convert', 'mapGpaRange'];

interface State {
  /** thread -> op it runs */
  readonly running: Map<string, string>;
  /** gmem -> step it was created (its initial attributes are stored then) */
  readonly created: Map<string, number>;
}

/** A store of attributes after set-up: only while an attribute operation runs. */
function judge(s: State, e: FactEntry<'AttrStored' | 'VmAttrStored'>): Violation[] {
  if (e.step <= 0) return [];
  const by = e.data.by;
  const ops = by === undefined ? [...s.running.values()] : [s.running.get(by)];
  if (ops.some((o) => o !== undefined && ATTRIBUTE_OPS.includes(o))) return [];
  const what = `${hex(e.data.start)}..${hex(e.data.end)}`;
  return [
    violation(
      'INV-19',
      e,
      `attributes of ${what} changed at step ${e.step} outside an attribute operation (running: ${ops.filter((o) => o !== undefined).join(', ') || 'none'})`
    )
  ];
}

/** The INV-19 checker. */
export const inv19 = defineChecker({
  id: 'INV-19',
  statement: 'attributes change only through attribute operations (never fallocate, PUNCH_HOLE, memslot changes or release)',
  // rfc-1g-v1: the VM attribute array is the truth there too (faultability is not an attribute).
  modes: ['upstream-6.8', 'upstream-6.18', 'rfc-1g-v1'],
  init: (): State => ({ running: new Map(), created: new Map() }),
  facts: {
    GmemCreated: (s, e) => {
      s.created.set(e.data.gmem, e.step);
      return [];
    },
    AttrStored: (s, e) => (s.created.get(e.data.gmem) === e.step ? [] : judge(s, e)),
    OpStarted: (s, e) => {
      s.running.set(e.data.thread, e.data.name);
      return [];
    },
    OpReturned: (s, e) => {
      s.running.delete(e.data.thread);
      return [];
    },
    VmAttrStored: judge
  }
});
