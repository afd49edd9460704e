/**
 * The checker contract: an invariant checker is a fold over typed entries. It
 * declares a handler per fact type (and per scheduler entry type) it inspects;
 * each handler folds its entry into the checker's state (created per run or log
 * from the header) and returns the violations that entry exposed. The handler
 * also reads the world view, into which the entry was already folded.
 *
 * ```ts
 * export const inv13 = defineChecker({
 *   id: 'INV-13',
 *   statement: 'huge folios are split and merged only while quiescent',
 *   modes: ['*'],
 *   init: () => undefined,
 *   facts: {
 *     FolioSplit: (_s, e, view) => ...,   // e: FactEntry<'FolioSplit'>, e.data.folio: string
 *     FolioMerged: (_s, e, view) => ...
 *   }
 * });
 * ```
 *
 * The entry types the monitor hands a checker (`on`) are the keys of its
 * handlers, so they cannot drift from the code.
 */
import { type FactEntry, type FactType, isFact, isKnownFact } from '../events/facts.js';
import type { LogEntry, LogHeader } from '../events/logEntry.js';
import { isKnownSched, isSched, type SchedEntry, type SchedType } from '../events/sched.js';
import type { Violation } from './violation.js';
import type { WorldView } from './worldView.js';

/**
 * Inspects fact `e` of type `T`: folds it into `state` (mutated in place, an
 * owned accumulator like the world view) and returns the violations it exposed.
 */
export type FactHandler<S, T extends FactType> = (state: S, e: FactEntry<T>, view: WorldView) => readonly Violation[];

/** Inspects scheduler entry `e` of type `T` (see {@link FactHandler}). */
export type SchedHandler<S, T extends SchedType> = (state: S, e: SchedEntry<T>, view: WorldView) => readonly Violation[];

/** Handlers by fact type: each receives its own typed entry. */
export type FactHandlers<S> = { readonly [T in FactType]?: FactHandler<S, T> };

/** Handlers by scheduler entry type (`Deliver`, `End`). */
export type SchedHandlers<S> = { readonly [T in SchedType]?: SchedHandler<S, T> };

/** A checker as its author writes it: a typed fold with state `S`. */
export interface CheckerDefinition<S> {
  /** Checker id (`INV-1`, `EXPECT`, ...); a checker may report under another invariant id. */
  readonly id: string;
  /** One-line statement of the invariant. */
  readonly statement: string;
  /** Modes it applies to (`*` = all). */
  readonly modes: readonly string[];
  /** The initial state for a run or log described by `header`. */
  readonly init: (header: LogHeader) => S;
  /** Handlers of the facts it inspects. */
  readonly facts: FactHandlers<S>;
  /** Handlers of the scheduler entries it inspects. */
  readonly sched?: SchedHandlers<S>;
}

/** A handler bound to its checker's state: inspects one entry (entries of another type: none). */
export type EntryCheck = (view: WorldView, e: LogEntry) => readonly Violation[];

/** A running checker: its handlers bound to the state of one run or log. */
export interface Checker {
  /** Checker id. */
  readonly id: string;
  /** Bound handlers by fact type. */
  readonly facts: ReadonlyMap<string, EntryCheck>;
  /** Bound handlers by scheduler entry type. */
  readonly sched: ReadonlyMap<string, EntryCheck>;
}

/** Static description and factory of a checker. */
export interface CheckerSpec {
  readonly id: string;
  /** One-line statement of the invariant. */
  readonly statement: string;
  /** Modes it applies to (`*` = all). */
  readonly modes: readonly string[];
  /** Entry types it inspects (fact types, then `Deliver`/`End`): the keys of its handlers. */
  readonly on: readonly string[];
  /** Creates the checker for a run or log described by `header`. */
  create(header: LogHeader): Checker;
}

/** A checker spec that keeps its typed definition (so another checker can reuse its handlers). */
export type DefinedChecker<S> = CheckerSpec & CheckerDefinition<S> & { readonly kind: 'checker' };

const NONE: readonly Violation[] = [];

function bindFact<S, T extends FactType>(state: S, handlers: FactHandlers<S>, type: T): EntryCheck | undefined {
  const h = handlers[type];
  if (h === undefined) return undefined;
  return (view, e) => (isFact(e, type) ? h(state, e, view) : NONE);
}

function bindSched<S, T extends SchedType>(state: S, handlers: SchedHandlers<S>, type: T): EntryCheck | undefined {
  const h = handlers[type];
  if (h === undefined) return undefined;
  return (view, e) => (isSched(e, type) ? h(state, e, view) : NONE);
}

/**
 * Makes a checker spec from its typed definition (the fold `init` + one handler
 * per fact type: the `evolve` of an event-sourced projection, split by type);
 * `on` is derived from the handler keys. Built-in invariants and user checkers
 * (`gmemsim --plugin FILE`, found by `kind`) are made the same way.
 */
export function defineChecker<S>(def: CheckerDefinition<S>): DefinedChecker<S> {
  const sched = def.sched ?? {};
  const factTypes = Object.keys(def.facts).filter(isKnownFact);
  const schedTypes = Object.keys(sched).filter(isKnownSched);
  return {
    ...def,
    kind: 'checker',
    on: [...factTypes.filter((t) => def.facts[t] !== undefined), ...schedTypes.filter((t) => sched[t] !== undefined)],
    create(header) {
      const state = def.init(header);
      const facts = new Map<string, EntryCheck>();
      for (const t of factTypes) {
        const h = bindFact(state, def.facts, t);
        if (h !== undefined) facts.set(t, h);
      }
      const scheds = new Map<string, EntryCheck>();
      for (const t of schedTypes) {
        const h = bindSched(state, sched, t);
        if (h !== undefined) scheds.set(t, h);
      }
      return { id: def.id, facts, sched: scheds };
    }
  };
}

/** Builds a violation of invariant `id` for entry `e`; `steps`: other steps involved. */
export function violation(id: string, e: Pick<LogEntry, 'step' | 'seq'>, message: string, steps: readonly number[] = []): Violation {
  const all = [...new Set([...steps, e.step])].sort((a, b) => a - b);
  return { invariant: id, step: e.step, seq: e.seq, message, steps: all };
}

/** Hex index as the spec writes it. */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
