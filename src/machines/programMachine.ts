/**
 * The machine shared by every actor that runs a program of operations (VMM
 * threads, vCPUs): it runs one op at a time as a kernel-path procedure.
 *
 * ```
 *            thread.run            reply (proc yields a call/await)
 *   idle ───────────────► running ◄──────────────────────────────┐
 *                           │  always: proc waiting              │
 *                           ├──────────────────────► waiting ────┘
 *                           │  always: program finished
 *                           └──────────────────────► done (final)
 * ```
 *
 * `running` is transient: the step that delivers a reply resumes the procedure
 * until its next yield, and the machine settles in `waiting` (tag `waiting`:
 * blocked on a reply; a quiescent world with such an actor is a deadlock) or
 * `done`. Procedure state is a live generator kept in the context: runs are
 * reproduced by re-execution, never by restoring snapshots.
 */
import { assign, setup } from 'xstate';
import type { Message } from '../events/messages.js';
import type { ModelEnv } from '../model/env.js';
import type { OpResult } from '../model/ops.js';
import type { Proc, Resume } from '../procedures/proc.js';
import type { ActorPort } from '../runtime/world.js';

/** Per-thread state that survives across ops (e.g. the pins a thread holds). */
export type ThreadLocals = Map<string, Readonly<Record<string, string | number>>>;

/** Everything a procedure may use besides messaging. */
export interface ProcContext {
  readonly self: string;
  readonly env: ModelEnv;
  readonly locals: ThreadLocals;
  /** Records a fact as this thread. */
  readonly record: ActorPort['record'];
}

/** Starts the procedure of one op. */
export type ProcFactory<TOp> = (op: TOp, ctx: ProcContext) => Proc<OpResult>;

/** Input of a program machine. */
export interface ProgramInput<TOp extends { readonly op: string }> {
  readonly port: ActorPort;
  readonly env: ModelEnv;
  readonly program: readonly TOp[];
  readonly run: ProcFactory<TOp>;
}

interface ProgramContext<TOp extends { readonly op: string }> {
  readonly port: ActorPort;
  readonly env: ModelEnv;
  readonly program: readonly TOp[];
  readonly run: ProcFactory<TOp>;
  readonly locals: ThreadLocals;
  readonly pc: number;
  readonly proc: Proc<OpResult> | null;
  /** Messages still awaited by an `await` yield (0: waiting for one reply). */
  readonly awaiting: number;
  readonly collected: readonly Message[];
  readonly blocked: boolean;
}

type ProgramEvent = Message;

/**
 * Resumes the current procedure with `input`, starting the next ops as they
 * finish, until the procedure yields or the program ends. Sends the yielded
 * request through the port. Returns the context fields that changed.
 */
function advance<TOp extends { readonly op: string }>(ctx: ProgramContext<TOp>, input: Resume | undefined): Partial<ProgramContext<TOp>> {
  let { pc, proc } = ctx;
  let resume = input;
  const procCtx: ProcContext = { self: ctx.port.id, env: ctx.env, locals: ctx.locals, record: (type, data) => ctx.port.record(type, data) };
  for (;;) {
    if (proc === null) {
      const op = ctx.program[pc];
      if (op === undefined) return { pc, proc: null, blocked: false, awaiting: 0, collected: [] };
      ctx.port.record('OpStarted', { thread: ctx.port.id, op: pc, name: op.op });
      proc = ctx.run(op, procCtx);
      resume = undefined;
    }
    const r = resume === undefined ? proc.next(undefined as unknown as Resume) : proc.next(resume);
    if (r.done === true) {
      const op = ctx.program[pc] as TOp;
      ctx.port.record('OpReturned', {
        thread: ctx.port.id,
        op: pc,
        name: op.op,
        rc: r.value.rc,
        errorOffset: r.value.errorOffset ?? null,
        ...(r.value.value === undefined ? {} : { value: r.value.value })
      });
      pc++;
      proc = null;
      continue;
    }
    const y = r.value;
    if (y.kind === 'call') {
      ctx.port.send(y.to, y.msg);
      return { pc, proc, blocked: true, awaiting: 0, collected: [] };
    }
    return { pc, proc, blocked: true, awaiting: y.n, collected: [] };
  }
}

/** Builds the machine of a program-running actor with the given id prefix. */
export function createProgramMachine<TOp extends { readonly op: string }>(machineId: string) {
  return setup({
    types: {
      context: {} as ProgramContext<TOp>,
      events: {} as ProgramEvent,
      input: {} as ProgramInput<TOp>
    },
    actions: {
      start: assign(({ context }) => advance(context, undefined)),
      resume: assign(({ context, event }) => {
        if (context.awaiting === 0) return advance(context, event);
        const collected = [...context.collected, event];
        if (collected.length < context.awaiting) return { collected };
        return advance({ ...context, awaiting: 0, collected: [] }, collected);
      })
    },
    guards: {
      isBlocked: ({ context }) => context.blocked,
      isFinished: ({ context }) => !context.blocked && context.pc >= context.program.length
    }
  }).createMachine({
    id: machineId,
    context: ({ input }) => ({
      port: input.port,
      env: input.env,
      program: input.program,
      run: input.run,
      locals: new Map(),
      pc: 0,
      proc: null,
      awaiting: 0,
      collected: [],
      blocked: false
    }),
    initial: 'idle',
    states: {
      idle: { on: { 'thread.run': { target: 'running', actions: 'start' } } },
      running: {
        always: [
          { guard: 'isBlocked', target: 'waiting' },
          { guard: 'isFinished', target: 'done' }
        ]
      },
      waiting: {
        tags: ['waiting'],
        on: { '*': { target: 'running', actions: 'resume' } }
      },
      done: { type: 'final' }
    }
  });
}
