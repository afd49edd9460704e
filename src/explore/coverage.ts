/**
 * Coverage and distinct-state counting, fed by a world {@link DeliveryObserver}.
 *
 * **Transition coverage.** A *defined* triple is (machine id, leaf state path,
 * event descriptor) where the descriptor is a key of the `on` map of the leaf
 * or one of its ancestors (`'*'` and `'x.*'` wildcards are descriptors too),
 * derived from the xstate machine definitions of every machine the explored
 * runs instantiated. A delivery of event `e` to an actor whose state before the
 * delivery has active leaf `L` *covers* the triple (machine, L, d) where `d` is
 * `e` if some descriptor equals it, else the first matching wildcard.
 *
 * **Distinct states.** Each actor has a digest (FNV-1a of its snapshot value and
 * a bounded walk of its context, skipping functions, live generators and the
 * shared `port`/`env`/`run`/`program` fields); the global state hash is the sum,
 * over actors, of a mix of (actor id, digest), updated incrementally on each
 * delivery for the receiver only. Two lanes of 32 bits give a 53-bit state id.
 * This is an approximation: a live procedure generator is represented by the
 * program counter and reply bookkeeping around it, not by its frame.
 */
import type { DeliveryObserver, OwnerPart } from '../runtime/owner.js';

/** Structural view of an xstate state node (only what coverage reads). */
interface NodeView {
  readonly path: readonly string[];
  readonly states: Readonly<Record<string, NodeView>>;
  readonly on: Readonly<Record<string, unknown>>;
}

interface MachineTable {
  readonly id: string;
  /** leaf path -> descriptors handled there (own and ancestors'). */
  readonly leaves: ReadonlyMap<string, readonly string[]>;
}

const tables = new WeakMap<object, MachineTable>();

function tableOf(logic: { readonly id: string; readonly root: NodeView }): MachineTable {
  let t = tables.get(logic);
  if (t !== undefined) return t;
  const leaves = new Map<string, string[]>();
  const walk = (node: NodeView, inherited: readonly string[], depth: number): void => {
    if (depth > 32) return;
    const own = [...inherited, ...Object.keys(node.on).filter((k) => !inherited.includes(k))];
    const children = Object.values(node.states);
    if (children.length === 0) leaves.set(node.path.join('.'), own);
    for (const c of children) walk(c, own, depth + 1);
  };
  walk(logic.root, [], 0);
  t = { id: logic.id, leaves };
  tables.set(logic, t);
  return t;
}

function activeLeaves(value: unknown, prefix: string, out: string[], depth = 0): void {
  if (depth > 32) return;
  if (typeof value === 'string') out.push(prefix === '' ? value : `${prefix}.${value}`);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) activeLeaves(v, prefix === '' ? k : `${prefix}.${k}`, out, depth + 1);
  }
}

function descriptorFor(descriptors: readonly string[], event: string): string | null {
  if (descriptors.includes(event)) return event;
  for (const d of descriptors) if (d.endsWith('.*') && event.startsWith(d.slice(0, -1))) return d;
  return descriptors.includes('*') ? '*' : null;
}

/** Defined triples of a machine, as `machine|state|descriptor` strings. */
export function definedTriples(logic: { readonly id: string; readonly root: NodeView }): string[] {
  const t = tableOf(logic);
  const out: string[] = [];
  for (const [leaf, ds] of t.leaves) for (const d of ds) out.push(`${t.id}|${leaf}|${d}`);
  return out;
}

const FNV_OFFSET = 0x811c9dc5;
const SKIP_KEYS = new Set(['port', 'env', 'run', 'program', 'proc', 'peers', 'options']);

