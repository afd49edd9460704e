/**
 * The per-index attributes of a guest_memfd (spec §1.1): the RFC in-place
 * `attributes` maple tree (`true` = private), in RFC 1G-v2 the shareability
 * (`true` = SHAREABILITY_GUEST, `false` = SHAREABILITY_ALL). One part of the
 * inode owner.
 *
 * ```
 *   live ── gmem.attr.read / .range / .store / .runs, attributes.set ──► live
 * ```
 *
 * The tree has no lifecycle of its own: it lives as long as the inode
 * (`live`). At creation every index is `!INIT_SHARED` (fact `AttrStored` over
 * the file), or shared with option `attributeSource: 'allocation'` (fd-2022: a
 * page is private exactly when allocated in the backing store; the page cache
 * then sends `attributes.set` when it allocates or drops a folio). With
 * option `privacy: 'faultability'` (RFC 1G-v1) guest_memfd has no attributes:
 * the tree is a stub that records no creation fact (the faultability part
 * does), read only by the shared HugeTLB punch-hole probe.
 *
 * Requests: `gmem.attr.read` (fact `AttrRead`), `gmem.attr.range` (fact
 * `AttrCheckNoop` when uniform and not `quiet`), `gmem.attr.store` (fact
 * `AttrStored`), `gmem.attr.runs`.
 *
 * Kernel: `virt/kvm/guest_memfd.c` of the in-place conversion RFC
 * (`kvm_gmem_get_attributes`, `kvm_gmem_set_attributes`) and of RFC 1G-v2
 * (`kvm_gmem_shareability_apply`, `kvm_gmem_is_private`).
 */
import { assertEvent, assign, setup } from 'xstate';
import type { ActorPort } from '../../events/actorPort.js';
import type { Delivered } from '../../events/messages.js';
import { type GmemAttrRange, type GmemAttrRead, type GmemAttrRuns, type GmemAttrStore, respond } from '../../events/protocol/index.js';
import { RangeMap } from '../../model/rangeMap.js';
import { typeHint } from '../../model/typeHint.js';
import type { AttributesInternal, PartInput } from './parts.js';

/** Messages the attributes part accepts. */
export type AttributesInbox = GmemAttrRead | GmemAttrRange | GmemAttrStore | GmemAttrRuns;

/** Context of the attributes part. */
export type AttributesContext = {
  readonly port: ActorPort;
  /** File size in pages. */
  readonly pages: number;
  /** `true` = private, per index. */
  readonly attrs: RangeMap<boolean>;
  /** The attribute of every index at creation. */
  readonly initial: boolean;
  /** Records the creation fact (false: the RFC 1G-v1 stub). */
  readonly announced: boolean;
};

/** The attributes part. */
export const gmemAttributesMachine = setup({
  types: {
    context: typeHint<AttributesContext>(),
    events: typeHint<Delivered<AttributesInbox> | AttributesInternal>(),
    input: typeHint<PartInput>()
  },
  actions: {
    /** The attribute of every index at creation (fact `AttrStored`, unless the tree is the RFC 1G-v1 stub). */
    announce: ({ context }) => {
      if (!context.announced) return;
      context.port.record('AttrStored', { gmem: context.port.id, start: 0, end: context.pages, private: context.initial });
    },
    /** The attribute of one index (fact `AttrRead`). */
    read: ({ context, event }) => {
      assertEvent(event, 'gmem.attr.read');
      const priv = context.attrs.get(event.index);
      context.port.record('AttrRead', { gmem: context.port.id, index: event.index, private: priv, by: event.from });
      respond(context.port, event, { type: 'gmem.attr', index: event.index, private: priv });
    },
    /** Is the whole range `private`? (fact `AttrCheckNoop` when it is, unless `quiet`). */
    checkRange: ({ context, event }) => {
      assertEvent(event, 'gmem.attr.range');
      const { start, end } = event;
      const uniform = context.attrs.uniform(start, end, event.private);
      if (uniform && event.quiet !== true) context.port.record('AttrCheckNoop', { gmem: context.port.id, start, end, private: event.private });
      respond(context.port, event, { type: 'gmem.attr.range', uniform });
    },
    /** A conversion stores the attribute of a range (fact `AttrStored`). */
    store: assign(({ context, event }) => {
      assertEvent(event, 'gmem.attr.store');
      const { start, end } = event;
      context.port.record('AttrStored', { gmem: context.port.id, start, end, private: event.private, by: event.from });
      respond(context.port, event, { type: 'ack' });
      return { attrs: context.attrs.store(start, end, event.private) };
    }),
    /** The runs of equal attribute over a range. */
    runs: ({ context, event }) => {
      assertEvent(event, 'gmem.attr.runs');
      const runs = context.attrs.slice(event.start, event.end);
      respond(context.port, event, { type: 'gmem.attr.runs', starts: runs.map((r) => r.start), ends: runs.map((r) => r.end), privs: runs.map((r) => r.value) });
    },
    /** fd-2022: the backing store allocated or dropped pages (fact `AttrStored`). */
    follow: assign(({ context, event }) => {
      assertEvent(event, 'attributes.set');
      const { start, end } = event;
      context.port.record('AttrStored', { gmem: context.port.id, start, end, private: event.private, by: event.by });
      return { attrs: context.attrs.store(start, end, event.private) };
    })
  }
}).createMachine({
  id: 'gmemAttributes',
  context: ({ input }) => {
    const initial = input.options.attributeSource === 'allocation' ? false : !input.params.initShared;
    return {
      port: input.port,
      pages: input.params.pages,
      attrs: RangeMap.filled(input.params.pages, initial),
      initial,
      announced: input.options.privacy === 'attributes'
    };
  },
  entry: 'announce',
  initial: 'live',
  states: {
    live: {
      on: {
        'gmem.attr.read': { actions: 'read' },
        'gmem.attr.range': { actions: 'checkRange' },
        'gmem.attr.store': { actions: 'store' },
        'gmem.attr.runs': { actions: 'runs' },
        'attributes.set': { actions: 'follow' }
      }
    }
  }
});
