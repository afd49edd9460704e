/**
 * The typed protocol: every request an owner serves, with its reply, and every
 * one-way message, per owner (one file per owner kind in this folder).
 *
 * A procedure's `call(to, msg)` is typed by the request's `type`: it accepts only
 * the fields the owner expects and returns the reply's type. The reply's `type`
 * is checked at run time against {@link REPLY_TYPES} (a wrong reply is a model
 * error), in the manner of xstate's `assertEvent`: the type system then trusts the
 * payload, which the owner built from the same types.
 *
 * Messages are type aliases, not interfaces, so each is assignable to the flat
 * {@link Message} of the log.
 */
import type { ActorPort } from '../actorPort.js';
import { type Delivered, type Message, replyTarget } from '../messages.js';
import type { FolioRequests } from './folio.js';
import type { GmemRequests } from './gmem.js';
import type { HwpoisonRequests } from './hwpoison.js';
import type { KvmRequests } from './kvm.js';
import type { LockRequests } from './lock.js';
import type { MmRequests } from './mm.js';
import type { MmuRequests } from './mmu.js';
import type { LruRequests } from './lru.js';
import type { ShmRequests } from './shm.js';
import type { UsyncRequests } from './usync.js';

export type * from './folio.js';
export type * from './gmem.js';
export type * from './hwpoison.js';
export type * from './kvm.js';
export type * from './lock.js';
export type * from './lru.js';
export type * from './mm.js';
export type * from './mmu.js';
export type * from './shm.js';
export type * from './usync.js';

/** Every request of every owner, keyed by message type, with its reply. */
export type RequestMap = LockRequests &
  FolioRequests &
  HwpoisonRequests &
  GmemRequests &
  KvmRequests &
  MmuRequests &
  MmRequests &
  LruRequests &
  UsyncRequests &
  ShmRequests;

/** A request message type. */
export type RequestType = keyof RequestMap;

/** The request message of type `K`. */
export type RequestOf<K extends RequestType> = RequestMap[K]['req'];

/** The reply to a request of type `K`. */
export type ReplyOf<K extends RequestType> = RequestMap[K]['reply'];

/** Any typed request. */
export type AnyRequest = { [K in RequestType]: RequestOf<K> }[RequestType];

