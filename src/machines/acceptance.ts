/**
 * Which events a machine's current state accepts: for each leaf state of a
 * machine definition, the event types declared on it or an ancestor
 * (`StateNode.ownEvents`). The runtime checks every world delivery against it;
 * composite owners check their parts' internal events against it too. An event
 * a state does not declare is a model error, never silently dropped.
 */
import type { AnyStateMachine } from 'xstate';

/** Structural view of an xstate state node (what the acceptance tables read). */
interface NodeView {
  readonly path: readonly string[];
  readonly states: Readonly<Record<string, NodeView>>;
  readonly ownEvents: readonly string[];
}

/** Per machine: leaf state path -> event types accepted there (declared on the leaf or an ancestor). */
export type AcceptanceTable = ReadonlyMap<string, ReadonlySet<string>>;

const tables = new WeakMap<object, AcceptanceTable>();

/** The acceptance table of a machine definition (computed once per machine). */
export function acceptanceOf(machine: AnyStateMachine): AcceptanceTable {
  let t = tables.get(machine);
  if (t !== undefined) return t;
  const out = new Map<string, Set<string>>();
  const walk = (node: NodeView, inherited: ReadonlySet<string>): void => {
    const own = new Set([...inherited, ...node.ownEvents]);
    const children = Object.values(node.states);
    if (children.length === 0) out.set(node.path.join('.'), own);
    for (const c of children) walk(c, own);
  };
  walk(machine.root, new Set());
  t = out;
  tables.set(machine, t);
  return t;
}

/**
 * The active leaf paths of a state value: `'idle'` -> `['idle']`,
 * `{cached: 'locked'}` -> `['cached.locked']`; a parallel state has one leaf per region.
 */
export function activeLeaves(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  const out: string[] = [];
  const walk = (v: unknown, prefix: string, depth: number): void => {
    if (depth > 32) return;
    if (typeof v === 'string') out.push(prefix === '' ? v : `${prefix}.${v}`);
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, prefix === '' ? k : `${prefix}.${k}`, depth + 1);
  };
  walk(value, '', 0);
  // A machine without states is its root: path ''.
  if (out.length === 0) out.push('');
  return out;
}

/** True if a machine in the states `leaves` declares event `type` (in some active region). */
export function accepts(table: AcceptanceTable, leaves: readonly string[], type: string): boolean {
  for (const leaf of leaves) {
    const accepted = table.get(leaf);
    if (accepted !== undefined && accepted.has(type)) return true;
  }
  return false;
}
