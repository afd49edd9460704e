import { describe, expect, it } from 'vitest';
import { createActor, setup } from 'xstate';
import type { Delivered } from '../../src/events/messages.js';
import type { LogEntry } from '../../src/events/logEntry.js';
import { RandomStrategy } from '../../src/runtime/scheduler.js';
import { type ActorPort, World } from '../../src/runtime/world.js';

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
  on: { '*': { actions: ({ context, event }) => context.port.record('Heard', { from: event.from }) } }
});

function toyWorld(seed: number): { world: World; log: LogEntry[] } {
  const world = new World({
    strategy: new RandomStrategy(seed),
    factories: {
      asker: (_id, port, input) => createActor(askerMachine, { input: { port, peer: input['peer'] as string } }).start(),
      sink: (_id, port) => createActor(sinkMachine, { input: { port } }).start()
    }
  });
  const log: LogEntry[] = [];
  world.entries$.subscribe((e) => log.push(e));
  world.spawn('sink', 's', {});
  world.spawn('asker', 'a1', { peer: 's' });
  world.spawn('asker', 'a2', { peer: 's' });
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
    const heard = log.filter((e) => e.type === 'Heard');
    for (const h of heard) expect(log.find((e) => e.seq === h.cause)?.type).toBe('hello');
    expect(log.map((e) => e.seq)).toEqual(log.map((_e, i) => i + 1));
  });

  it('should stop at maxSteps', () => {
    const { world } = toyWorld(1);
    expect(world.run(2)).toBe('maxSteps');
    expect(world.steps).toBe(2);
  });
});