/** The reply `type`s each request may be answered with. */
export const REPLY_TYPES: { readonly [K in RequestType]: readonly ReplyOf<K>['type'][] } = {
  'lock.acquire': ['lock.granted'],
  'lock.release': ['lock.released'],
  'folio.get': ['folio.got'],
  'folio.prepare': ['ack'],
  'folio.archInvalidate': ['ack'],
  'folio.zero': ['ack'],
  'folio.zeroRange': ['ack'],
  'folio.unlock': ['ack'],
  'folio.put': ['ack'],
  'folio.freeze': ['folio.frozen'],
  'folio.unfreeze': ['ack'],
  'folio.truncate': ['ack'],
  'folio.pin': ['folio.pinned'],
  'folio.unpin': ['ack'],
  'folio.checkSafe': ['folio.safe'],
  'folio.counts': ['folio.counts'],
  'folio.access': ['folio.accessed'],
  'folio.unmap': ['ack'],
  'hwpoison.set': ['ack'],
  'hwpoison.test': ['hwpoison.state'],
  'gmem.stat': ['gmem.stat', 'gmem.error'],
  'gmem.file.active': ['gmem.file.active', 'gmem.error'],
  'gmem.fput': ['ack', 'gmem.error'],
  'gmem.released': ['ack', 'gmem.error'],
  'gmem.bindings': ['gmem.bindings', 'gmem.error'],
  'gmem.bind': ['gmem.bound', 'gmem.error'],
  'gmem.unbind': ['ack', 'gmem.error'],
  'gmem.attr.read': ['gmem.attr', 'gmem.error'],
  'gmem.attr.range': ['gmem.attr.range', 'gmem.error'],
  'gmem.attr.store': ['ack', 'gmem.error'],
  'gmem.attr.runs': ['gmem.attr.runs', 'gmem.error'],
  'gmem.faultable.read': ['gmem.faultable', 'gmem.error'],
  'gmem.faultable.store': ['ack', 'gmem.error'],
  'gmem.faultable.runs': ['gmem.faultable.runs', 'gmem.error'],
  'gmem.filemap.get': ['gmem.folio', 'gmem.error'],
  'gmem.filemap.list': ['gmem.folios', 'gmem.error'],
  'gmem.filemap.remove': ['ack', 'gmem.error'],
  'gmem.lru.drain': ['lru.drained', 'gmem.error'],
  'gmem.archInvalidate': ['gmem.folios', 'gmem.error'],
  'gmem.hugepages': ['gmem.hugepages', 'gmem.error'],
  'gmem.split.subs': ['gmem.split.subs', 'gmem.error'],
  'gmem.split': ['ack', 'gmem.error'],
  'gmem.merge': ['gmem.merged', 'gmem.error'],
  'gmem.zeroRange': ['ack', 'gmem.error'],
  'kvm.srcu.lock': ['kvm.srcu.locked'],
  'kvm.srcu.unlock': ['ack'],
  'kvm.srcu.synchronize': ['kvm.srcu.synchronized'],
  'kvm.memslot.lookup': ['kvm.memslot'],
  'kvm.memslot.byId': ['kvm.memslot'],
  'kvm.memslots.overlapping': ['kvm.memslots'],
  'kvm.memslot.reserveUid': ['kvm.memslot.uid'],
  'kvm.memslot.create': ['kvm.memslot.created'],
  'kvm.memslot.invalidate': ['ack'],
  'kvm.memslot.remove': ['ack'],
  'kvm.memslot.free': ['ack'],
  'kvm.memslot.clearGmem': ['ack'],
  'kvm.memslot.waitValid': ['kvm.memslot.valid'],
  'kvm.lpage.update': ['ack'],
  'kvm.lpage.changing': ['kvm.lpage.changing'],
  'kvm.lpage.level': ['kvm.lpage.level'],
  'kvm.attr.read': ['kvm.attr'],
  'kvm.attr.uniform': ['kvm.attr.uniform'],
  'kvm.attr.reserve': ['ack'],
  'kvm.attr.store': ['ack'],
  'kvm.mn.start': ['ack'],
  'kvm.mn.end': ['ack'],
  'kvm.mn.wait': ['ack'],
  // The reply's type is the VM type (`kvm->arch.vm_type`).
  'kvm.vm.state': ['DEFAULT', 'SW_PROTECTED', 'SNP', 'TDX'],
  'kvm.vm.markDead': ['ack'],
  'kvm.get': ['ack'],
  'kvm.put': ['ack'],
  'kvm.gmem.create': ['kvm.gmem.created'],
  'mmu.invalidate.begin': ['ack'],
  'mmu.invalidate.rangeAdd': ['ack'],
  'mmu.invalidate.end': ['ack'],
  'mmu.zap': ['ack'],
  'mmu.waitIdle': ['mmu.idle'],
  'mmu.seq': ['mmu.seq'],
  'mmu.staleCheck': ['mmu.stale'],
  'mmu.install': ['mmu.installed'],
  'mmu.root.load': ['mmu.root'],
  'mmu.access': ['mmu.notPresent', 'folio.accessed'],
  'mm.access': ['mm.notPresent', 'folio.accessed'],
  'mm.pteInstall': ['mm.pteInstalled'],
  'mm.gupLookup': ['mm.pte'],
  'mm.pteUnlock': ['ack'],
  'mm.zap': ['mm.zapped'],
  'lru.drain': ['lru.drained'],
  'usync.signal': ['ack'],
  'usync.wait': ['usync.woken'],
  'shm.gup': ['shm.page'],
  'shm.zap': ['ack']
};

/** True if `type` is a typed request. */
export function isRequestType(type: string): type is RequestType {
  return Object.prototype.hasOwnProperty.call(REPLY_TYPES, type);
}

/**
 * Narrows `m` to the reply of request `k` if its `type` is one the protocol
 * allows (the payload's fields are the owner's, built from the same types).
 */
export function isReplyTo<K extends RequestType>(k: K, m: Message): m is Message & ReplyOf<K> {
  const allowed: readonly string[] = REPLY_TYPES[k];
  return allowed.includes(m.type);
}

/**
 * Answers request `req` (to its `replyTo`, else its sender) with `reply`, whose
 * type the protocol fixes for the request's type.
 */
export function respond<M extends AnyRequest>(port: ActorPort, req: Delivered<M>, reply: ReplyOf<M['type']>): void {
  port.send(replyTarget(req), reply);
}

/** Every message type that answers a request: what a thread blocked in a call may receive. */
export const ALL_REPLY_TYPES: readonly string[] = [...new Set<string>(Object.values(REPLY_TYPES).flat())].sort();
