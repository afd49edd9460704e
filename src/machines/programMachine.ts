/**
 * A thread: the machine of every actor that runs a program of operations (VMM
 * threads, vCPUs, kernel workers). It runs one op at a time as a kernel-path
 * procedure (`src/procedures`); each request the procedure makes is a message
 * to the owner of the state it touches, and the thread blocks until the reply.
 *
 * ```
 *              thread.run                       a reply
 *   idle ─────────────────────► waiting ◄──────────────────┐  (the procedure resumes
 *    │  (program empty)          │  └────────────────────────┘   until its next request)
 *    │                           │ program.finished (raised when the last op returned)
 *    └──────────────────────────►└──────────────────► done (final)
 * ```
 *
 * `waiting` is tagged `waiting`: a quiescent world with a waiting thread is a
 * deadlock. It accepts every reply type of the protocol (the procedure's `call`
 * checks that the reply is the one its request allows). Each op is recorded as
 * `OpStarted` and `OpReturned` (rc, error offset, value). The procedure's
 * state is a live generator kept in the context: runs are reproduced by
 * re-execution, never by restoring snapshots.
 */
import { typeHint } from '../model/typeHint.js';
import { enqueueActions, setup } from 'xstate';
import type { ActorPort } from '../events/actorPort.js';
import type { Message } from '../events/messages.js';
import { ALL_REPLY_TYPES } from '../events/protocol/index.js';
import type { ModelEnv } from '../model/env.js';
import type { OpResult } from '../model/ops.js';
import type { KernelPaths, Proc, ProcContext, ProcFactory, ThreadLocals } from '../procedures/kernel.js';

/** Input of a program machine. */
export interface ProgramInput<TOp extends { readonly op: string }> {
  readonly port: ActorPort;
  readonly env: ModelEnv;
  readonly program: readonly TOp[];
  /** Starts the kernel path of one op (the dispatch over the op kinds of the program). */
  readonly run: ProcFactory<TOp>;
  /** The named kernel paths of the run's protocol design (`ProcContext.kernel`). */
  readonly kernel: KernelPaths;
}

interface ProgramContext<TOp extends { readonly op: string }> {
  readonly port: ActorPort;
  readonly env: ModelEnv;
  readonly program: readonly TOp[];
  readonly run: ProcFactory<TOp>;
  readonly kernel: KernelPaths;
  readonly locals: ThreadLocals;
  /** Index of the op running (or next to run). */
  readonly pc: number;
  /** The running op's procedure, null between ops. */
  readonly proc: Proc<OpResult> | null;
}

/** What a thread receives: the start signal, replies, and its own end-of-program event. */
type ProgramEvent = Message | { readonly type: 'program.finished' };

/** Result of resuming a thread: where it stopped. */
interface Advanced {
  readonly pc: number;
  readonly proc: Proc<OpResult> | null;
  /** False once the program ran to its end. */
  readonly blocked: boolean;
}

/**
 * Resumes the current procedure with `reply` (undefined: start the op), starting
 * the next ops as they finish, until a procedure makes a request (sent through
 * the port) or the program ends.
 */
function advance<TOp extends { readonly op: string }>(ctx: ProgramContext<TOp>, reply: Message | undefined): Advanced {
  let { pc, proc } = ctx;
  let resume = reply;
  const procCtx: ProcContext = {
    self: ctx.port.id,
    env: ctx.env,
    locals: ctx.locals,
    record: (type, data) => ctx.port.record(type, data),
    kernel: ctx.kernel
  };
  for (;;) {
    const op = ctx.program[pc];
    if (op === undefined) return { pc, proc: null, blocked: false };
    if (proc === null) {
      ctx.port.record('OpStarted', { thread: ctx.port.id, op: pc, name: op.op });
      proc = ctx.run(op, procCtx);
      resume = undefined;
    }
    const r = resume === undefined ? proc.next() : proc.next(resume);
    if (r.done === true) {
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
    ctx.port.send(r.value.to, r.value.msg);
    return { pc, proc, blocked: true };
  }
}

/** Builds the machine of a program-running actor (`machineId`: `vmmThread`, `vcpu`, `kworker`). */
export function createProgramMachine<TOp extends { readonly op: string }>(machineId: string) {
  return setup({
    types: {
      context: typeHint<ProgramContext<TOp>>(),
      events: typeHint<ProgramEvent>(),
      input: typeHint<ProgramInput<TOp>>()
    },
    actions: {
      /** Runs the thread until its next request; raises `program.finished` when the program ended. */
      advance: enqueueActions(({ context, event, enqueue }) => {
        const r = advance(context, event.type === 'thread.run' ? undefined : event);
        enqueue.assign({ pc: r.pc, proc: r.proc });
        if (!r.blocked) enqueue.raise({ type: 'program.finished' });
      })
    }
  }).createMachine({
    id: machineId,
    context: ({ input }) => ({
      port: input.port,
      env: input.env,
      program: input.program,
      run: input.run,
      kernel: input.kernel,
      locals: new Map(),
      pc: 0,
      proc: null
    }),
    initial: 'idle',
    states: {
      idle: { on: { 'thread.run': { target: 'waiting', actions: 'advance' } } },
      waiting: {
        tags: ['waiting'],
        on: { ...Object.fromEntries(ALL_REPLY_TYPES.map((t) => [t, { actions: 'advance' }])), 'program.finished': 'done' }
      },
      done: { type: 'final' }
    }
  });
}
