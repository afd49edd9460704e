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
import type { AnyActorRef, AnyStateMachine, EventObject } from 'xstate';

/** One machine of a composite owner: its name (the route's answer), definition and started actor. */
export interface Part<N extends string = string> {
  readonly name: N;
  readonly machine: AnyStateMachine;
  readonly ref: AnyActorRef;
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
  getSnapshot(): { readonly context: Ctx };
  send(ev: Ev): void;
}

/** The {@link Sibling} view of a started actor. */
export function siblingOf<Ctx, Ev extends EventObject>(ref: SiblingActor<Ctx, Ev>): Sibling<Ctx, Ev> {
  return { read: () => ref.getSnapshot().context, send: (ev) => ref.send(ev) };
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
