/**
 * The LRU-add batch protocol (`lru_add` per-CPU folio batches, `mm/swap.c`):
 * the guest_memfd inode parks each folio it allocates in a batch
 * (`filemap_add_folio` -> `folio_add_lru`, which holds one transient reference
 * until the batch is drained, spec §1.3.1, B18), and forwards a thread's
 * `lru_add_drain_all()` to the batches on the same channel, so the drain comes
 * after every park the inode sent.
 */
import type { FolioAck, PlainAck } from './folio.js';

/** `lru.add{folio}` (one-way, from the inode at allocation): `folio_add_lru` of a folio born with the batch's reference. */
export type LruAdd = { readonly type: 'lru.add'; readonly folio: string };
/**
 * `lru.drain{replyTo?}`: `lru_add_drain_all`: every parked folio is put
 * (`folio_put` of the batch's reference, `why: 'lru-drain'`); answered to
 * `replyTo` (the thread whose `gmem.lru.drain` the inode forwarded) once every
 * put was acknowledged.
 */
export type LruDrain = { readonly type: 'lru.drain'; readonly replyTo?: string };
/** Reply to `lru.drain`: every reference the batches held is dropped. */
export type LruDrained = { readonly type: 'lru.drained' };

/** Requests the LRU-add batches serve, each with its reply. */
export type LruRequests = {
  'lru.drain': { req: LruDrain; reply: LruDrained };
};

/** Replies the LRU-add batches receive as a client: the folios' answers to their `folio.put`. */
export type LruReply = FolioAck | PlainAck;

/** Every message the LRU-add batches accept. */
export type LruInbox = LruAdd | LruDrain | LruReply;
