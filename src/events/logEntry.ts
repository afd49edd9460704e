/**
 * The log envelope: every line of a gmemsim log is one {@link LogLine}.
 *
 * Line 1 is a {@link LogHeader}; every later line is a {@link LogEntry}:
 * - `msg`   a message one actor sent another (`to` names the receiver);
 * - `fact`  a state change an actor recorded (past-tense `type`);
 * - `sched` a decision of the scheduler (`Deliver`, `End`).
 *
 * Payloads are flat: scalar values, or arrays of scalars.
 */
import { z } from 'zod';

/** A payload value: flat JSON only. */
export type Scalar = string | number | boolean | null;
/** A payload field value. */
export type Value = Scalar | readonly Scalar[];
/** A flat payload. */
export type Payload = Readonly<Record<string, Value>>;

/** The format version written in every header. Bumped on incompatible changes. */
export const LOG_FORMAT_VERSION = 1;

/** Which of the three entry families a line belongs to. */
export type EntryKind = 'msg' | 'fact' | 'sched';

/** One entry of the append-only log. */
export interface LogEntry {
  /** Position in the log, from 1, without gaps. */
  readonly seq: number;
  /** Scheduler step that produced the entry (0 = set-up before the first delivery). */
  readonly step: number;
  readonly kind: EntryKind;
  /** For `msg` and `fact`: the actor that sent or recorded it; for `sched`: the receiver. */
  readonly actor: string;
  readonly type: string;
  /** `seq` of the message being handled when the entry was produced (null during set-up). */
  readonly cause: number | null;
  /** Receiver, for `msg` entries only. */
  readonly to?: string;
  readonly data: Payload;
}

/** The fields every entry has besides its family, type and payload (the envelope of a typed entry). */
export type EntryEnvelope = Omit<LogEntry, 'kind' | 'type' | 'data'>;

/**
 * The shape a typed-entry guard accepts: any {@link LogEntry}, and any typed
 * entry (whose payload TypeScript cannot prove flat for a generic type).
 */
export type EntryShape = EntryEnvelope & { readonly kind: EntryKind; readonly type: string; readonly data: unknown };

/** Arrays of a payload as the log holds them: read-only. */
export type ReadonlyArrays<D> = { readonly [K in keyof D]: D[K] extends (infer E)[] ? readonly E[] : D[K] };

/** First line of every log. */
export interface LogHeader {
  readonly kind: 'header';
  readonly format: number;
  readonly gmemsim: string;
  readonly mode: string;
  readonly variant: string | null;
  readonly scenario: string;
  readonly seed: number;
  readonly strategy: string;
  /** The full scenario definition, so a log is self-contained. */
  readonly scenarioSpec: unknown;
  /** The design run, when it is not `mode` itself (a plugin's design built on `mode`). */
  readonly design?: string;
  /** The plugins the run used (file as given, SHA-256 of its content): replay and check need the same ones. */
  readonly plugins?: readonly { readonly file: string; readonly sha256: string }[];
}

/** Any line of a log. */
export type LogLine = LogHeader | LogEntry;

const scalarSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const valueSchema = z.union([scalarSchema, z.array(scalarSchema)]);

/** zod schema of a {@link LogEntry}. */
export const logEntrySchema = z
  .object({
    seq: z.number().int().positive(),
    step: z.number().int().nonnegative(),
    kind: z.enum(['msg', 'fact', 'sched']),
    actor: z.string().min(1),
    type: z.string().min(1),
    cause: z.number().int().positive().nullable(),
    to: z.string().min(1).optional(),
    data: z.record(z.string(), valueSchema)
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.kind === 'msg' && e.to === undefined) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'a msg entry needs a receiver' });
    }
  });

/** zod schema of a {@link LogHeader}. */
export const logHeaderSchema = z
  .object({
    kind: z.literal('header'),
    format: z.literal(LOG_FORMAT_VERSION),
    gmemsim: z.string(),
    mode: z.string(),
    variant: z.string().nullable(),
    scenario: z.string(),
    seed: z.number().int().nonnegative(),
    strategy: z.string(),
    scenarioSpec: z.unknown(),
    design: z.string().min(1).exactOptional(),
    plugins: z
      .array(
        z
          .object({
            file: z.string().min(1),
            sha256: z.string().regex(/^[0-9a-f]{64}$/)
          })
          .strict()
      )
      .exactOptional()
  })
  .strict();

/**
 * Serialises an entry with a fixed key order, so equal entries give equal bytes.
 */
export function formatEntry(e: LogEntry): string {
  const head = `{"seq":${e.seq},"step":${e.step},"kind":"${e.kind}","actor":${JSON.stringify(e.actor)},"type":${JSON.stringify(e.type)},"cause":${e.cause === null ? 'null' : e.cause}`;
  const to = e.to === undefined ? '' : `,"to":${JSON.stringify(e.to)}`;
  return `${head}${to},"data":${JSON.stringify(e.data)}}`;
}

/** Serialises a header with a fixed key order. */
export function formatHeader(h: LogHeader): string {
  return JSON.stringify({
    kind: 'header',
    format: h.format,
    gmemsim: h.gmemsim,
    mode: h.mode,
    variant: h.variant,
    scenario: h.scenario,
    seed: h.seed,
    strategy: h.strategy,
    scenarioSpec: h.scenarioSpec,
    ...(h.design === undefined ? {} : { design: h.design }),
    ...(h.plugins === undefined || h.plugins.length === 0 ? {} : { plugins: h.plugins.map((p) => ({ file: p.file, sha256: p.sha256 })) })
  });
}
