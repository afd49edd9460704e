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
import type { ActorPort } from '../events/actorPort.js';
import { factPayload } from '../events/facts.js';
import { type SchedData, schedPayload, type SchedType } from '../events/sched.js';
import type { EntryKind, LogEntry, Payload } from '../events/logEntry.js';
import type { Delivered, Message } from '../events/messages.js';
import type { ActorKind, SpawnInputs } from '../model/actors.js';
import type { DeliveryObserver, Owner } from './owner.js';
import { UnacceptedMessage } from './owner.js';
import type { Pending, Strategy } from './scheduler.js';

export type { DeliveryObserver } from './owner.js';

/** Builds the owner of one actor kind (its machines started, not yet sent anything). */
export type ActorFactory<K extends ActorKind> = (id: string, port: ActorPort, input: SpawnInputs[K]) => Owner;

/** A factory per actor kind the run uses. */
export type ActorFactories = { readonly [K in ActorKind]?: ActorFactory<K> };

/** Why a run stopped (`stopReasonSchema` of the `End` entry). */
export type StopReason = SchedData<'End'>['reason'];

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
  readonly kind: ActorKind;
  readonly owner: Owner;
}

/** Options of a {@link World}. */
export interface WorldOptions {
  readonly strategy: Strategy;
  readonly factories: ActorFactories;
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
  spawn<K extends ActorKind>(kind: K, id: string, input: SpawnInputs[K]): void {
    if (this.actors.has(id)) throw new ModelError(`actor ${id} already exists`, this.stepNo);
    const factory: ActorFactory<K> | undefined = this.options.factories[kind];
    if (factory === undefined) throw new ModelError(`no actor kind ${kind}`, this.stepNo);
    const owner = factory(id, this.portFor(id), input);
    owner.watch((error: unknown) => {
      this.failure ??= { error, actor: id };
    });
    this.actors.set(id, { id, kind, owner });
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
    for (const a of this.actors.values()) if (a.owner.waiting()) out.push(a.id);
    return out;
  }

  /** The owner behind actor `id`, for tests and reports. */
  ownerOf(id: string): Owner | undefined {
    return this.actors.get(id)?.owner;
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
    this.appendSched(p.to, 'Deliver', { from: p.from, of: n });
    const target = this.actors.get(p.to);
    if (target === undefined) throw new ModelError(`message ${p.seq} to unknown actor ${p.to}`, this.stepNo);
    try {
      target.owner.deliver(item.event, this.options.observer);
    } catch (error) {
      if (error instanceof UnacceptedMessage) throw new ModelError(`${error.message} at step ${this.stepNo}`, this.stepNo);
      throw error;
    }
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
    this.appendSched('sched', 'End', { reason, steps: this.stepNo, waiting: reason === 'deadlock' ? this.waitingActors() : [] });
    this.entries$.complete();
  }

  private portFor(id: string): ActorPort {
    return {
      id,
      send: (to, msg) => this.enqueue(id, to, msg),
      record: (type, data) => {
        this.append('fact', id, type, factPayload(data));
      },
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

  /** Appends a scheduler entry with its typed payload (`schedSchemas`). */
  private appendSched<T extends SchedType>(actor: string, type: T, data: SchedData<T>): void {
    this.append('sched', actor, type, schedPayload(data));
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
