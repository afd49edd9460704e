/**
 * INV-12 Only small folios are host-mapped [UPSTREAM+RFC] (spec §4): any folio
 * with a host PTE has order 0 and no HugeTLB status; in rfc-1g-v2, any hugepage
 * range with at least one shared index is split. The second half is checked
 * whenever the guest_memfd's `invalidate_lock` is released and at the end of a
 * run: conversion stores shareability and splits under the lock held for
 * write, so in between the state is not observable by faults.
 */
import type { LogEntry } from '../../events/logEntry.js';
import type { CheckerSpec } from '../checker.js';
import { hex, violation } from '../checker.js';
import type { Violation } from '../violation.js';
import type { WorldView } from '../worldView.js';

function unsplitShared(view: WorldView, e: LogEntry, reported: Set<string>): Violation[] {
  const out: Violation[] = [];
  for (const [id, f] of view.folios) {
    if (f.order === 0 || f.truncated || f.freed || reported.has(id)) continue;
    const a = view.attrs.get(f.gmem);
    if (a === undefined) continue;
    const end = Math.min(f.base + 2 ** f.order, a.size);
    const shared = f.base < end ? a.find(f.base, end, false) : -1;
    if (shared < 0) continue;
    reported.add(id);
    out.push(
      violation(
        'INV-12',
        e,
        `hugepage [${hex(f.base)}, ${hex(end)}) of ${f.gmem} has shared index ${hex(shared)} but folio ${id} (order ${f.order}) is not split`
      )
    );
  }
  return out;
}

/** The INV-12 checker. */
export const inv12: CheckerSpec = {
  id: 'INV-12',
  statement: 'only small folios are host-mapped, and (rfc-1g-v2) every hugepage with a shared index is split',
  modes: ['*'],
  on: ['End', 'HostPteInstalled', 'LockReleased'],
  create: (header) => {
    const reported = new Set<string>();
    const split = header.mode === 'rfc-1g-v2';
    return {
      id: 'INV-12',
      check(view, e) {
        if (e.kind === 'sched') return split && e.type === 'End' ? unsplitShared(view, e, reported) : [];
        if (e.kind !== 'fact') return [];
        if (e.type === 'HostPteInstalled') {
          const folio = e.data['folio'] as string;
          const f = view.folios.get(folio);
          if (f === undefined || (f.order === 0 && f.hugePage === undefined)) return [];
          return [
            violation(
              'INV-12',
              e,
              `host PTE of page ${hex(e.data['index'] as number)} maps folio ${folio} of order ${f.order}${f.hugePage === undefined ? '' : ' with HugeTLB status'}`
            )
          ];
        }
        if (split && e.type === 'LockReleased' && e.data['lock'] === 'invalidate') return unsplitShared(view, e, reported);
        return [];
      }
    };
  }
};
