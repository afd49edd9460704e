/**
 * The actor kinds of the model and how each is created from the run's
 * environment. The world spawns them by kind name.
 */
import { createActor } from 'xstate';
import { type FolioInit, folioMachine } from '../machines/folioMachine.js';
import { gmemInodeMachine } from '../machines/gmemInodeMachine.js';
import { kvmMmuMachine } from '../machines/kvmMmuMachine.js';
import { lruMachine } from '../machines/lruMachine.js';
import { mmMachine } from '../machines/mmMachine.js';
import { runVmmOp, vmmThreadMachine } from '../machines/vmmThreadMachine.js';
import type { ModelEnv } from '../model/env.js';
import type { VmmOp } from '../model/ops.js';
import { runGuestOp, vcpuMachine } from '../machines/vcpuMachine.js';
import type { VcpuOp } from '../model/guestOps.js';
import type { ActorFactory } from './world.js';
import { kvmVmMachine } from '../machines/kvmVmMachine.js';
import { shmemMachine } from '../machines/shmemMachine.js';
import { userSyncMachine } from '../machines/userSyncMachine.js';
import { hwpoisonMachine } from '../machines/hwpoisonMachine.js';
import { type KworkerOp, kworkerMachine, runKworkerOp } from '../machines/kworkerMachine.js';

/** The environment of a guest_memfd created at run time (`kvm.gmem.create`): its own size and flags, no set-up binding. */
function gmemEnv(env: ModelEnv, input: Readonly<Record<string, unknown>>): ModelEnv {
  if (typeof input['pages'] !== 'number') return env;
  return { ...env, pages: input['pages'], initShared: input['initShared'] === true, gmemMmap: input['mmap'] === true, folioOrder: 0, binding: null };
}

/** Actor factories for a run in `env`. */
export function actorFactories(env: ModelEnv): Record<string, ActorFactory> {
  return {
    gmem: (_id, port, input) => createActor(gmemInodeMachine, { input: { port, env: gmemEnv(env, input) } }).start(),
    kvm: (_id, port) => createActor(kvmVmMachine, { input: { port, env } }).start(),
    shm: (_id, port) => createActor(shmemMachine, { input: { port, env } }).start(),
    kworker: (_id, port, input) =>
      createActor(kworkerMachine, { input: { port, env, program: input['program'] as readonly KworkerOp[], run: runKworkerOp } }).start(),
    hwpoison: (_id, port) => createActor(hwpoisonMachine, { input: { port } }).start(),
    usync: (_id, port, input) =>
      createActor(userSyncMachine, {
        input: { port, ...(Array.isArray(input['signallable']) ? { signallable: input['signallable'] as readonly string[] } : {}) }
      }).start(),
    lru: (_id, port) => createActor(lruMachine, { input: { port } }).start(),
    mm: (_id, port, input) => createActor(mmMachine, { input: { port, env, gmem: input['gmem'] as string } }).start(),
    mmu: (_id, port) => createActor(kvmMmuMachine, { input: { port, env } }).start(),
    folio: (_id, port, input) =>
      createActor(folioMachine, {
        input: {
          port,
          env,
          gmem: input['gmem'] as string,
          base: input['base'] as number,
          order: input['order'] as number,
          init: input['init'] as FolioInit | undefined
        }
      }).start(),
    vmmThread: (_id, port, input) =>
      createActor(vmmThreadMachine, { input: { port, env, program: input['program'] as readonly VmmOp[], run: runVmmOp } }).start(),
    vcpu: (_id, port, input) => createActor(vcpuMachine, { input: { port, env, program: input['program'] as readonly VcpuOp[], run: runGuestOp } }).start()
  };
}
