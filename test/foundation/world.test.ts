import { describe, expect, it } from 'vitest';
import { createActor, setup } from 'xstate';
import type { Delivered } from '../../src/events/messages.js';
import type { LogEntry } from '../../src/events/logEntry.js';
import { RandomStrategy } from '../../src/runtime/scheduler.js';
import type { ActorPort } from '../../src/events/actorPort.js';
import { machineOwner } from '../../src/runtime/owner.js';
import { World } from '../../src/runtime/world.js';

/** A toy actor that asks `peer` for something and waits for an answer that never comes. */
const askerMachine = setup({
  types: { context: {} as { port: ActorPort; peer: string }, events: {} as Delivered, input: {} as { port: ActorPort; peer: string } }
}).createMachine({
  context: ({ input }) => input,
  initial: 'idle',
  states: {
    idle: { on: { go: { target: 'waiting', actions: ({ context }) => context.port.send(context.peer, { type: 'hello' }) } } },
    waiting: { tags: ['waiting'], on: { reply: 'idle' } }
  }
});
/** A toy actor that records every message and never answers. */
const sinkMachine = setup({ types: { context: {} as { port: ActorPort }, events: {} as Delivered, input: {} as { port: ActorPort } } }).createMachine({
  context: ({ input }) => input,
  on: { hello: { actions: ({ context, event }) => context.port.record('UserEventSignalled', { event: 'hello', by: event.from }) } }
});

function toyWorld(seed: number): { world: World; log: LogEntry[] } {
  const world = new World({
    strategy: new RandomStrategy(seed),
    // Toy machines registered under two real actor kinds: the world only routes by kind and id.
    factories: {
      vmmThread: (id, port) => machineOwner(id, askerMachine, createActor(askerMachine, { input: { port, peer: 's' } }).start()),
      shm: (id, port) => machineOwner(id, sinkMachine, createActor(sinkMachine, { input: { port } }).start())
    }
  });
  const log: LogEntry[] = [];
  world.entries$.subscribe((e) => log.push(e));
  world.spawn('shm', 's', {});
  world.spawn('vmmThread', 'a1', { program: [] });
  world.spawn('vmmThread', 'a2', { program: [] });
  world.post('world', 'a1', { type: 'go' });
  world.post('world', 'a2', { type: 'go' });
  return { world, log };
}

describe('world', () => {
  it('should report a deadlock when an actor waits and nothing is deliverable', () => {
    const { world, log } = toyWorld(1);
    const reason = world.run(100);
    world.end(reason);
    expect(reason).toBe('deadlock');
    expect(world.waitingActors().sort()).toEqual(['a1', 'a2']);
    const end = log[log.length - 1]!;
    expect(end.type).toBe('End');
    expect(end.data['waiting']).toEqual(['a1', 'a2']);
  });

  it('should deliver each channel in FIFO order and record every choice with its cause', () => {
    const { world, log } = toyWorld(3);
    world.end(world.run(100));
    const delivers = log.filter((e) => e.type === 'Deliver');
    expect(delivers).toHaveLength(4);
    for (const d of delivers) {
      const msg = log.find((e) => e.seq === d.cause);
      expect(msg?.kind).toBe('msg');
      expect(msg?.to).toBe(d.actor);
    }
    // every entry produced while handling a message names it as its cause
    const heard = log.filter((e) => e.type === 'UserEventSignalled');
    for (const h of heard) expect(log.find((e) => e.seq === h.cause)?.type).toBe('hello');
    expect(log.map((e) => e.seq)).toEqual(log.map((_e, i) => i + 1));
  });

  it('should stop at maxSteps', () => {
    const { world } = toyWorld(1);
    expect(world.run(2)).toBe('maxSteps');
    expect(world.steps).toBe(2);
  });
});
