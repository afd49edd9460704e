/**
 * The VM attribute array `kvm->mem_attr_array` (an xarray of
 * `KVM_MEMORY_ATTRIBUTE_PRIVATE` per gfn; spec O6, the upstream truth of
 * private/shared). One part of the VM owner (`kvm.attr.*`).
 *
 * ```
 *            kvm.attr.reserve (xa_reserve succeeds)        kvm.attr.store (the last pending one)
 *   stable ─────────────────────────────────────► reserved ─────────────────────────────────────► stable
 *     │ kvm.attr.reserve{fail} (-ENOMEM: nothing reserved)      │ kvm.attr.reserve / kvm.attr.store (another pending)
 *     └──► stable                                               └──► reserved
 *   kvm.attr.read, kvm.attr.uniform: in both states
 * ```
 *
 * `stable`: no entry reserved; `reserved`: `KVM_SET_MEMORY_ATTRIBUTES`
 * reserved the range's entries (`xa_reserve`) and has not stored the new
 * attribute yet (`reservations` counts such calls; `slots_lock` keeps it at
 * most 1 in a correct run). The array does not police its callers: a store
 * without a reservation, or outside `slots_lock`, is done and recorded (the
 * checkers judge it, INV-4).
 *
 * Requests: `kvm.attr.read{gfn}` -> `kvm.attr{gfn, private}` (`kvm_mem_is_private`,
 * lock-free; fact `VmAttrRead`), `kvm.attr.uniform{start, end, private}` ->
 * `kvm.attr.uniform{uniform}` (`kvm_range_has_memory_attributes`; `VmAttrNoop`
 * when uniform), `kvm.attr.reserve{start, end, fail?}` -> `ack` (`xa_reserve`,
 * `fail` = the caller's fault injection; `VmAttrReserved`),
 * `kvm.attr.store{start, end, private}` -> `ack` (`xa_store`; `VmAttrStored`).
 * Kernel: `virt/kvm/kvm_main.c` (`kvm_vm_set_mem_attributes`).
 */
import { assertEvent, assign, setup } from 'xstate';
import type { ActorPort } from '../../events/actorPort.js';
import type { Delivered } from '../../events/messages.js';
import { type KvmAttrInbox, respond } from '../../events/protocol/index.js';
import { RangeMap } from '../../model/rangeMap.js';
import { typeHint } from '../../model/typeHint.js';
import { GFN_SPACE } from '../../model/vm.js';

/** Context of the attribute array. */
export type KvmAttributesContext = {
  readonly port: ActorPort;
  /** `mem_attr_array`: true = `KVM_MEMORY_ATTRIBUTE_PRIVATE`, per gfn (all shared at creation). */
  readonly attrs: RangeMap<boolean>;
  /** `xa_reserve`s not followed by their `xa_store` yet. */
  readonly reservations: number;
};

/** Input of the attribute array. */
export type KvmAttributesInput = { readonly port: ActorPort };

/** The attribute-array machine. */
export const kvmAttributesMachine = setup({
  types: { context: typeHint<KvmAttributesContext>(), events: typeHint<Delivered<KvmAttrInbox>>(), input: typeHint<KvmAttributesInput>() },
  actions: {
    /** `kvm_mem_is_private`: one lock-free read of the array. */
    read: ({ context, event }) => {
      assertEvent(event, 'kvm.attr.read');
      const priv = context.attrs.get(event.gfn);
      context.port.record('VmAttrRead', { vm: context.port.id, gfn: event.gfn, private: priv, by: event.from });
      respond(context.port, event, { type: 'kvm.attr', gfn: event.gfn, private: priv });
    },
    /** `kvm_range_has_memory_attributes`: is the range already of the requested attribute (a no-op change)? */
    uniform: ({ context, event }) => {
      assertEvent(event, 'kvm.attr.uniform');
      const uniform = context.attrs.uniform(event.start, event.end, event.private);
      if (uniform) context.port.record('VmAttrNoop', { vm: context.port.id, start: event.start, end: event.end, private: event.private });
      respond(context.port, event, { type: 'kvm.attr.uniform', uniform });
    },
    /** `xa_reserve` of the range (or its injected failure: nothing reserved). */
    reserve: assign(({ context, event }) => {
      assertEvent(event, 'kvm.attr.reserve');
      const failed = event.fail === true;
      context.port.record('VmAttrReserved', { vm: context.port.id, start: event.start, end: event.end, ...(failed ? { failed: true } : {}) });
      respond(context.port, event, { type: 'ack' });
      return { reservations: failed ? context.reservations : context.reservations + 1 };
    }),
    /** `xa_store` of the new attribute over the range. */
    store: assign(({ context, event }) => {
      assertEvent(event, 'kvm.attr.store');
      context.port.record('VmAttrStored', { vm: context.port.id, start: event.start, end: event.end, private: event.private, by: event.from });
      respond(context.port, event, { type: 'ack' });
      return { attrs: context.attrs.store(event.start, event.end, event.private), reservations: Math.max(0, context.reservations - 1) };
    })
  },
  guards: {
    /** The injected `xa_reserve` failure (-ENOMEM). */
    reserveFails: ({ event }) => {
      assertEvent(event, 'kvm.attr.reserve');
      return event.fail === true;
    },
    /** Another reservation is still pending after this store. */
    othersReserved: ({ context }) => context.reservations > 1
  }
}).createMachine({
  id: 'kvmAttributes',
  context: ({ input }) => ({ port: input.port, attrs: RangeMap.filled(GFN_SPACE, false), reservations: 0 }),
  initial: 'stable',
  states: {
    stable: {
      on: {
        'kvm.attr.read': { actions: 'read' },
        'kvm.attr.uniform': { actions: 'uniform' },
        'kvm.attr.reserve': [
          { guard: 'reserveFails', actions: 'reserve' },
          { target: 'reserved', actions: 'reserve' }
        ],
        'kvm.attr.store': { actions: 'store' }
      }
    },
    reserved: {
      on: {
        'kvm.attr.read': { actions: 'read' },
        'kvm.attr.uniform': { actions: 'uniform' },
        'kvm.attr.reserve': { actions: 'reserve' },
        'kvm.attr.store': [
          { guard: 'othersReserved', actions: 'store' },
          { target: 'stable', actions: 'store' }
        ]
      }
    }
  }
});
