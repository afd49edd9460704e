/**
 * A kernel lock as a statechart: the guest_memfd `invalidate_lock`
 * (`filemap_invalidate_lock{,_shared}`, an rw_semaphore of the inode's
 * `address_space`), the VM's `mmu_lock` (rwlock) and `slots_lock` (a mutex: only
 * `W` is ever asked). One part of the owner that holds the lock (composite
 * owners route `lock.*` here).
 *
 * ```
 *              acquire R                    acquire W
 *   free ──────────────────► readHeld     free ──────────────► writeHeld
 *    ▲  ◄─ last reader leaves, nobody waits ─┘ ▲                   │
 *    │                                          │ last reader leaves, a writer waits: granted
 *    └──────── release W, nobody waits ◄────────┴───────────────────┘
 *   writeHeld ── release W, readers wait ──► readHeld (every reader queued before the next writer)
 * ```
 *
 * Waiters queue FIFO (`waiters`); a new reader does not pass a queued writer
 * (rwsem handoff fairness). Facts: `LockWaiting`, `LockAcquired`,
 * `LockReleased` (the lock-order and lock-discipline checkers fold them).
 * Replies: `lock.granted` to each holder when its claim is granted,
 * `lock.released` to a releaser. The owner never checks that its callers hold
 * the lock around other requests: lock discipline is an invariant (INV-4).
 * Kernel: `kernel/locking/rwsem.c`, `include/linux/rwlock.h`, `include/linux/fs.h`.
 */
import { typeHint } from '../model/typeHint.js';
import { assertEvent, assign, setup } from 'xstate';
import type { ActorPort } from '../events/actorPort.js';
import type { Delivered, LockMode, LockName } from '../events/messages.js';
import type { LockInbox } from '../events/protocol/index.js';
import { acquire, FREE_LOCK, release, type RwLock } from '../model/rwLock.js';

/** Input of a lock part. */
export interface RwLockInput {
  readonly port: ActorPort;
  /** Which lock this is (the `lock` of its facts and replies). */
  readonly name: LockName;
}

/** Context of a lock part: holders and FIFO waiters. */
export interface RwLockContext {
  readonly port: ActorPort;
  readonly name: LockName;
  readonly lock: RwLock;
}

function grant(ctx: RwLockContext, holder: string, mode: LockMode): void {
  ctx.port.record('LockAcquired', { lock: ctx.name, mode, holder });
  ctx.port.send(holder, { type: 'lock.granted', lock: ctx.name, mode });
}

/** The lock after `event` (an acquire or a release), with its facts recorded and replies sent. */
function apply(ctx: RwLockContext, event: Delivered<LockInbox>): RwLock {
  if (event.type === 'lock.acquire') {
    const r = acquire(ctx.lock, event.from, event.mode);
    if (r.granted) grant(ctx, event.from, event.mode);
    else ctx.port.record('LockWaiting', { lock: ctx.name, mode: event.mode, holder: event.from });
    return r.lock;
  }
  const r = release(ctx.lock, event.from, event.mode);
  ctx.port.record('LockReleased', { lock: ctx.name, mode: event.mode, holder: event.from });
  ctx.port.send(event.from, { type: 'lock.released', lock: ctx.name });
  for (const c of r.granted) grant(ctx, c.holder, c.mode);
  return r.lock;
}

/** The state a lock is in: who holds it. */
function heldAs(lock: RwLock): 'free' | 'readHeld' | 'writeHeld' {
  return lock.writer !== null ? 'writeHeld' : lock.readers.length > 0 ? 'readHeld' : 'free';
}

/** Who holds the lock after release `event` (and the grants it makes). */
function leaves(ctx: RwLockContext, event: Delivered<LockInbox>): 'free' | 'readHeld' | 'writeHeld' {
  assertEvent(event, 'lock.release');
  return heldAs(release(ctx.lock, event.from, event.mode).lock);
}

/** A shared (read) claim. */
function isShared(m: LockMode): boolean {
  return m === 'R';
}

/** The rw-lock machine. */
export const rwLockMachine = setup({
  types: { context: typeHint<RwLockContext>(), events: typeHint<Delivered<LockInbox>>(), input: typeHint<RwLockInput>() },
  actions: {
    /** Grants, queues or releases the claim of the event's sender. */
    apply: assign(({ context, event }) => ({ lock: apply(context, event) }))
  },
  guards: {
    /** A shared claim (a free lock has no waiters: it is granted at once). */
    asksRead: ({ event }) => {
      assertEvent(event, 'lock.acquire');
      return isShared(event.mode);
    },
    /** After this release nobody holds the lock. */
    leavesFree: ({ context, event }) => leaves(context, event) === 'free',
    /** After this release readers hold the lock. */
    leavesReadHeld: ({ context, event }) => leaves(context, event) === 'readHeld',
    /** After this release a writer holds the lock. */
    leavesWriteHeld: ({ context, event }) => leaves(context, event) === 'writeHeld'
  }
}).createMachine({
  id: 'rwLock',
  context: ({ input }) => ({ port: input.port, name: input.name, lock: FREE_LOCK }),
  initial: 'free',
  states: {
    free: {
      on: {
        'lock.acquire': [
          { guard: 'asksRead', target: 'readHeld', actions: 'apply' },
          { target: 'writeHeld', actions: 'apply' }
        ]
      }
    },
    readHeld: {
      on: {
        // A reader joins, or the claim queues (a writer, or a reader behind a queued writer).
        'lock.acquire': { actions: 'apply' },
        'lock.release': [
          { guard: 'leavesFree', target: 'free', actions: 'apply' },
          { guard: 'leavesWriteHeld', target: 'writeHeld', actions: 'apply' },
          { actions: 'apply' }
        ]
      }
    },
    writeHeld: {
      on: {
        'lock.acquire': { actions: 'apply' },
        'lock.release': [
          { guard: 'leavesFree', target: 'free', actions: 'apply' },
          { guard: 'leavesReadHeld', target: 'readHeld', actions: 'apply' },
          { actions: 'apply' }
        ]
      }
    }
  }
});
