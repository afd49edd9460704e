/**
 * The VMM process address space (actor `mm`, spec §1.4, O8, O9) as a composite
 * owner, assembled here. Protocol: `src/events/protocol/mm.ts`.
 *
 * | part        | kernel object                                   | file            | states                 |
 * |-------------|-------------------------------------------------|-----------------|------------------------|
 * | `pageTable` | the PTEs of the guest_memfd mapping and their PTLs | `pageTable.ts` | `unlocked` / `locked`  |
 * | `mmuGather` | the zaps in flight (`struct mmu_gather`)          | `mmuGather.ts`  | `idle` / `flushing`    |
 *
 * The page table starts a gather for each zap that cleared PTEs (internal
 * event); the folios' `ack{zap}` go to the gather. The address space has no
 * owner options: nothing in it differs between modes or variants.
 */
import { createActor } from 'xstate';
import type { ActorPort } from '../../events/actorPort.js';
import type { MmInbox } from '../../events/protocol/index.js';
import { eager, lazy, type Part, part, routeBy, siblingOf } from '../composite.js';
import { mmuGatherMachine } from './mmuGather.js';
import { mmPageTableMachine } from './pageTable.js';

/** The address-space owner's parts. */
export type MmPartName = 'pageTable' | 'mmuGather';

/** What the address space is built from: its port and the guest_memfd it maps. */
export type MmInput = { readonly port: ActorPort; readonly gmem: string };

/** Creates and starts the address space's parts (no facts at creation). */
export function mmParts(input: MmInput): readonly Part<MmPartName>[] {
  const { port, gmem } = input;
  // Reached by the page table's actions: started now (an actor must not be created inside another's action).
  const mmuGather = eager(createActor(mmuGatherMachine, { input: { port } }).start());
  const pageTable = lazy(() => createActor(mmPageTableMachine, { input: { port, gmem, gather: siblingOf(mmuGather) } }).start());
  return [part('pageTable', mmPageTableMachine, pageTable), part('mmuGather', mmuGatherMachine, mmuGather)];
}

/** The part owning each message type the address space accepts. */
const MM_ROUTES: { readonly [T in MmInbox['type']]: MmPartName } = {
  'mm.access': 'pageTable',
  'mm.pteInstall': 'pageTable',
  'mm.gupLookup': 'pageTable',
  'mm.pteUnlock': 'pageTable',
  'mm.zap': 'pageTable',
  ack: 'mmuGather'
};

/** The address-space part that owns `msg` (undefined: the address space does not accept it). */
export const routeMm = routeBy(MM_ROUTES);
