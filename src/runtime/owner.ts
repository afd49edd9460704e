/**
 * Owners as the world sees them. An owner is the actor behind one world
 * address (`gmem0`, `mmu`, `gmem0/f3`, ...): either one xstate machine, or a
 * composite of several machines, one per kernel object the address stands for
 * (the guest_memfd inode's page cache, attributes, bindings and
 * `invalidate_lock`; the VM's memslots, attributes and SRCU). A composite routes
 * each message to the part that owns it, by message type.
 *
 * Delivery checks that the receiving machine's current state declares the
 * message: a message a state does not accept is a model error naming the
 * owner, the machine, its state and the message ({@link UnacceptedMessage}).
 */
import type { AnyActorRef, AnyStateMachine } from 'xstate';
import type { Delivered } from '../events/messages.js';
import { accepts, acceptanceOf, activeLeaves } from '../machines/acceptance.js';

export { acceptanceOf, activeLeaves, type AcceptanceTable } from '../machines/acceptance.js';

/** A message the receiving state does not declare: a bug of the model, not a protocol violation. */
export class UnacceptedMessage extends Error {
  constructor(
    readonly owner: string,
    readonly machine: string,
    readonly state: string,
    readonly messageType: string,
    readonly from: string
  ) {
    super(`${owner}: machine ${machine} in state ${state} does not accept ${messageType} (from ${from})`);
    this.name = 'UnacceptedMessage';
  }
}

/** One machine of an owner. */
export interface OwnerPart {
  /** Part name (`''` for a single-machine owner). */
  readonly name: string;
  readonly machine: AnyStateMachine;
  readonly ref: AnyActorRef;
}

/** Sees every delivery (coverage, state hashing). */
export interface DeliveryObserver {
  /**
   * Called after `part` of owner `actor` handled a message of type `eventType`;
   * `before` is the part's snapshot from before the delivery.
   */
  delivered(actor: string, part: OwnerPart, eventType: string, before: unknown): void;
}

/** The actor behind one world address. */
export interface Owner {
  /** Delivers `msg` to the machine that owns it. Throws {@link UnacceptedMessage} if its state does not declare it. */
  deliver(msg: Delivered, observer: DeliveryObserver | undefined): void;
  /** True if the owner is blocked waiting for a reply (a state tagged `waiting`). */
  waiting(): boolean;
  /** The owner's machines started so far (a composite owner starts some parts at their first use). */
  parts(): readonly OwnerPart[];
  /** Calls `onError` with any error a machine of the owner raises (those started later included). */
  watch(onError: (error: unknown) => void): void;
}

/** A part as a composite owner receives it: its actor may start lazily. */
export interface PartSpec {
  readonly name: string;
  readonly machine: AnyStateMachine;
  /** The part's actor, started now if it was not. */
  readonly ref: () => AnyActorRef;
  /** True once the actor exists. */
  readonly started: () => boolean;
}

function stateOf(ref: AnyActorRef): { value: unknown; hasTag(tag: string): boolean } {
  return ref.getSnapshot() as { value: unknown; hasTag(tag: string): boolean };
}

function deliverTo(actor: string, part: OwnerPart, msg: Delivered, observer: DeliveryObserver | undefined): void {
  const before = stateOf(part.ref);
  const leaves = activeLeaves(before.value);
  if (!accepts(acceptanceOf(part.machine), leaves, msg.type)) throw new UnacceptedMessage(actor, part.machine.id, leaves.join(','), msg.type, msg.from);
  part.ref.send(msg);
  observer?.delivered(actor, part, msg.type, before);
}

/** An owner that is one started xstate actor of `machine`. */
export function machineOwner(actor: string, machine: AnyStateMachine, ref: AnyActorRef): Owner {
  const part: OwnerPart = { name: '', machine, ref };
  const parts = [part];
  return {
    parts: () => parts,
    deliver: (msg, observer) => deliverTo(actor, part, msg, observer),
    waiting: () => stateOf(ref).hasTag('waiting'),
    watch: (onError) => {
      ref.subscribe({ error: onError });
    }
  };
}

/**
 * An owner made of several machines; `route` names the part that owns each
 * message (undefined: no part does, a model error). A part whose actor has
 * not started yet starts at its first message (or when a sibling first reads
 * it); until then it is not waiting and has no state to observe.
 */
export function compositeOwner(actor: string, specs: readonly PartSpec[], route: (msg: Delivered) => string | undefined): Owner {
  const byName = new Map(specs.map((p) => [p.name, p]));
  const started: OwnerPart[] = [];
  const known = new Set<string>();
  let onError: ((error: unknown) => void) | null = null;
  /** Takes note of the parts started since the last look (their errors are watched from then on). */
  const refresh = (): void => {
    if (known.size === specs.length) return;
    for (const spec of specs) {
      if (known.has(spec.name) || !spec.started()) continue;
      known.add(spec.name);
      const ref = spec.ref();
      started.push({ name: spec.name, machine: spec.machine, ref });
      if (onError !== null) ref.subscribe({ error: onError });
    }
  };
  return {
    parts: () => {
      refresh();
      return started;
    },
    deliver: (msg, observer) => {
      const name = route(msg);
      const spec = name === undefined ? undefined : byName.get(name);
      if (spec === undefined) throw new UnacceptedMessage(actor, actor, '(no part)', msg.type, msg.from);
      deliverTo(actor, { name: spec.name, machine: spec.machine, ref: spec.ref() }, msg, observer);
      refresh();
    },
    waiting: () => {
      refresh();
      return started.some((p) => stateOf(p.ref).hasTag('waiting'));
    },
    watch: (handler) => {
      onError = handler;
      for (const p of started) p.ref.subscribe({ error: handler });
      refresh();
    }
  };
}
