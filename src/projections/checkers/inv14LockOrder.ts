/**
 * INV-14 Lock order (spec §2, §4): every acquisition respects the observed
 * order `mmap_lock > slots_lock > invalidate_lock > {folio lock, mmu_lock}`,
 * the folio lock and `mmu_lock` are never nested, a lock class is not taken
 * again while held (except folio locks, taken in index order), and the global
 * order graph over lock classes stays acyclic.
 *
 * Per holder (thread or vCPU) it keeps the stack of held locks, from
 * `LockWaiting`/`LockAcquired`/`LockReleased` (locks owned by actors) and
 * `FolioLocked`/`FolioUnlocked` facts.
 */
import type { LogEntry } from '../../events/logEntry.js';
import type { CheckerSpec } from '../checker.js';
import { violation } from '../checker.js';
import type { Violation } from '../violation.js';

/** Rank of each lock class: a lock may only be taken while holding lower-ranked ones. */
export const LOCK_RANK: Readonly<Record<string, number>> = { mmap: 0, slots: 1, srcu: 1, invalidate: 2, folio: 3, mmu: 3 };

const NAME: Readonly<Record<string, string>> = {
  mmap: 'mmap_lock',
  slots: 'slots_lock',
  srcu: 'kvm->srcu',
  invalidate: 'invalidate_lock',
  folio: 'folio lock',
  mmu: 'mmu_lock'
};

interface Held {
  readonly cls: string;
  readonly instance: string;
  readonly step: number;
}

function lockName(cls: string): string {
  return NAME[cls] ?? cls;
}

/** The INV-14 checker. */
export const inv14: CheckerSpec = {
  id: 'INV-14',
  statement: 'locks are taken in the order of spec §2 (slots > invalidate > {folio, mmu}; folio and mmu_lock never nested); the order graph is acyclic',
  modes: ['*'],
  on: ['FolioLocked', 'FolioUnlocked', 'LockAcquired', 'LockReleased', 'LockWaiting'],
  create: () => {
    const held = new Map<string, Held[]>();
    const edges = new Map<string, Set<string>>();
    const attempted = new Set<string>();
    const reaches = (from: string, to: string): boolean => {
      const seen = new Set<string>();
      const stack = [from];
      while (stack.length > 0) {
        const x = stack.pop() as string;
        if (x === to) return true;
        if (seen.has(x)) continue;
        seen.add(x);
        for (const y of edges.get(x) ?? []) stack.push(y);
      }
      return false;
    };
    const attempt = (e: LogEntry, holder: string, cls: string, instance: string): Violation[] => {
      const key = `${holder}|${instance}|${cls}`;
      if (attempted.has(key)) return [];
      attempted.add(key);
      const out: Violation[] = [];
      for (const h of held.get(holder) ?? []) {
        const bad =
          (h.cls === cls && cls !== 'folio') ||
          (h.cls === 'folio' && cls === 'mmu') ||
          (h.cls === 'mmu' && cls === 'folio') ||
          (LOCK_RANK[h.cls] ?? -1) > (LOCK_RANK[cls] ?? Number.POSITIVE_INFINITY);
        if (bad) {
          out.push(
            violation(
              'INV-14',
              e,
              `${holder} takes ${lockName(cls)} (${instance}) at step ${e.step} while holding ${lockName(h.cls)} (${h.instance}) since step ${h.step}, against the order of spec §2`,
              [h.step]
            )
          );
          continue;
        }
        if (h.cls === cls) continue;
        if (!(edges.get(h.cls)?.has(cls) ?? false)) {
          if (reaches(cls, h.cls)) {
            out.push(
              violation(
                'INV-14',
                e,
                `lock order cycle: ${holder} takes ${lockName(cls)} after ${lockName(h.cls)} at step ${e.step}, but ${lockName(h.cls)} was taken after ${lockName(cls)} before`,
                [h.step]
              )
            );
          }
          let s = edges.get(h.cls);
          if (s === undefined) edges.set(h.cls, (s = new Set()));
          s.add(cls);
        }
      }
      return out;
    };
    const take = (holder: string, cls: string, instance: string, step: number): void => {
      attempted.delete(`${holder}|${instance}|${cls}`);
      const list = held.get(holder) ?? [];
      list.push({ cls, instance, step });
      held.set(holder, list);
    };
    const drop = (holder: string, cls: string, instance: string): void => {
      const list = held.get(holder) ?? [];
      const i = list.findIndex((h) => h.cls === cls && h.instance === instance);
      if (i >= 0) list.splice(i, 1);
    };
    return {
      id: 'INV-14',
      check(_view, e) {
        if (e.kind !== 'fact') return [];
        switch (e.type) {
          case 'LockWaiting':
            return attempt(e, e.data['holder'] as string, e.data['lock'] as string, e.actor);
          case 'LockAcquired': {
            const holder = e.data['holder'] as string;
            const cls = e.data['lock'] as string;
            const out = attempt(e, holder, cls, e.actor);
            take(holder, cls, e.actor, e.step);
            return out;
          }
          case 'LockReleased':
            drop(e.data['holder'] as string, e.data['lock'] as string, e.actor);
            return [];
          case 'FolioLocked': {
            const holder = e.data['by'] as string;
            const folio = e.data['folio'] as string;
            const out = attempt(e, holder, 'folio', folio);
            take(holder, 'folio', folio, e.step);
            return out;
          }
          case 'FolioUnlocked':
            drop(e.data['by'] as string, 'folio', e.data['folio'] as string);
            return [];
          default:
            return [];
        }
      }
    };
  }
};
