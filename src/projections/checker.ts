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
import { type AnyFactEntry, type FactEntry, type FactType, factSchemas, isAnyFact, isFact, isKnownFact } from '../events/facts.js';
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

/**
 * Folds every fact (of any type) into `state`: the single `evolve` of an
 * event-sourced projection, for a checker that would rather switch on
 * `e.type` itself (narrowing `e.data`) than declare one handler per type.
 */
export type EvolveHandler<S> = (state: S, e: AnyFactEntry, view: WorldView) => readonly Violation[];

/** The fold part of a checker definition (everything but its statement). */
export interface CheckerFold<S> {
  /** Checker id (`INV-1`, `EXPECT`, ...); a checker may report under another invariant id. */
  readonly id: string;
  /** Modes it applies to (`*` = all); a design made with `defineMode` matches the modes it is built on. */
  readonly modes: readonly string[];
  /** The initial state for a run or log described by `header`. */
  readonly init: (header: LogHeader) => S;
  /** Handlers of the facts it inspects, one per fact type (at least one of `facts`, `evolve`). */
  readonly facts?: FactHandlers<S>;
  /** A fold over every fact, after the per-type handler of that fact (if any). */
  readonly evolve?: EvolveHandler<S>;
  /** Handlers of the scheduler entries it inspects. */
  readonly sched?: SchedHandlers<S>;
}

/**
 * A checker as its author writes it: a typed fold with state `S` and a
 * one-line statement of its invariant, as `statement` or (the same thing)
 * `description`.
 */
export type CheckerDefinition<S> = CheckerFold<S> &
  ({ readonly statement: string; readonly description?: undefined } | { readonly description: string; readonly statement?: undefined });

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
export type DefinedChecker<S> = CheckerSpec & CheckerFold<S> & { readonly facts: FactHandlers<S>; readonly kind: 'checker' };

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

function bindEvolve<S>(state: S, evolve: EvolveHandler<S>, perType: EntryCheck | undefined): EntryCheck {
  return (view, e) => {
    const first = perType === undefined ? NONE : perType(view, e);
    const all = isAnyFact(e) ? evolve(state, e, view) : NONE;
    return first.length === 0 ? all : all.length === 0 ? first : [...first, ...all];
  };
}

const ALL_FACT_TYPES: readonly FactType[] = Object.keys(factSchemas).filter(isKnownFact);

/**
 * Makes a checker spec from its typed definition (the fold `init` + one handler
 * per fact type, the `evolve` of an event-sourced projection split by type,
 * and/or one `evolve` over every fact); `on` is derived from the handler keys.
 * Built-in invariants and user checkers (`gmemsim --plugin FILE`, found by
 * `kind`) are made the same way.
 *
 * @throws Error when the definition has neither `facts` nor `evolve` (nothing to fold).
 */
export function defineChecker<S>(def: CheckerDefinition<S>): DefinedChecker<S> {
  const statement = def.statement ?? def.description;
  const handlers: FactHandlers<S> = def.facts ?? {};
  const sched = def.sched ?? {};
  const evolve = def.evolve;
  if (def.facts === undefined && evolve === undefined)
    throw new Error(`checker ${def.id}: give facts (one handler per fact type) or evolve (one fold over every fact)`);
  const factTypes =
    evolve !== undefined
      ? ALL_FACT_TYPES
      : Object.keys(handlers)
          .filter(isKnownFact)
          .filter((t) => handlers[t] !== undefined);
  const schedTypes = Object.keys(sched).filter(isKnownSched);
  return {
    ...def,
    statement,
    facts: handlers,
    kind: 'checker',
    on: [...factTypes, ...schedTypes.filter((t) => sched[t] !== undefined)],
    create(header) {
      const state = def.init(header);
      const facts = new Map<string, EntryCheck>();
      for (const t of factTypes) {
        const h = bindFact(state, handlers, t);
        const bound = evolve === undefined ? h : bindEvolve(state, evolve, h);
        if (bound !== undefined) facts.set(t, bound);
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
