/**
 * Dynamic partial-order reduction for small configurations: a stateless
 * depth-first search over schedules with *source sets* and *sleep sets*
 * (Abdulla, Aronis, Jonsson, Sagonas, POPL 2014, "source-DPOR"), with an
 * optional preemption bound; plus plain DFS (every enabled delivery at every
 * step) for comparison.
 *
 * **Processes and events.** The world's processes are its FIFO channels
 * (`sender>receiver`): a channel's head stays deliverable until it is
 * delivered, like the next step of a thread. An event is one delivery.
 *
 * **Dependence** comes from each step's declared read/write set. A delivery
 * reads and writes the state of its receiving actor (rule 2 of the
 * architecture: the receiver owns all state a handler touches; what it sends is
 * only enqueued), so two deliveries are dependent iff they have the same
 * receiver. Finer sets (by page, lock or counter) are *not* derivable soundly
 * from a message here: owners allocate ids (folio names, pin ids) and record
 * facts in delivery order, so two requests on different pages of the inode do
 * not commute. Happens-before is the transitive closure of dependence in trace
 * order and of "sent by" (the delivery that enqueued a message precedes it).
 *
 * **Search.** Each execution re-runs the scenario from scratch (runs are
 * deterministic), following the current DFS stack and then extending it with
 * the first deliverable channel not in the sleep set. After each execution,
 * every race (e, e') -- e the last earlier delivery to e''s receiver, not
 * happens-before e' otherwise -- adds to the backtrack set at e one initial of
 * notdep(e).e' unless one is already there. The child sleep set keeps the
 * sleeping and done channels whose receiver differs from the chosen one.
 * An execution whose every deliverable channel sleeps is *sleep-set blocked*
 * (redundant) and abandoned.
 *
 * Reported: executions (maximal runs), sleep-set blocked runs, pruned branches
 * (deliverable choices never explored), and whether the search completed
 * (no execution budget, maxSteps or preemption bound cut it).
 */
import type { LogEntry } from '../events/logEntry.js';
import type { Violation } from '../projections/violation.js';
import { type ProtocolChoice, protocolOf, runSchedule } from '../run/runner.js';
import type { Pending, Strategy } from '../runtime/scheduler.js';
import { ModelError } from '../runtime/world.js';
import type { Scenario } from '../scenarios/schema.js';
import { chainOf, channelOf, receiverOfChannel } from './choice.js';
import type { DeliveryObserver } from '../runtime/world.js';

/** Options of {@link dpor}. */
export interface DporOptions extends ProtocolChoice {
  readonly scenario: Scenario;
  readonly variant: string | null;
  /** `dpor` (source sets + sleep sets) or `dfs` (every enabled delivery). */
  readonly mode?: 'dpor' | 'dfs';
  /** Maximum executions before giving up (default 100 000). */
  readonly maxExecutions?: number;
  /** Maximum preemptions per execution (context switches away from a still-enabled chain); none if absent. */
  readonly preemptionBound?: number;
  /** Stop at the first violating execution (default true). */
  readonly stopOnViolation?: boolean;
  readonly maxSteps?: number;
  readonly observer?: DeliveryObserver & { reset?(): void };
  /** Called after each execution. */
  readonly onExecution?: (executions: number, steps: number) => void;
}

/** Outcome of a DPOR or DFS search. */
export interface DporResult {
  readonly mode: 'dpor' | 'dfs';
  /** Maximal executions run (not sleep-set blocked). */
  readonly executions: number;
  /** Executions abandoned because every deliverable channel slept. */
  readonly sleepBlocked: number;
  /** Deliverable choices at explored states that were never taken. */
  readonly pruned: number;
  /** True if the whole space (within the preemption bound, if any) was covered. */
  readonly complete: boolean;
  /** Why it is incomplete, if so. */
  readonly incompleteReason: 'executions' | 'maxSteps' | 'violation' | null;
  /** True if the preemption bound excluded some schedule (completeness is then relative to the bound). */
  readonly preemptionBounded: boolean;
  readonly steps: number;
  readonly stepsMin: number;
  readonly stepsMax: number;
  /** The first violation and the channel choices that reach it (as `sender>receiver` per step). */
  readonly found: { readonly violation: Violation; readonly channels: readonly string[]; readonly execution: number } | null;
}

