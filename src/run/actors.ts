/**
 * The actor kinds of the model and how each is created from the run's
 * environment: one owner per kind. The world spawns them by kind name.
 */
import { createActor } from 'xstate';
import type { ActorPort } from '../events/actorPort.js';
import { folioMachine } from '../machines/folioMachine.js';
import { initialBindings } from '../machines/gmem/bindings.js';
import { gmemInode } from '../machines/gmem/inode.js';
import { hwpoisonMachine } from '../machines/hwpoisonMachine.js';
import { kvmParts, routeKvm } from '../machines/kvm/kvm.js';
import { kworkerMachine } from '../machines/kworkerMachine.js';
import { lruMachine } from '../machines/lruMachine.js';
import { mmParts, routeMm } from '../machines/mm/mm.js';
import { mmuParts, routeMmu } from '../machines/mmu/mmu.js';
import { shmemMachine } from '../machines/shmemMachine.js';
import { userSyncMachine } from '../machines/userSyncMachine.js';
import { vcpuMachine } from '../machines/vcpuMachine.js';
import { vmmThreadMachine } from '../machines/vmmThreadMachine.js';
import { runKworkerOp, runVcpuOp, runVmmOp } from '../procedures/dispatch.js';
import type { KernelPaths } from '../procedures/kernel.js';
import type { SpawnInputs } from '../model/actors.js';
import type { ModelEnv } from '../model/env.js';
import type { OwnerOptions } from '../modes/table.js';
import { usesHugetlb } from '../model/hugetlb.js';
import { compositeOwner, machineOwner, type Owner } from '../runtime/owner.js';
import type { ActorFactories } from '../runtime/world.js';

/** The environment of a guest_memfd created at run time (`kvm.gmem.create`): its own size and flags, no set-up binding. */
function gmemEnv(env: ModelEnv, input: SpawnInputs['gmem']): ModelEnv {
  if (input.pages === undefined) return env;
  return { ...env, pages: input.pages, initShared: input.initShared === true, gmemMmap: input.mmap === true, folioOrder: 0, binding: null };
}

/** The guest_memfd inode `id` (a composite owner, `src/machines/gmem/inode.ts`) in the guest_memfd's own `env`. */
function gmemOwner(id: string, port: ActorPort, env: ModelEnv, owners: OwnerOptions): Owner {
  const params = {
    pages: env.pages,
    folioOrder: env.folioOrder,
    mmap: env.gmemMmap === true,
    initShared: env.initShared,
    ...(env.hugePoolPages === undefined ? {} : { hugePoolPages: env.hugePoolPages })
  };
  const inode = gmemInode({ port, params, options: { ...owners.gmem, allocator: usesHugetlb(env) ? 'hugetlb' : 'buddy' }, bindings: initialBindings(env, id) });
  return compositeOwner(id, inode.parts, inode.route);
}

/**
 * Actor factories for a run in `env` with the design's kernel paths and owner
 * options (the run's protocol table, variant applied).
 */
export function actorFactories(env: ModelEnv, table: { readonly paths: KernelPaths; readonly owners: OwnerOptions }): ActorFactories {
  const kernel = table.paths;
  const owners = table.owners;
  const folio = owners.folio;
  return {
    gmem: (id, port: ActorPort, input) => gmemOwner(id, port, gmemEnv(env, input), owners),
    kvm: (id, port) => compositeOwner(id, kvmParts({ port, env, options: owners.kvm }), routeKvm),
    shm: (id, port) => machineOwner(id, shmemMachine, createActor(shmemMachine, { input: { port } }).start()),
    kworker: (id, port, input) =>
      machineOwner(id, kworkerMachine, createActor(kworkerMachine, { input: { port, env, program: input.program, run: runKworkerOp, kernel } }).start()),
    hwpoison: (id, port) => machineOwner(id, hwpoisonMachine, createActor(hwpoisonMachine, { input: { port } }).start()),
    usync: (id, port, input) =>
      machineOwner(
        id,
        userSyncMachine,
        createActor(userSyncMachine, { input: { port, ...(input.signallable === undefined ? {} : { signallable: input.signallable }) } }).start()
      ),
    lru: (id, port) => machineOwner(id, lruMachine, createActor(lruMachine, { input: { port } }).start()),
    mm: (id, port, input) => compositeOwner(id, mmParts({ port, gmem: input.gmem }), routeMm),
    mmu: (id, port) => compositeOwner(id, mmuParts({ port }), routeMmu),
    folio: (id, port, input) =>
      machineOwner(
        id,
        folioMachine,
        createActor(folioMachine, { input: { port, options: folio, gmem: input.gmem, base: input.base, order: input.order, init: input.init } }).start()
      ),
    vmmThread: (id, port, input) =>
      machineOwner(id, vmmThreadMachine, createActor(vmmThreadMachine, { input: { port, env, program: input.program, run: runVmmOp, kernel } }).start()),
    vcpu: (id, port, input) =>
      machineOwner(id, vcpuMachine, createActor(vcpuMachine, { input: { port, env, program: input.program, run: runVcpuOp, kernel } }).start())
  };
}
