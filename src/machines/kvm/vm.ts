/**
 * The VM's own lifetime (`struct kvm` itself, spec §1.2, §1.9, O1): its type
 * (`kvm->arch.vm_type`), `pre_fault_allowed`, the `users_count` refcount the
 * VMM's VM fd and each guest_memfd file hold, `vm_dead`, and
 * `KVM_CREATE_GUEST_MEMFD`, which spawns guest_memfd actors. One part of the VM
 * owner; it records `VmCreated` when the VM starts.
 *
 * ```
 *          kvm.vm.markDead (kvm_vm_dead / KVM_BUG_ON)
 *   alive ───────────────────────────────────────────► dead
 *   both: kvm.vm.state, kvm.vm.markDead, kvm.get, kvm.put, kvm.gmem.create
 * ```
 *
 * `alive`: `kvm->vm_dead` clear; `dead`: set (every vCPU sees
 * `KVM_REQ_VM_DEAD`). The VM keeps serving in `dead` as the model always did
 * (callers check `dead` in `kvm.vm.state`). `users_count` stays a counter: the
 * model never destroys the VM (no `kvm_destroy_vm`).
 *
 * Requests: `kvm.vm.state` -> `{type: <VM type>, preFaultAllowed, dead}`,
 * `kvm.vm.markDead` -> `ack` (`VmMarkedDead`), `kvm.get` / `kvm.put` -> `ack`
 * (`VmRefs`), `kvm.gmem.create{pages, flags}` -> `kvm.gmem.created{rc, gmem}`
 * (`-EINVAL` for an unsupported flag or a bad size, see the `gmemFlags` option;
 * else spawns `gmem<N>` and takes a VM reference for the file: `VmRefs`).
 * Kernel: `virt/kvm/kvm_main.c` (`kvm_get_kvm`, `kvm_put_kvm`, `kvm_vm_dead`),
 * `virt/kvm/guest_memfd.c` (`kvm_gmem_create`, `kvm_gmem_get_supported_flags`),
 * `arch/x86/kvm/x86.c` (`pre_fault_allowed`).
 */
import { assertEvent, assign, setup } from 'xstate';
import type { ActorPort } from '../../events/actorPort.js';
import type { Delivered } from '../../events/messages.js';
import { type KvmLifetimeInbox, respond } from '../../events/protocol/index.js';
import type { VmType } from '../../model/env.js';
import { typeHint } from '../../model/typeHint.js';
import { GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP, supportedGmemFlags } from '../../model/vm.js';
import type { KvmOptions } from './options.js';

/** Context of the VM's lifetime part. */
export type KvmVmContext = {
  readonly port: ActorPort;
  readonly options: KvmOptions;
  readonly type: VmType;
  /** `kvm->arch.pre_fault_allowed`. */
  readonly preFaultAllowed: boolean;
  /** `users_count`. */
  readonly users: number;
  /** Number of the next guest_memfd `KVM_CREATE_GUEST_MEMFD` makes (`gmem<N>`). */
  readonly nextGmem: number;
};

/** Input of the VM's lifetime part. */
export type KvmVmInput = { readonly port: ActorPort; readonly options: KvmOptions; readonly type: VmType };

/** The VM-lifetime machine. */
export const kvmVmMachine = setup({
  types: { context: typeHint<KvmVmContext>(), events: typeHint<Delivered<KvmLifetimeInbox>>(), input: typeHint<KvmVmInput>() },
  actions: {
    /** `KVM_CREATE_VM` done: the VM exists (`VmCreated`). */
    announce: ({ context }) => {
      context.port.record('VmCreated', { vm: context.port.id, type: context.type, preFaultAllowed: context.preFaultAllowed });
    },
    /** Answers `kvm.vm.state`; `dead` is the state the VM is in. */
    answerState: ({ context, event }, params: { readonly dead: boolean }) => {
      assertEvent(event, 'kvm.vm.state');
      respond(context.port, event, { type: context.type, preFaultAllowed: context.preFaultAllowed, dead: params.dead });
    },
    /** `kvm_vm_dead()`: every vCPU sees `KVM_REQ_VM_DEAD`. */
    markDead: ({ context, event }) => {
      assertEvent(event, 'kvm.vm.markDead');
      context.port.record('VmMarkedDead', { vm: context.port.id, by: event.from });
      respond(context.port, event, { type: 'ack' });
    },
    /** `kvm_get_kvm` / `kvm_put_kvm`. */
    countUser: assign(({ context, event }) => {
      assertEvent(event, ['kvm.get', 'kvm.put']);
      const users = context.users + (event.type === 'kvm.get' ? 1 : -1);
      context.port.record('VmRefs', { vm: context.port.id, users, why: event.from });
      respond(context.port, event, { type: 'ack' });
      return { users };
    }),
    /** `kvm_gmem_create`: checks the flags and size, spawns the guest_memfd, which holds a VM reference. */
    createGmem: assign(({ context, event }) => {
      assertEvent(event, 'kvm.gmem.create');
      const flags = event.flags ?? [];
      const supported = supportedGmemFlags(context.options.gmemFlags, context.type);
      const bad = flags.some((bit) => bit > 30 || ((1 << bit) & supported) === 0);
      if (bad || event.pages === null || event.pages <= 0) {
        respond(context.port, event, { type: 'kvm.gmem.created', rc: '-EINVAL', gmem: '' });
        return {};
      }
      const gmem = `gmem${context.nextGmem}`;
      const mask = flags.reduce((a, bit) => a | (1 << bit), 0);
      context.port.spawn('gmem', gmem, {
        pages: event.pages,
        mmap: (mask & GUEST_MEMFD_FLAG_MMAP) !== 0,
        initShared: (mask & GUEST_MEMFD_FLAG_INIT_SHARED) !== 0
      });
      context.port.record('VmRefs', { vm: context.port.id, users: context.users + 1, why: gmem });
      respond(context.port, event, { type: 'kvm.gmem.created', rc: '0', gmem });
      return { nextGmem: context.nextGmem + 1, users: context.users + 1 };
    })
  }
}).createMachine({
  id: 'kvmVm',
  context: ({ input }) => ({
    port: input.port,
    options: input.options,
    type: input.type,
    // kvm->arch.pre_fault_allowed: default and SW_PROTECTED VMs at once; SNP/TDX only once finalized.
    preFaultAllowed: input.type === 'DEFAULT' || input.type === 'SW_PROTECTED',
    // The set-up guest_memfd holds the VM (kvm_get_kvm at create), plus the VMM's VM fd.
    users: 2,
    nextGmem: 1
  }),
  entry: 'announce',
  initial: 'alive',
  states: {
    alive: {
      on: {
        'kvm.vm.state': { actions: { type: 'answerState', params: { dead: false } } },
        'kvm.vm.markDead': { target: 'dead', actions: 'markDead' },
        'kvm.get': { actions: 'countUser' },
        'kvm.put': { actions: 'countUser' },
        'kvm.gmem.create': { actions: 'createGmem' }
      }
    },
    dead: {
      on: {
        'kvm.vm.state': { actions: { type: 'answerState', params: { dead: true } } },
        'kvm.vm.markDead': { actions: 'markDead' },
        'kvm.get': { actions: 'countUser' },
        'kvm.put': { actions: 'countUser' },
        'kvm.gmem.create': { actions: 'createGmem' }
      }
    }
  }
});