function fnvString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** FNV-1a digest of a value, walking at most `budget.n` nodes. */
function digest(h: number, v: unknown, budget: { n: number }, depth: number): number {
  if (budget.n-- <= 0 || depth > 8) return h;
  switch (typeof v) {
    case 'string':
      return fnvString(h, `s${v}`);
    case 'number':
    case 'boolean':
    case 'undefined':
      return fnvString(h, `${typeof v}${String(v)}`);
    case 'object': {
      if (v === null) return fnvString(h, 'null');
      if (Array.isArray(v)) {
        h = fnvString(h, `[${v.length}`);
        for (const x of v) h = digest(h, x, budget, depth + 1);
        return h;
      }
      if (v instanceof Map) {
        h = fnvString(h, `M${v.size}`);
        for (const [k, x] of v) h = digest(digest(h, k, budget, depth + 1), x, budget, depth + 1);
        return h;
      }
      if (v instanceof Set) {
        h = fnvString(h, `S${v.size}`);
        for (const x of v) h = digest(h, x, budget, depth + 1);
        return h;
      }
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return fnvString(h, 'o');
      for (const [k, x] of Object.entries(v)) {
        if (SKIP_KEYS.has(k) || typeof x === 'function') continue;
        h = digest(fnvString(h, k), x, budget, depth + 1);
      }
      return h;
    }
    default:
      return h;
  }
}

/** Digest budget (nodes walked) per actor snapshot. */
export const DIGEST_NODES_MAX = 512;

function mix(a: number, b: number): number {
  let z = (a ^ Math.imul(b, 0x9e3779b1)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Collects covered triples and visited global-state ids of one or more runs. */
export class CoverageObserver implements DeliveryObserver {
  /** Covered `machine|state|descriptor` triples. */
  readonly covered = new Set<string>();
  /** Defined triples of every machine seen. */
  readonly defined = new Set<string>();
  /** Global-state ids visited (after each delivery). */
  readonly states = new Set<number>();
  private readonly seenLogic = new WeakSet<object>();
  private readonly actorDigest = new Map<string, [number, number]>();
  private lane1 = 0;
  private lane2 = 0;

  /** Forget the per-run state (call between runs; the sets accumulate). */
  reset(): void {
    this.actorDigest.clear();
    this.lane1 = 0;
    this.lane2 = 0;
  }

  delivered(actor: string, part: OwnerPart, eventType: string, before: unknown): void {
    const logic: { readonly id: string; readonly root: NodeView } = part.machine;
    {
      if (!this.seenLogic.has(logic)) {
        this.seenLogic.add(logic);
        for (const t of definedTriples(logic)) this.defined.add(t);
      }
      const table = tableOf(logic);
      const leaves: string[] = [];
      activeLeaves((before as { value?: unknown } | undefined)?.value, '', leaves);
      for (const leaf of leaves) {
        const d = descriptorFor(table.leaves.get(leaf) ?? [], eventType);
        if (d !== null) this.covered.add(`${table.id}|${leaf}|${d}`);
      }
    }
    const after = part.ref.getSnapshot() as { value?: unknown; context?: unknown };
    const h = digest(digest(FNV_OFFSET, after.value, { n: 64 }, 0), after.context, { n: DIGEST_NODES_MAX }, 0);
    const key = part.name === '' ? actor : `${actor}#${part.name}`;
    const id = fnvString(FNV_OFFSET, key);
    const old = this.actorDigest.get(key);
    if (old !== undefined) {
      this.lane1 = (this.lane1 - old[0]) >>> 0;
      this.lane2 = (this.lane2 - old[1]) >>> 0;
    }
    const c: [number, number] = [mix(id, h), mix(h, id ^ 0x5bd1e995)];
    this.actorDigest.set(key, c);
    this.lane1 = (this.lane1 + c[0]) >>> 0;
    this.lane2 = (this.lane2 + c[1]) >>> 0;
    this.states.add(this.lane1 * 0x200000 + (this.lane2 & 0x1fffff));
  }
}

/** Coverage figures of an exploration. */
export interface CoverageSummary {
  /** (machine, state, event) triples covered. */
  readonly transitionsCovered: number;
  /** Triples defined by the machines the runs instantiated. */
  readonly transitionsDefined: number;
  /** Distinct global states visited (by hash). */
  readonly distinctStates: number;
}
