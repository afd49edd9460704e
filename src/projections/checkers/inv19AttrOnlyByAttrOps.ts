/**
 * INV-19 Attributes change only through attribute operations (spec §4): a store
 * of attributes (`VmAttrStored`, `AttrStored` after set-up) happens only while an
 * attribute operation runs (`setMemoryAttributes`, the in-place `convert`, the
 * guest's `mapGpaRange`); fallocate, PUNCH_HOLE, memslot create/delete and file
 * release never change attributes.
 */
import type { CheckerSpec } from '../checker.js';
import { hex, violation } from '../checker.js';

const ATTRIBUTE_OPS: readonly string[] = ['setMemoryAttributes', 'convert', 'mapGpaRange'];

/** The INV-19 checker. */
export const inv19: CheckerSpec = {
  id: 'INV-19',
  statement: 'attributes change only through attribute operations (never fallocate, PUNCH_HOLE, memslot changes or release)',
  // rfc-1g-v1: the VM attribute array is the truth there too (faultability is not an attribute).
  modes: ['upstream-6.8', 'upstream-6.18', 'rfc-1g-v1'],
  on: ['AttrStored', 'GmemCreated', 'OpReturned', 'OpStarted', 'VmAttrStored'],
  create: () => {
    /** thread -> op it runs */
    const running = new Map<string, string>();
    /** gmem -> step it was created (its initial attributes are stored then) */
    const created = new Map<string, number>();
    return {
      id: 'INV-19',
      check(_view, e) {
        if (e.kind !== 'fact') return [];
        if (e.type === 'GmemCreated') created.set(e.data['gmem'] as string, e.step);
        else if (e.type === 'AttrStored' && created.get(e.data['gmem'] as string) === e.step) return [];
        else if (e.type === 'OpStarted') running.set(e.data['thread'] as string, e.data['name'] as string);
        else if (e.type === 'OpReturned') running.delete(e.data['thread'] as string);
        else if ((e.type === 'VmAttrStored' || e.type === 'AttrStored') && e.step > 0) {
          const by = e.data['by'];
          const ops = typeof by === 'string' ? [running.get(by)] : [...running.values()];
          if (ops.some((o) => o !== undefined && ATTRIBUTE_OPS.includes(o))) return [];
          const what = `${hex(e.data['start'] as number)}..${hex(e.data['end'] as number)}`;
          return [
            violation(
              'INV-19',
              e,
              `attributes of ${what} changed at step ${e.step} outside an attribute operation (running: ${ops.filter((o) => o !== undefined).join(', ') || 'none'})`
            )
          ];
        }
        return [];
      }
    };
  }
};
