/**
 * The VM (`struct kvm`, actor `kvm`, spec §1.6-§1.9, §2) as a composite owner:
 * one machine per kernel object, assembled here. Protocol:
 * `src/events/protocol/kvm.ts` (and `lock.ts` for `slots_lock`).
 *
 * | part          | kernel object                                   | file             | states                                   |
 * |---------------|-------------------------------------------------|------------------|------------------------------------------|
 * | `vm`          | `struct kvm` itself: type, refcount, `vm_dead`   | `vm.ts`          | `alive` / `dead`                         |
 * | `attributes`  | `kvm->mem_attr_array`                           | `attributes.ts`  | `stable` / `reserved`                    |
 * | `memslots`    | `kvm->memslots[as_id]` (+ one actor per memslot) | `memslots.ts`    | `valid` / `invalidSlot`                  |
 * | (per memslot) | `struct kvm_memory_slot` + `lpage_info`         | `memslot.ts`     | `active` / `invalid` / `deleted` / `freed` |
 * | `srcu`        | `kvm->srcu`                                     | `srcu.ts`        | `idle` / `reading` / `syncing`           |
 * | `slotsLock`   | `kvm->slots_lock` (mutex: `W` only)             | `../rwLockMachine.ts` | `free` / `writeHeld` (`readHeld` unused) |
 * | `mmuNotifier` | `kvm->mn_active_invalidate_count`               | `mmuNotifier.ts` | `idle` / `active`                        |
 *
 * The parts start in the table's order: `vm` records `VmCreated`, then
 * `memslots` records one `MemslotCreated` per set-up memslot (the log's order
 * since the first model). The memslots read the
 * attribute array through an accessor (`lpage_info`); no part changes another.
 * Options: {@link KvmOptions} (the mode table's `owners.kvm`, patched by a variant).
 */
import { createActor } from 'xstate';
import type { ActorPort } from '../../events/actorPort.js';
import type { KvmInbox } from '../../events/protocol/index.js';
import type { ModelEnv } from '../../model/env.js';
import type { RangeMap } from '../../model/rangeMap.js';
import { memslotsOf, vmTypeOf } from '../../model/vm.js';
import { eager, lazy, type Part, part, routeBy } from '../composite.js';
import { rwLockMachine } from '../rwLockMachine.js';
import { kvmAttributesMachine } from './attributes.js';
import { kvmMemslotsMachine } from './memslots.js';
import { kvmMmuNotifierMachine } from './mmuNotifier.js';
import type { KvmOptions } from './options.js';
import { kvmSrcuMachine } from './srcu.js';
import { kvmVmMachine } from './vm.js';

export type { KvmOptions } from './options.js';

/** The VM owner's parts. */
export type KvmPartName = 'vm' | 'attributes' | 'memslots' | 'srcu' | 'slotsLock' | 'mmuNotifier';

/** What the VM is built from: its port, the run's environment (VM type, set-up memslots) and its options. */
export type KvmInput = { readonly port: ActorPort; readonly env: ModelEnv; readonly options: KvmOptions };

/** Creates the VM's parts (started now, or at their first use) (facts `VmCreated`, then `MemslotCreated` per set-up memslot). */
export function kvmParts(input: KvmInput): readonly Part<KvmPartName>[] {
  const { port, env, options } = input;
  // vm and memslots record their creation facts now, in this order; parts no sibling reaches start at their first message.
  const vm = eager(createActor(kvmVmMachine, { input: { port, options, type: vmTypeOf(env) } }).start());
  // Read by the memslots' actions: started now (an actor must not be created inside another's action).
  const attributes = eager(createActor(kvmAttributesMachine, { input: { port } }).start());
  const attrs = (): RangeMap<boolean> => attributes.get().getSnapshot().context.attrs;
  const memslots = eager(
    createActor(kvmMemslotsMachine, { input: { port, options, attrs, initial: memslotsOf(env), gmemMmap: env.gmemMmap === true } }).start()
  );
  const srcu = lazy(() => createActor(kvmSrcuMachine, { input: { port } }).start());
  const slotsLock = lazy(() => createActor(rwLockMachine, { input: { port, name: 'slots' } }).start());
  const mmuNotifier = lazy(() => createActor(kvmMmuNotifierMachine, { input: { port } }).start());
  return [
    part('vm', kvmVmMachine, vm),
    part('attributes', kvmAttributesMachine, attributes),
    part('memslots', kvmMemslotsMachine, memslots),
    part('srcu', kvmSrcuMachine, srcu),
    part('slotsLock', rwLockMachine, slotsLock),
    part('mmuNotifier', kvmMmuNotifierMachine, mmuNotifier)
  ];
}

/** The part owning each message type the VM accepts. */
const KVM_ROUTES: { readonly [T in KvmInbox['type']]: KvmPartName } = {
  'lock.acquire': 'slotsLock',
  'lock.release': 'slotsLock',
  'kvm.srcu.lock': 'srcu',
  'kvm.srcu.unlock': 'srcu',
  'kvm.srcu.synchronize': 'srcu',
  'kvm.memslot.lookup': 'memslots',
  'kvm.memslot.byId': 'memslots',
  'kvm.memslots.overlapping': 'memslots',
  'kvm.memslot.reserveUid': 'memslots',
  'kvm.memslot.create': 'memslots',
  'kvm.memslot.invalidate': 'memslots',
  'kvm.memslot.remove': 'memslots',
  'kvm.memslot.free': 'memslots',
  'kvm.memslot.clearGmem': 'memslots',
  'kvm.memslot.waitValid': 'memslots',
  'kvm.lpage.update': 'memslots',
  'kvm.lpage.changing': 'memslots',
  'kvm.lpage.level': 'memslots',
  'kvm.attr.read': 'attributes',
  'kvm.attr.uniform': 'attributes',
  'kvm.attr.reserve': 'attributes',
  'kvm.attr.store': 'attributes',
  'kvm.mn.start': 'mmuNotifier',
  'kvm.mn.end': 'mmuNotifier',
  'kvm.mn.wait': 'mmuNotifier',
  'kvm.vm.state': 'vm',
  'kvm.vm.markDead': 'vm',
  'kvm.get': 'vm',
  'kvm.put': 'vm',
  'kvm.gmem.create': 'vm'
};

/** The VM part that owns `msg` (undefined: the VM does not accept it). */
export const routeKvm = routeBy(KVM_ROUTES);
