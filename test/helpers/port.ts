import type { ActorPort } from '../../src/events/actorPort.js';
import { factPayload } from '../../src/events/facts.js';
import type { Payload } from '../../src/events/logEntry.js';
import type { Message } from '../../src/events/messages.js';

/** A port that keeps what an owner driven by hand sends and records (spawns are ignored). */
export function recordingPort(id: string): {
  port: ActorPort;
  sent: { to: string; msg: Message }[];
  recorded: { type: string; data: Payload }[];
} {
  const sent: { to: string; msg: Message }[] = [];
  const recorded: { type: string; data: Payload }[] = [];
  const port: ActorPort = {
    id,
    send: (to, msg) => void sent.push({ to, msg }),
    record: (type, data) => void recorded.push({ type, data: factPayload(data) }),
    spawn: () => undefined
  };
  return { port, sent, recorded };
}
