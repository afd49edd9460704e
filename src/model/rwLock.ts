/**
 * A reader-writer lock with a FIFO queue of waiters, as pure functions.
 *
 * Models the kernel rw_semaphore (`invalidate_lock`, `mmap_lock`), rwlock
 * (`mmu_lock`) and mutexes/bit locks (mode `W` only). A new reader does not pass
 * a queued writer. The actor that owns the lock keeps the state and replies
 * `lock.granted` to each holder the functions below return.
 */
import type { LockMode } from '../events/messages.js';

/** A waiter or holder. */
export interface LockClaim {
  readonly holder: string;
  readonly mode: LockMode;
}

/** Lock state. */
export interface RwLock {
  readonly readers: readonly string[];
  readonly writer: string | null;
  readonly waiters: readonly LockClaim[];
}

/** A free lock. */
export const FREE_LOCK: RwLock = { readers: [], writer: null, waiters: [] };

/** Result of acquire: the new state and whether the claim was granted now. */
export interface AcquireResult {
  readonly lock: RwLock;
  readonly granted: boolean;
}

/** Tries to take the lock; queues the claim if it can't be granted now. */
export function acquire(lock: RwLock, holder: string, mode: LockMode): AcquireResult {
  if (lock.writer === holder || lock.readers.includes(holder)) {
    throw new Error(`${holder} already holds the lock (recursive acquire)`);
  }
  const free = lock.writer === null && lock.waiters.length === 0;
  if (free && (mode === 'R' || lock.readers.length === 0)) {
    return {
      lock: mode === 'R' ? { ...lock, readers: [...lock.readers, holder] } : { ...lock, writer: holder },
      granted: true
    };
  }
  return { lock: { ...lock, waiters: [...lock.waiters, { holder, mode }] }, granted: false };
}

/** Result of release: the new state and the waiters granted by it. */
export interface ReleaseResult {
  readonly lock: RwLock;
  readonly granted: readonly LockClaim[];
}

/** Releases `holder`'s claim and grants the waiters that can now run. */
export function release(lock: RwLock, holder: string, mode: LockMode): ReleaseResult {
  let next: RwLock;
  if (mode === 'W') {
    if (lock.writer !== holder) throw new Error(`${holder} releases a write lock it does not hold`);
    next = { ...lock, writer: null };
  } else {
    if (!lock.readers.includes(holder)) throw new Error(`${holder} releases a read lock it does not hold`);
    next = { ...lock, readers: lock.readers.filter((r) => r !== holder) };
  }
  const granted: LockClaim[] = [];
  let waiters = next.waiters;
  let readers = next.readers;
  let writer = next.writer;
  while (waiters.length > 0 && writer === null) {
    const w = waiters[0] as LockClaim;
    if (w.mode === 'W') {
      if (readers.length > 0) break;
      writer = w.holder;
    } else readers = [...readers, w.holder];
    granted.push(w);
    waiters = waiters.slice(1);
  }
  return { lock: { readers, writer, waiters }, granted };
}

/** True if nobody holds or waits for the lock. */
export function isIdle(lock: RwLock): boolean {
  return lock.writer === null && lock.readers.length === 0 && lock.waiters.length === 0;
}
