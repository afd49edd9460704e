/**
 * The world: actors, their mailboxes, and the step loop.
 *
 * Every message between actors goes through a mailbox. Mailboxes are FIFO per
 * (sender, receiver) channel; the scheduler picks which channel's head message
 * is delivered next. One delivery is one atomic step: the receiving xstate actor
 * processes the message to completion, and whatever it sends is only enqueued.
 * Every message, fact and scheduling decision is appended to the log stream
 * {@link World.entries$} (one RxJS Subject for all entries).
 */
import { Subject } from 'rxjs';
import type { AnyActorRef } from 'xstate';
import type { EntryKind, LogEntry, Payload } from '../events/logEntry.js';
import type { Delivered, Message } from '../events/messages.js';
import type { Pending, Strategy } from './scheduler.js';

/** What an actor may do to the world while it handles a message. */
export interface ActorPort {
  /** The actor's own id. */
  readonly id: string;
  /** Enqueue `msg` for `to` (delivered in a later step). */
  send(to: string, msg: Message): void;
  /** Append a fact to the log. */
  record(type: string, data: Payload): void;
  /** Create a new actor of a registered kind. */
  spawn(kind: string, id: string, input: Readonly<Record<string, unknown>>): void;
}

/** Builds the xstate actor of one kind (started, not yet sent anything). */
export type ActorFactory = (id: string, port: ActorPort, input: Readonly<Record<string, unknown>>) => AnyActorRef;

/** Why a run stopped. */
export type StopReason = 'quiescent' | 'deadlock' | 'maxSteps' | 'stopped';

/** An error of the model itself (an actor threw), not a protocol violation. */
export class ModelError extends Error {
  constructor(
    message: string,
    readonly step: number
  ) {
    super(message);
    this.name = 'ModelError';
  }
}

interface QueuedMessage {
  readonly pending: Pending;
  /** The message as the receiver sees it: with `from` filled in. */
  readonly event: Delivered;
}

interface Channel {
  readonly key: string;
  readonly queue: QueuedMessage[];
  head: number;
}

interface ActorRecord {
  readonly id: string;
  readonly kind: string;
  readonly ref: AnyActorRef;
}

/**
 * Optional observer of deliveries (coverage, state hashing): called after the
 * receiver handled the message, with its snapshot from before the delivery.
 */
export interface DeliveryObserver {
  delivered(actor: string, ref: AnyActorRef, eventType: string, before: unknown): void;
}

/** Options of a {@link World}. */
export interface WorldOptions {
  readonly strategy: Strategy;
  readonly factories: Readonly<Record<string, ActorFactory>>;
  /** Sees every delivery (optional; costs one snapshot read per step). */
  readonly observer?: DeliveryObserver;
}

/** The actor system of one run. */
export class World {
  /** Every log entry, in order. Subscribe before {@link World.run}. */
  readonly entries$ = new Subject<LogEntry>();
  private seq = 0;
  private stepNo = 0;
  private cause: number | null = null;
  private readonly actors = new Map<string, ActorRecord>();
  private readonly channels = new Map<string, Channel>();
  private enabled: Channel[] = [];
  private stopRequested = false;
  private failure: { error: unknown; actor: string } | null = null;

  constructor(private readonly options: WorldOptions) {}

  /** Steps delivered so far. */
  get steps(): number {
    return this.stepNo;
  }

  /** Creates an actor of a registered kind. */
  spawn(kind: string, id: string, input: Readonly<Record<string, unknown>>): void {
    if (this.actors.has(id)) throw new ModelError(`actor ${id} already exists`, this.stepNo);
    const factory = this.options.factories[kind];
    if (factory === undefined) throw new ModelError(`no actor kind ${kind}`, this.stepNo);
    const ref = factory(id, this.portFor(id), input);
    ref.subscribe({
      error: (error: unknown) => {
        this.failure ??= { error, actor: id };
      }
    });
    this.actors.set(id, { id, kind, ref });
  }

  /** Sends a message on behalf of `from` (used for set-up messages). */
  post(from: string, to: string, msg: Message): void {
    this.enqueue(from, to, msg);
  }

  /** Requests the loop to stop after the current step (e.g. on a violation). */
  stop(): void {
    this.stopRequested = true;
  }

  /** Ids of actors whose current state is tagged `waiting`. */
  waitingActors(): string[] {
    const out: string[] = [];
    for (const a of this.actors.values()) {
      const snap = a.ref.getSnapshot() as { hasTag?: (t: string) => boolean };
      if (snap.hasTag?.('waiting') === true) out.push(a.id);
    }
    return out;
  }

