/**
 * What an owner may do to the world while it handles one message: send
 * messages (delivered in later steps), record facts, spawn actors. The runtime
 * gives every actor its own port; owners and procedures never see the runtime.
 */
import type { ActorKind, SpawnInputs } from '../model/actors.js';
import type { FactData, FactType } from './facts.js';
import type { Message } from './messages.js';

/** An actor's handle on the world. */
export interface ActorPort {
  /** The actor's own id. */
  readonly id: string;
  /** Enqueues `msg` for `to` (delivered in a later step). */
  send(to: string, msg: Message): void;
  /** Appends fact `type` with its payload (schema: `factSchemas[type]`) to the log. */
  record<T extends FactType>(type: T, data: FactData<T>): void;
  /** Creates a new actor of kind `kind` with id `id`. */
  spawn<K extends ActorKind>(kind: K, id: string, input: SpawnInputs[K]): void;
}
