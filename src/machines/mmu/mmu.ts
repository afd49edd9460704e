/**
 * The KVM secondary MMU (x86 TDP MMU, actor `mmu`, spec §1.8, O10, O12, O13) as
 * a composite owner: one machine per kernel object, assembled here. Protocol:
 * `src/events/protocol/mmu.ts` (and `lock.ts` for `mmu_lock`).
 *
 * | part           | kernel object                                              | file                  | states                              |
 * |----------------|------------------------------------------------------------|-----------------------|-------------------------------------|
 * | `mmuLock`      | `kvm->mmu_lock` (rwlock)                                   | `../rwLockMachine.ts` | `free` / `readHeld` / `writeHeld`   |
 * | `invalidation` | `mmu_invalidate_seq`, `_in_progress`, `_range_start/end`   | `invalidation.ts`     | `idle` / `inProgress`               |
 * | `tlb`          | the remote TLB flush: guest accesses in flight, zaps waiting | `tlb.ts`            | `idle` / `flushing`                 |
 * | `tdp`          | the TDP roots' leaf SPTEs                                  | `tdp.ts`              | `mapping`                           |
 *
 * The TDP part tells the TLB part of each access it forwards and hands it the
 * acknowledgement of a zap that must wait for the flush (internal events); it
 * reads the accesses in flight through the TLB part's accessor. The MMU has
 * no owner options: nothing in it differs between modes or variants.
 */
import { createActor } from 'xstate';
import type { ActorPort } from '../../events/actorPort.js';
import type { MmuInbox } from '../../events/protocol/index.js';
import { eager, lazy, type Part, part, routeBy, siblingOf } from '../composite.js';
import { rwLockMachine } from '../rwLockMachine.js';
import { mmuInvalidationMachine } from './invalidation.js';
import { mmuTdpMachine } from './tdp.js';
import { mmuTlbMachine } from './tlb.js';

/** The MMU owner's parts. */
export type MmuPartName = 'mmuLock' | 'invalidation' | 'tlb' | 'tdp';

/** What the MMU is built from. */
export type MmuInput = { readonly port: ActorPort };

/** Creates and starts the MMU's parts (no facts at creation). */
export function mmuParts(input: MmuInput): readonly Part<MmuPartName>[] {
  const { port } = input;
  const mmuLock = lazy(() => createActor(rwLockMachine, { input: { port, name: 'mmu' } }).start());
  const invalidation = lazy(() => createActor(mmuInvalidationMachine, { input: { port } }).start());
  // Reached by the TDP part's actions: started now (an actor must not be created inside another's action).
  const tlb = eager(createActor(mmuTlbMachine, { input: { port } }).start());
  const tdp = lazy(() => createActor(mmuTdpMachine, { input: { port, tlb: siblingOf(tlb) } }).start());
  return [
    part('mmuLock', rwLockMachine, mmuLock),
    part('invalidation', mmuInvalidationMachine, invalidation),
    part('tlb', mmuTlbMachine, tlb),
    part('tdp', mmuTdpMachine, tdp)
  ];
}

/** The part owning each message type the MMU accepts. */
const MMU_ROUTES: { readonly [T in MmuInbox['type']]: MmuPartName } = {
  'lock.acquire': 'mmuLock',
  'lock.release': 'mmuLock',
  'mmu.invalidate.begin': 'invalidation',
  'mmu.invalidate.rangeAdd': 'invalidation',
  'mmu.invalidate.end': 'invalidation',
  'mmu.waitIdle': 'invalidation',
  'mmu.seq': 'invalidation',
  'mmu.staleCheck': 'invalidation',
  'mmu.zap': 'tdp',
  'mmu.install': 'tdp',
  'mmu.root.load': 'tdp',
  'mmu.access': 'tdp',
  'folio.accessed': 'tlb'
};

/** The MMU part that owns `msg` (undefined: the MMU does not accept it). */
export const routeMmu = routeBy(MMU_ROUTES);