  /** Snapshot of an actor, for tests and reports. */
  snapshotOf(id: string): unknown {
    return this.actors.get(id)?.ref.getSnapshot();
  }

  /** Ids of every actor. */
  actorIds(): string[] {
    return [...this.actors.keys()];
  }

  /** The messages that could be delivered now, oldest first. */
  pending(): Pending[] {
    return this.enabled.map((c) => (c.queue[c.head] as QueuedMessage).pending);
  }

  /** Delivers one message. Returns false if nothing is deliverable. */
  step(): boolean {
    const n = this.enabled.length;
    if (n === 0) return false;
    const index = this.options.strategy.pick(this.pending(), this.stepNo);
    const channel = this.enabled[index];
    if (channel === undefined) throw new ModelError(`strategy picked ${index} of ${n}`, this.stepNo);
    const item = channel.queue[channel.head] as QueuedMessage;
    channel.head++;
    if (channel.head === channel.queue.length) {
      channel.queue.length = 0;
      channel.head = 0;
      this.enabled.splice(index, 1);
    } else {
      // The channel's new head is younger than its old one: move it to its sorted place.
      this.enabled.splice(index, 1);
      insertSorted(this.enabled, channel);
    }
    this.stepNo++;
    const p = item.pending;
    this.cause = p.seq;
    this.append('sched', p.to, 'Deliver', { from: p.from, of: n });
    const target = this.actors.get(p.to);
    if (target === undefined) throw new ModelError(`message ${p.seq} to unknown actor ${p.to}`, this.stepNo);
    const observer = this.options.observer;
    const before: unknown = observer === undefined ? undefined : target.ref.getSnapshot();
    target.ref.send(item.event);
    observer?.delivered(p.to, target.ref, p.type, before);
    if (this.failure !== null) {
      const f = this.failure;
      const text = f.error instanceof Error ? (f.error.stack ?? f.error.message) : String(f.error);
      throw new ModelError(`actor ${f.actor} failed at step ${this.stepNo}: ${text}`, this.stepNo);
    }
    return true;
  }

  /**
   * Runs until nothing is deliverable, `maxSteps` steps were delivered, or
   * {@link World.stop} was called. A quiescent world with a waiting actor is a deadlock.
   */
  run(maxSteps: number): StopReason {
    while (!this.stopRequested) {
      if (this.stepNo >= maxSteps) return 'maxSteps';
      if (!this.step()) return this.waitingActors().length > 0 ? 'deadlock' : 'quiescent';
    }
    return 'stopped';
  }

  /** Appends the closing `End` entry. */
  end(reason: StopReason): void {
    this.cause = null;
    this.append('sched', 'sched', 'End', { reason, steps: this.stepNo, waiting: reason === 'deadlock' ? this.waitingActors() : [] });
    this.entries$.complete();
  }

  private portFor(id: string): ActorPort {
    return {
      id,
      send: (to, msg) => this.enqueue(id, to, msg),
      record: (type, data) => this.append('fact', id, type, data),
      spawn: (kind, childId, input) => this.spawn(kind, childId, input)
    };
  }

  private enqueue(from: string, to: string, msg: Message): void {
    const { type, ...data } = msg;
    const seq = this.append('msg', from, type, data, to);
    const key = `${from}>${to}`;
    let channel = this.channels.get(key);
    if (channel === undefined) {
      channel = { key, queue: [], head: 0 };
      this.channels.set(key, channel);
    }
    channel.queue.push({ pending: { seq, from, to, type }, event: { ...msg, from } });
    // A newly enabled channel's head is the newest message: it goes last.
    if (channel.queue.length - channel.head === 1) this.enabled.push(channel);
  }

  private append(kind: EntryKind, actor: string, type: string, data: Payload, to?: string): number {
    const seq = ++this.seq;
    const entry: LogEntry =
      to === undefined
        ? { seq, step: this.stepNo, kind, actor, type, cause: this.cause, data }
        : { seq, step: this.stepNo, kind, actor, type, cause: this.cause, to, data };
    this.entries$.next(entry);
    return seq;
  }
}

function headSeq(c: Channel): number {
  return (c.queue[c.head] as QueuedMessage).pending.seq;
}

/** Inserts `c` into `list`, kept sorted by head seq (oldest first). */
function insertSorted(list: Channel[], c: Channel): void {
  const seq = headSeq(c);
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (headSeq(list[mid] as Channel) < seq) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, c);
}
