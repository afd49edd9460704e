/**
 * The actor kinds of the model and how each is created from the run's
 * environment: one owner per kind. The world spawns them by kind name.
 */
import { createActor } from 'xstate';
import type { ActorPort } from '../events/actorPort.js';
import { type FolioOptions, folioMachine } from '../machines/folioMachine.js';
import { initialBindings } from '../machines/gmem/bindings.js';
import { gmemInode } from '../machines/gmem/inode.js';
import type { GmemOptions } from '../machines/gmem/parts.js';
import { hwpoisonMachine } from '../machines/hwpoisonMachine.js';
import { type KvmOptions, kvmParts, routeKvm } from '../machines/kvm/kvm.js';
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
import { hasVariant, type ModelEnv } from '../model/env.js';
import { usesHugetlb } from '../model/hugetlb.js';
import { compositeOwner, machineOwner, type Owner } from '../runtime/owner.js';
import type { ActorFactories } from '../runtime/world.js';

/** The environment of a guest_memfd created at run time (`kvm.gmem.create`): its own size and flags, no set-up binding. */
function gmemEnv(env: ModelEnv, input: SpawnInputs['gmem']): ModelEnv {
  if (input.pages === undefined) return env;
  return { ...env, pages: input.pages, initShared: input.initShared === true, gmemMmap: input.mmap === true, folioOrder: 0, binding: null };
}

/**
 * The folio owner's options in `env`: variant B17 defers a HugeTLB folio's
 * return to the subpool to a kernel worker; otherwise `free_folio` returns it
 * synchronously.
 */
export function folioOptions(env: ModelEnv): FolioOptions {
  return { freeHugetlbFolio: hasVariant(env, 'B17') ? 'deferred-worker' : 'sync' };
}

/**
 * The VM owner's options for `env` (see {@link KvmOptions}): B5 reads the head hugepage's
 * `lpage_info` beyond the memslot; 6.18 has GMEM_ONLY memslots; 6.8 takes no guest_memfd flags.
 * (The KVM MMU and the address space have no options.)
 */
export function kvmOptions(env: ModelEnv): KvmOptions {
  return {
    lpageHead: hasVariant(env, 'B5') ? 'base-in-slot' : 'contained',
    gmemOnlyMemslots: env.mode === 'upstream-6.18',
    gmemFlags: env.mode === 'upstream-6.8' ? 'none' : 'mmap'
  };
}

/**
 * The guest_memfd inode's owner options in `env` (see {@link GmemOptions}):
 * HugeTLB allocator in the RFC 1G modes with huge folios; the faultability
 * xarray in rfc-1g-v1 (encoding flipped by B13-INV); private-iff-allocated in
 * fd-2022; the LRU-add batch in rfc-inplace-v8; no split on allocation in B12.
 */
export function gmemOptions(env: ModelEnv): GmemOptions {
  return {
    allocator: usesHugetlb(env) ? 'hugetlb' : 'buddy',
    privacy: env.mode === 'rfc-1g-v1' ? 'faultability' : 'attributes',
    attributeSource: env.mode === 'fd-2022' ? 'allocation' : 'store',
    lruBatchOnAdd: env.mode === 'rfc-inplace-v8',
    splitOnAllocate: !hasVariant(env, 'B12'),
    faultEncoding: hasVariant(env, 'B13-INV') ? 'present-unfaultable' : 'present-faultable'
  };
}

/** The guest_memfd inode `id` (a composite owner, `src/machines/gmem/inode.ts`) in the guest_memfd's own `env`. */
function gmemOwner(id: string, port: ActorPort, env: ModelEnv): Owner {
  const params = {
    pages: env.pages,
    folioOrder: env.folioOrder,
    mmap: env.gmemMmap === true,
    initShared: env.initShared,
    ...(env.hugePoolPages === undefined ? {} : { hugePoolPages: env.hugePoolPages })
  };
  const inode = gmemInode({ port, params, options: gmemOptions(env), bindings: initialBindings(env, id) });
  return compositeOwner(id, inode.parts, inode.route);
}

/** Actor factories for a run in `env`. */
export function actorFactories(env: ModelEnv, kernel: KernelPaths): ActorFactories {
  const folio = folioOptions(env);
  return {
    gmem: (id, port: ActorPort, input) => gmemOwner(id, port, gmemEnv(env, input)),
    kvm: (id, port) => compositeOwner(id, kvmParts({ port, env, options: kvmOptions(env) }), routeKvm),
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