interface Node {
  readonly enabled: readonly string[];
  readonly chains: ReadonlyMap<string, string>;
  chosen: string;
  readonly backtrack: Set<string>;
  readonly done: Set<string>;
  readonly sleep: ReadonlySet<string>;
  /** Preemptions on the path before this node's choice. */
  readonly preemptions: number;
  /** Chain advanced by the previous step ('' at the root). */
  readonly prevChain: string;
}

interface Event {
  readonly channel: string;
  readonly to: string;
  /** Index of the event that enqueued the message, or -1 (set-up). */
  readonly sender: number;
}

class SleepBlocked extends Error {}

/** Default execution budget. */
export const DPOR_EXECUTIONS_MAX = 100_000;

function isPreemption(node: { prevChain: string; chains: ReadonlyMap<string, string> }, channel: string): boolean {
  if (node.prevChain === '') return false;
  const chain = node.chains.get(channel);
  if (chain === node.prevChain) return false;
  for (const c of node.chains.values()) if (c === node.prevChain) return true;
  return false;
}

/** Runs a DPOR (or plain DFS) search. */
export function dpor(opts: DporOptions): DporResult {
  const mode = opts.mode ?? 'dpor';
  const maxExecutions = opts.maxExecutions ?? DPOR_EXECUTIONS_MAX;
  const bound = opts.preemptionBound;
  const stack: Node[] = [];
  let executions = 0;
  let sleepBlocked = 0;
  let pruned = 0;
  let steps = 0;
  let stepsMin = Number.POSITIVE_INFINITY;
  let stepsMax = 0;
  let cutByBound = false;
  let cutBySteps = false;
  for (let run = 0; run < maxExecutions * 4 + 16; run++) {
    const trace: Event[] = [];
    const sentAt = new Map<number, number>();
    const strategy: Strategy = {
      name: mode,
      pick(pending: readonly Pending[], step: number): number {
        const chans = pending.map(channelOf);
        const chains = new Map(pending.map((p) => [channelOf(p), chainOf(p)] as const));
        let node = stack[step];
        if (node === undefined) {
          const parent = stack[step - 1];
          const sleep = new Set<string>();
          if (mode === 'dpor' && parent !== undefined) {
            const r = receiverOfChannel(parent.chosen);
            for (const q of [...parent.sleep, ...parent.done]) if (receiverOfChannel(q) !== r && chans.includes(q)) sleep.add(q);
          }
          const preemptions = parent === undefined ? 0 : parent.preemptions + (isPreemption(parent, parent.chosen) ? 1 : 0);
          const prevChain = parent === undefined ? '' : (parent.chains.get(parent.chosen) ?? '');
          const draft = { prevChain, chains };
          const allowed = chans.filter((c) => !sleep.has(c) && (bound === undefined || preemptions + (isPreemption(draft, c) ? 1 : 0) <= bound));
          if (allowed.length < chans.filter((c) => !sleep.has(c)).length) cutByBound = true;
          const first = allowed.find((c) => !isPreemption(draft, c)) ?? allowed[0];
          if (first === undefined) throw new SleepBlocked();
          node = {
            enabled: chans,
            chains,
            chosen: first,
            backtrack: new Set(mode === 'dfs' ? allowed : [first]),
            done: new Set(),
            sleep,
            preemptions,
            prevChain
          };
          stack.push(node);
        }
        const i = chans.indexOf(node.chosen);
        if (i < 0) throw new ModelError(`dpor: channel ${node.chosen} not deliverable on re-execution at step ${step + 1} (nondeterministic model)`, step + 1);
        const p = pending[i] as Pending;
        trace.push({ channel: node.chosen, to: p.to, sender: sentAt.get(p.seq) ?? -1 });
        return i;
      }
    };
    opts.observer?.reset?.();
    let violation: Violation | null = null;
    try {
      const r = runSchedule({
        scenario: opts.scenario,
        seed: 0,
        variant: opts.variant,
        ...protocolOf(opts),
        strategy,
        ...(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps }),
        ...(opts.observer === undefined ? {} : { observer: opts.observer }),
        sink: {
          header: () => undefined,
          entry: (e: LogEntry) => {
            if (e.kind === 'msg') sentAt.set(e.seq, e.step - 1);
          }
        }
      });
      violation = r.violations[0] ?? null;
      if (r.reason === 'maxSteps') cutBySteps = true;
      executions++;
      steps += r.steps;
      stepsMin = Math.min(stepsMin, r.steps);
      stepsMax = Math.max(stepsMax, r.steps);
      opts.onExecution?.(executions, steps);
    } catch (e) {
      if (!(e instanceof SleepBlocked)) throw e;
      sleepBlocked++;
    }
    // Nodes past the trace (a run stopped early by a violation) are dropped.
    stack.length = Math.min(stack.length, trace.length);
    if (violation !== null && opts.stopOnViolation !== false) {
      return result(mode, executions, sleepBlocked, pruned, false, 'violation', steps, stepsMin, stepsMax, {
        violation,
        channels: trace.map((t) => t.channel),
        execution: executions
      });
    }
    if (mode === 'dpor') addBacktracks(stack, trace);
    // Backtrack: deepest node with an untried, non-sleeping choice.
    let next: string | undefined;
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as Node;
      top.done.add(top.chosen);
      next = [...top.backtrack].find((c) => {
        if (top.done.has(c) || top.sleep.has(c)) return false;
        if (bound === undefined || top.preemptions + (isPreemption(top, c) ? 1 : 0) <= bound) return true;
        cutByBound = true;
        top.done.add(c);
        return false;
      });
      if (next !== undefined) {
        top.chosen = next;
        break;
      }
      pruned += top.enabled.filter((c) => !top.done.has(c)).length;
      stack.pop();
    }
    if (stack.length === 0) {
      const reason = cutBySteps ? 'maxSteps' : null;
      return { ...result(mode, executions, sleepBlocked, pruned, reason === null, reason, steps, stepsMin, stepsMax, null), preemptionBounded: cutByBound };
    }
    if (executions >= maxExecutions) break;
  }
  return result(mode, executions, sleepBlocked, pruned, false, 'executions', steps, stepsMin, stepsMax, null);
}

