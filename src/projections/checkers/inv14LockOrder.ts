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
import { defineChecker, violation } from '../checker.js';
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

interface State {
  /** holder -> the locks it holds, in acquisition order */
  readonly held: Map<string, Held[]>;
  /** lock class -> the classes taken while holding it (the observed order graph) */
  readonly edges: Map<string, Set<string>>;
  /** `holder|instance|class` attempts already judged (a waiting attempt is judged once) */
  readonly attempted: Set<string>;
}

/** True if lock class `to` is reachable from `from` in the order graph. */
function reaches(s: State, from: string, to: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  for (let x = stack.pop(); x !== undefined; x = stack.pop()) {
    if (x === to) return true;
    if (seen.has(x)) continue;
    seen.add(x);
    for (const y of s.edges.get(x) ?? []) stack.push(y);
  }
  return false;
}

/** `holder` attempts lock `cls` (`instance`): judged against the locks it holds; records the order edges. */
function attempt(s: State, e: Pick<LogEntry, 'step' | 'seq'>, holder: string, cls: string, instance: string): Violation[] {
  const key = `${holder}|${instance}|${cls}`;
  if (s.attempted.has(key)) return [];
  s.attempted.add(key);
  const out: Violation[] = [];
  for (const h of s.held.get(holder) ?? []) {
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
    if (!(s.edges.get(h.cls)?.has(cls) ?? false)) {
      if (reaches(s, cls, h.cls)) {
        out.push(
          violation(
            'INV-14',
            e,
            `lock order cycle: ${holder} takes ${lockName(cls)} after ${lockName(h.cls)} at step ${e.step}, but ${lockName(h.cls)} was taken after ${lockName(cls)} before`,
            [h.step]
          )
        );
      }
      let to = s.edges.get(h.cls);
      if (to === undefined) s.edges.set(h.cls, (to = new Set()));
      to.add(cls);
    }
  }
  return out;
}

/** `holder` now holds lock `cls` (`instance`). */
function take(s: State, holder: string, cls: string, instance: string, step: number): void {
  s.attempted.delete(`${holder}|${instance}|${cls}`);
  const list = s.held.get(holder) ?? [];
  list.push({ cls, instance, step });
  s.held.set(holder, list);
}

/** `holder` released lock `cls` (`instance`). */
function drop(s: State, holder: string, cls: string, instance: string): [] {
  const list = s.held.get(holder) ?? [];
  const i = list.findIndex((h) => h.cls === cls && h.instance === instance);
  if (i >= 0) list.splice(i, 1);
  return [];
}

/** The INV-14 checker. */
export const inv14 = defineChecker({
  id: 'INV-14',
  statement: 'locks are taken in the order of spec §2 (slots > invalidate > {folio, mmu}; folio and mmu_lock never nested); the order graph is acyclic',
  modes: ['*'],
  init: (): State => ({ held: new Map(), edges: new Map(), attempted: new Set() }),
  facts: {
    LockWaiting: (s, e) => attempt(s, e, e.data.holder, e.data.lock, e.actor),
    LockAcquired: (s, e) => {
      const { holder, lock } = e.data;
      const out = attempt(s, e, holder, lock, e.actor);
      take(s, holder, lock, e.actor, e.step);
      return out;
    },
    LockReleased: (s, e) => drop(s, e.data.holder, e.data.lock, e.actor),
    FolioLocked: (s, e) => {
      const { by, folio } = e.data;
      const out = attempt(s, e, by, 'folio', folio);
      take(s, by, 'folio', folio, e.step);
      return out;
    },
    FolioUnlocked: (s, e) => drop(s, e.data.by, 'folio', e.data.folio)
  }
});
