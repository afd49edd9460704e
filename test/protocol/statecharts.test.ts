/**
 * Owners are real statecharts: every machine exported from src/machines is
 * checked for the rules of docs/architecture.md (no '*' handler, no eventless
 * transition, no parallel state, every non-final state declares the events it
 * accepts), every state is listed in the docs' owner table, and a message a
 * state does not declare is a model error naming owner, machine, state and message.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type AnyStateMachine, createActor, StateMachine } from 'xstate';
import { acceptanceOf } from '../../src/machines/acceptance.js';
import { hwpoisonMachine } from '../../src/machines/hwpoisonMachine.js';
import { machineOwner } from '../../src/runtime/owner.js';
import { RandomStrategy } from '../../src/runtime/scheduler.js';
import { ModelError, World } from '../../src/runtime/world.js';

const ROOT = resolve(import.meta.dirname, '../..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every machine definition exported by a module of src/machines. */
async function machines(): Promise<Map<string, AnyStateMachine>> {
  const out = new Map<string, AnyStateMachine>();
  for (const f of files(join(ROOT, 'src/machines'))) {
    const mod = (await import(pathToFileURL(f).href)) as Record<string, unknown>;
    for (const v of Object.values(mod)) if (v instanceof StateMachine) out.set(v.id, v);
  }
  return out;
}

interface NodeView {
  readonly path: readonly string[];
  readonly type: string;
  readonly states: Readonly<Record<string, NodeView>>;
  readonly always?: readonly unknown[];
  readonly ownEvents: readonly string[];
  readonly config: { readonly on?: Readonly<Record<string, unknown>> };
}

function nodes(n: NodeView): NodeView[] {
  return [n, ...Object.values(n.states).flatMap(nodes)];
}

/** (machine id -> states) the owner table of docs/architecture.md lists. */
function documentedStates(): Map<string, Set<string>> {
  const doc = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
  const table = doc.slice(doc.indexOf('### The owners and their states'));
  const out = new Map<string, Set<string>>();
  let machine = '';
  for (const line of table.split('\n')) {
    if (!line.startsWith('|') || line.startsWith('|---')) continue;
    const cells = line.split('|').map((c) => c.trim());
    const m = /^`(\w+)`/.exec(cells[2] ?? '');
    if (m !== null) machine = m[1]!;
    const states = [...(cells[3] ?? '').matchAll(/`([\w.]+)`/g)].map((x) => x[1]!);
    if (machine === '') continue;
    const set = out.get(machine) ?? new Set<string>();
    for (const s of states) set.add(s);
    out.set(machine, set);
  }
  return out;
}

describe('owners as statecharts', () => {
  it('have no catch-all handler, no eventless transition, no parallel state, and every non-final state accepts events', async () => {
    const all = await machines();
    expect(all.size).toBeGreaterThanOrEqual(25);
    for (const [id, m] of all) {
      const root = m.root as unknown as NodeView;
      for (const n of nodes(root)) {
        const where = `${id} ${n.path.join('.') || '(root)'}`;
        expect(
          Object.keys(n.config.on ?? {}).filter((k) => k === '*' || k.endsWith('.*')),
          where
        ).toEqual([]);
        expect(n.always ?? [], where).toEqual([]);
        expect(n.type, where).not.toBe('parallel');
      }
      for (const [leaf, events] of acceptanceOf(m)) {
        const node = nodes(root).find((n) => n.path.join('.') === leaf);
        if (node?.type === 'final') continue;
        expect(events.size, `${id} ${leaf} accepts no event`).toBeGreaterThan(0);
      }
    }
  });

  it('list every state of every owner machine in docs/architecture.md', async () => {
    const doc = documentedStates();
    for (const [id, m] of await machines()) {
      const listed = doc.get(id);
      expect(listed, `machine ${id} is missing from the owner table of docs/architecture.md`).toBeDefined();
      for (const leaf of acceptanceOf(m).keys()) expect([...listed!], `${id}: state ${leaf} (${relative(ROOT, 'docs/architecture.md')})`).toContain(leaf);
    }
  });

  it('report a message the receiving state does not declare as a model error naming owner, machine, state and message', () => {
    const world = new World({
      strategy: new RandomStrategy(1),
      factories: { hwpoison: (id, port) => machineOwner(id, hwpoisonMachine, createActor(hwpoisonMachine, { input: { port } }).start()) }
    });
    world.entries$.subscribe(() => undefined);
    world.spawn('hwpoison', 'hwpoison', {});
    world.post('t0', 'hwpoison', { type: 'folio.get', why: 'fault', index: 0 });
    expect(() => world.run(10)).toThrow(ModelError);
    const again = new World({
      strategy: new RandomStrategy(1),
      factories: { hwpoison: (id, port) => machineOwner(id, hwpoisonMachine, createActor(hwpoisonMachine, { input: { port } }).start()) }
    });
    again.spawn('hwpoison', 'hwpoison', {});
    again.post('t0', 'hwpoison', { type: 'folio.get', why: 'fault', index: 0 });
    expect(() => again.run(10)).toThrow(/hwpoison: machine hwpoison in state healthy does not accept folio.get \(from t0\)/);
  });
});