function result(
  mode: 'dpor' | 'dfs',
  executions: number,
  sleepBlocked: number,
  pruned: number,
  complete: boolean,
  incompleteReason: DporResult['incompleteReason'],
  steps: number,
  stepsMin: number,
  stepsMax: number,
  found: DporResult['found']
): DporResult {
  return {
    mode,
    executions,
    sleepBlocked,
    pruned,
    complete,
    incompleteReason,
    preemptionBounded: false,
    steps,
    stepsMin: executions === 0 ? 0 : stepsMin,
    stepsMax,
    found
  };
}

/** Race detection on a finished trace; adds source-set backtrack points to the stack. */
function addBacktracks(stack: readonly Node[], trace: readonly Event[]): void {
  const n = Math.min(trace.length, stack.length);
  const words = (n + 31) >>> 5;
  const hb: Uint32Array[] = [];
  const lastTo = new Map<string, number>();
  const prevSame: number[] = [];
  const has = (j: number, i: number): boolean => ((hb[j] as Uint32Array)[i >>> 5]! & (1 << (i & 31))) !== 0;
  for (let j = 0; j < n; j++) {
    const e = trace[j] as Event;
    const set = new Uint32Array(words);
    const p = lastTo.get(e.to) ?? -1;
    prevSame.push(p);
    for (const d of [p, e.sender]) {
      if (d < 0 || d >= j) continue;
      const src = hb[d] as Uint32Array;
      for (let w = 0; w < words; w++) set[w] = (set[w] as number) | (src[w] as number);
      set[d >>> 5] = (set[d >>> 5] as number) | (1 << (d & 31));
    }
    hb.push(set);
    lastTo.set(e.to, j);
  }
  for (let j = 0; j < n; j++) {
    const e = trace[j] as Event;
    const i = prevSame[j] as number;
    if (i < 0) continue;
    const ei = trace[i] as Event;
    if (ei.channel === e.channel) continue;
    if (e.sender === i || (e.sender >= 0 && has(e.sender, i))) continue;
    // v = notdep(i).j: events after i not happens-after i, then j.
    const v: number[] = [];
    for (let k = i + 1; k < j; k++) if (!has(k, i)) v.push(k);
    v.push(j);
    const initials: string[] = [];
    for (let a = 0; a < v.length; a++) {
      const x = v[a] as number;
      let initial = true;
      for (let b = 0; b < a && initial; b++) if (has(x, v[b] as number)) initial = false;
      if (initial) initials.push((trace[x] as Event).channel);
    }
    const node = stack[i] as Node;
    if (initials.some((c) => node.backtrack.has(c))) continue;
    const usable = initials.filter((c) => node.enabled.includes(c));
    if (usable.length === 0) {
      for (const c of node.enabled) node.backtrack.add(c);
      continue;
    }
    node.backtrack.add(usable.find((c) => !node.sleep.has(c)) ?? (usable[0] as string));
  }
}
