/**
 * Stable names for scheduling choices. A `Deliver` entry names the delivered
 * message by `seq`, which shifts as soon as the workload or an earlier choice
 * changes; a {@link ChoiceKey} names it by (receiver, sender, type) instead,
 * which survives such edits (the shrinker and fallback replay rely on it).
 */
import type { LogEntry } from '../events/logEntry.js';
import type { Pending } from '../runtime/scheduler.js';

/** `receiver<sender:type`, e.g. `gmem0<t0:lock.acquire`. */
export type ChoiceKey = string;

/** The key of a deliverable message. */
export function choiceKey(p: Pending): ChoiceKey {
  return `${p.to}<${p.from}:${p.type}`;
}

/** The channel (`sender>receiver`) of a deliverable message. */
export function channelOf(p: Pending): string {
  return `${p.from}>${p.to}`;
}

/** Receiver of a channel key `sender>receiver`. */
export function receiverOfChannel(channel: string): string {
  return channel.slice(channel.indexOf('>') + 1);
}

/** True for the ids of program-running actors (VMM threads `tN`, vCPUs `vcpuN`). */
export function isProgramActor(id: string): boolean {
  return /^(t|vcpu)\d+$/.test(id);
}

/**
 * The "thread" a delivery advances, as PCT and the context-switch metric see
 * it: the program-running actor among receiver and sender, else the receiver.
 */
export function chainOf(p: Pending): string {
  if (isProgramActor(p.to)) return p.to;
  if (isProgramActor(p.from)) return p.from;
  return p.to;
}

/** The choice keys of a recorded run, from its `Deliver` entries and the messages they name. */
export function choiceKeysOfEntries(entries: Iterable<LogEntry>): ChoiceKey[] {
  const msgs = new Map<number, { from: string; to: string; type: string }>();
  const keys: ChoiceKey[] = [];
  for (const e of entries) {
    if (e.kind === 'msg' && e.to !== undefined) msgs.set(e.seq, { from: e.actor, to: e.to, type: e.type });
    else if (e.kind === 'sched' && e.type === 'Deliver' && e.cause !== null) {
      const m = msgs.get(e.cause);
      if (m !== undefined) keys.push(`${m.to}<${m.from}:${m.type}`);
    }
  }
  return keys;
}

/** Number of context switches in a sequence of delivered chains (consecutive steps on different chains). */
export function contextSwitches(chains: readonly string[]): number {
  let n = 0;
  for (let i = 1; i < chains.length; i++) if (chains[i] !== chains[i - 1]) n++;
  return n;
}
