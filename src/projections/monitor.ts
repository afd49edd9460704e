/**
 * The monitor: the world-view fold plus every invariant checker, fed one entry
 * at a time. The same code runs live (subscribed to the world's entry stream)
 * and offline (fed from a log file line by line).
 */
import type { LogEntry, LogHeader } from '../events/logEntry.js';
import type { CheckerSpec, EntryCheck } from './checker.js';
import { deadlockChecker } from './checkers/deadlockChecker.js';
import { expectChecker } from './checkers/expectChecker.js';
import { inv1 } from './checkers/inv1NoPrivateHostMapping.js';
import { inv2 } from './checkers/inv2NoExtraRefsAtCommit.js';
import { inv11 } from './checkers/inv11HugetlbPool.js';
import { inv12 } from './checkers/inv12SmallFoliosMapped.js';
import { inv13 } from './checkers/inv13QuiescentRestructure.js';
import { inv15 } from './checkers/inv15ZeroBeforeExposure.js';
import { guestExpectChecker } from './checkers/guestExpectChecker.js';
import { inv5 } from './checkers/inv5SpteAttrConsistency.js';
import { inv6 } from './checkers/inv6FaultRetry.js';
import { inv9 } from './checkers/inv9StaleSpte.js';
import { inv20 } from './checkers/inv20MemoryFaultExit.js';
import { inv4 } from './checkers/inv4LockDiscipline.js';
import { inv16 } from './checkers/inv16ArchBracketing.js';
import { inv7 } from './checkers/inv7InvalidationBookkeeping.js';
import { inv14 } from './checkers/inv14LockOrder.js';
import { inv14Srcu } from './checkers/inv14Srcu.js';
import { inv17 } from './checkers/inv17PrefaultMode.js';
import { inv18, prefaultExpectChecker } from './checkers/inv18PrefaultProgress.js';
import { livenessChecker } from './checkers/livenessChecker.js';
import { inv4Upstream } from './checkers/inv4VmAttrDiscipline.js';
import { inv8 } from './checkers/inv8HugeMappings.js';
import { inv10 } from './checkers/inv10BindingLifetime.js';
import { inv19 } from './checkers/inv19AttrOnlyByAttrOps.js';
import { inv21 } from './checkers/inv21InvalidationCoverage.js';
import { inv1V1, inv2V1, inv3, storeExact } from './checkers/inv3Faultability.js';
import type { Violation } from './violation.js';
import { evolveWorldView, initialWorldView, type WorldView } from './worldView.js';

/** Every checker, in report order. */
export const CHECKERS: readonly CheckerSpec[] = [
  inv1,
  inv2,
  inv4,
  inv11,
  inv12,
  inv13,
  inv15,
  inv16,
  inv4Upstream,
  inv8,
  inv10,
  inv19,
  inv21,
  inv5,
  inv6,
  inv7,
  inv9,
  inv14,
  inv14Srcu,
  inv17,
  inv18,
  inv20,
  livenessChecker,
  prefaultExpectChecker,
  expectChecker,
  guestExpectChecker,
  deadlockChecker,
  inv3,
  storeExact,
  inv1V1,
  inv2V1
];

/** A monitor over one run or log. */
export class Monitor {
  readonly view: WorldView = initialWorldView();
  readonly violations: Violation[] = [];
  /** Bound checker handlers by fact type, in report order. */
  private readonly byFact = new Map<string, EntryCheck[]>();
  /** Bound checker handlers by scheduler entry type, in report order. */
  private readonly bySched = new Map<string, EntryCheck[]>();

  constructor(header: LogHeader, specs: readonly CheckerSpec[] = CHECKERS) {
    for (const spec of specs) {
      const applies = spec.modes.includes('*') || spec.modes.includes(header.mode) || (header.design !== undefined && spec.modes.includes(header.design));
      if (!applies) continue;
      const checker = spec.create(header);
      add(this.byFact, checker.facts);
      add(this.bySched, checker.sched);
    }
  }

  /** Folds `e` in and runs the checkers that inspect it; returns the violations `e` exposed. */
  push(e: LogEntry): readonly Violation[] {
    evolveWorldView(this.view, e);
    const handlers = e.kind === 'fact' ? this.byFact.get(e.type) : e.kind === 'sched' ? this.bySched.get(e.type) : undefined;
    if (handlers === undefined) return [];
    let found: Violation[] | null = null;
    for (const check of handlers) {
      const v = check(this.view, e);
      if (v.length > 0) (found ??= []).push(...v);
    }
    if (found === null) return [];
    this.violations.push(...found);
    return found;
  }
}

function add(table: Map<string, EntryCheck[]>, handlers: ReadonlyMap<string, EntryCheck>): void {
  for (const [type, check] of handlers) {
    const list = table.get(type);
    if (list === undefined) table.set(type, [check]);
    else list.push(check);
  }
}
