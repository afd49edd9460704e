/**
 * Building blocks of composite owners (one machine per kernel object, e.g. the
 * VM's memslots, attribute array, SRCU and `slots_lock`). Machines may not
 * import the runtime, so an assembling file returns its {@link Part}s and a
 * route, and the run wiring (`src/run/actors.ts`) makes them an owner with
 * `compositeOwner`.
 *
 * A part reads a sibling only through {@link Sibling.read} (its context,
 * read-only) and changes it only by {@link Sibling.send}ing it a typed internal
 * event, synchronously, at the point of its action where the change happens
 * (so facts and messages keep their order).
 */
import { type AnyActorRef, type AnyStateMachine, type EventObject, StateMachine } from 'xstate';
import { acceptanceOf, accepts, activeLeaves } from './acceptance.js';

/**
 * One machine of a composite owner: its name (the route's answer), definition
 * and actor. The actor may start lazily, at its first message or the first read
 * of a sibling (a part that records nothing at creation need not cost a start
 * in a run that never uses it); {@link Part.started} says whether it did.
 */
export interface Part<N extends string = string> {
  readonly name: N;
  readonly machine: AnyStateMachine;
  /** The part's actor, started now if it was not. */
  readonly ref: () => AnyActorRef;
  /** True once the actor exists. */
  readonly started: () => boolean;
}

/** An actor created on first use. */
export interface Lazy<A> {
  /** The actor, created (and started) now if it was not. */
  get(): A;
  /** True once created. */
  started(): boolean;
}

/** An actor `create` makes on first use (`create` must start it). */
export function lazy<A>(create: () => A): Lazy<A> {
  let actor: A | null = null;
  return {
    get: () => (actor ??= create()),
    started: () => actor !== null
  };
}

/** An actor started now, as a {@link Lazy} (for parts that record their creation facts in order). */
export function eager<A>(actor: A): Lazy<A> {
  return { get: () => actor, started: () => true };
}

/** The {@link Part} of a lazily or eagerly created actor. */
export function part<N extends string>(name: N, machine: AnyStateMachine, actor: Lazy<AnyActorRef>): Part<N> {
  return { name, machine, ref: () => actor.get(), started: () => actor.started() };
}

/** A sibling part as another part sees it. */
export interface Sibling<Ctx, Ev extends EventObject> {
  /** The sibling's current context (read-only). */
  read(): Ctx;
  /** Delivers internal event `ev` to the sibling now: it is handled before `send` returns. */
  send(ev: Ev): void;
}

/** The started actor behind a sibling (structurally: any xstate actor of a machine with context `Ctx` accepting `Ev`). */
export interface SiblingActor<Ctx, Ev extends EventObject> {
  readonly logic: unknown;
  getSnapshot(): { readonly context: Ctx; readonly value: unknown };
  send(ev: Ev): void;
}

/** Sends internal event `ev` to `actor` after checking that its current state declares it (else a model error naming both). */
function sendChecked<Ctx, Ev extends EventObject>(actor: SiblingActor<Ctx, Ev>, ev: Ev): void {
  const logic = actor.logic;
  if (logic instanceof StateMachine) {
    const leaves = activeLeaves(actor.getSnapshot().value);
    if (!accepts(acceptanceOf(logic), leaves, ev.type)) {
      throw new Error(`machine ${String(logic.id)} in state ${leaves.join(',')} does not accept internal event ${ev.type}`);
    }
  }
  actor.send(ev);
}

/** The {@link Sibling} view of an actor (a lazy one starts at the first read or send). */
export function siblingOf<Ctx, Ev extends EventObject>(ref: SiblingActor<Ctx, Ev> | Lazy<SiblingActor<Ctx, Ev>>): Sibling<Ctx, Ev> {
  if ('getSnapshot' in ref) return { read: () => ref.getSnapshot().context, send: (ev) => sendChecked(ref, ev) };
  return { read: () => ref.get().getSnapshot().context, send: (ev) => sendChecked(ref.get(), ev) };
}

/**
 * A route table as a function: `table` maps every message type an owner accepts
 * to the part that owns it (its type makes the table exhaustive); other types
 * route nowhere (undefined: the owner reports the message as not accepted).
 */
export function routeBy<N extends string>(table: Readonly<Record<string, N>>): (msg: { readonly type: string }) => N | undefined {
  const byType = new Map<string, N>(Object.entries(table));
  return (msg) => byType.get(msg.type);
}
