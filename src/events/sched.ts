/**
 * Scheduler entries (`kind: 'sched'`): the decisions the world records, with
 * zod schemas for the two the checkers read. `Deliver` opens every step (the
 * receiver is the entry's `actor`, its `cause` the delivered message); `End`
 * closes the log. The log reader validates them like facts; other sched types
 * are carried but ignored.
 */
import { z } from 'zod';
import type { EntryEnvelope, EntryShape, Payload, ReadonlyArrays } from './logEntry.js';

const id = z.string().min(1);

/** Why a run stopped (the world's `StopReason`). */
export const stopReasonSchema = z.enum(['quiescent', 'deadlock', 'maxSteps', 'stopped']);

/** Schemas of the scheduler entries, keyed by type. */
export const schedSchemas = {
  /** One delivery: the message came from `from`; `of`: how many channels could deliver at that step. */
  Deliver: z.object({ from: id, of: z.number().int().positive() }),
  /** The end of a run: why, after how many steps, and (deadlock) the actors left blocked on a reply. */
  End: z.object({ reason: stopReasonSchema, steps: z.number().int().nonnegative(), waiting: z.array(id) })
} as const;

/** A scheduler entry type with a schema. */
export type SchedType = keyof typeof schedSchemas;

/** The payload of scheduler entry `T`. */
export type SchedData<T extends SchedType> = ReadonlyArrays<z.infer<(typeof schedSchemas)[T]>>;

/** True if `type` is a scheduler entry type with a schema. */
export function isKnownSched(type: string): type is SchedType {
  return Object.prototype.hasOwnProperty.call(schedSchemas, type);
}

/** A scheduler entry of type `T` with its typed payload (distributes over a union like `FactEntry`). */
export type SchedEntry<T extends SchedType> = T extends SchedType
  ? EntryEnvelope & { readonly kind: 'sched'; readonly type: T; readonly data: SchedData<T> }
  : never;

/**
 * Narrows a log entry to scheduler entry `type` with its typed payload,
 * checking the envelope only. Sound as `isFact` is: the world writes these
 * payloads (`World.step` / `World.end`), and the log reader validates them
 * against `schedSchemas` (`parseEntry` in `src/log/ndjsonReader.ts`).
 */
export function isSched<T extends SchedType>(e: EntryShape, type: T): e is SchedEntry<T> {
  return e.kind === 'sched' && e.type === type;
}

/** The payload of any scheduler entry with a schema. */
type AnySchedData = { [T in SchedType]: SchedData<T> }[SchedType];
/** Compile-time proof that every scheduler payload is a flat log {@link Payload}. */
export type SchedsAreFlat = AnySchedData extends Payload ? true : never;
const schedsAreFlat: SchedsAreFlat = true;

/** A typed scheduler payload as the log's flat payload (sound by {@link SchedsAreFlat}, as `factPayload` is). */
export function schedPayload<T extends SchedType>(data: SchedData<T>): Payload {
  return schedsAreFlat && (data as Payload);
}
