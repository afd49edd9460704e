/**
 * Lock handling shared by every actor that owns a lock (the guest_memfd inode's
 * `invalidate_lock`, the MMU's `mmu_lock`, a folio's lock).
 *
 * The owner records `LockWaiting` / `LockAcquired` / `LockReleased` facts (the
 * lock-order checker folds them per holder) and replies `lock.granted` to each
 * holder when its claim is granted, `lock.released` to a releaser.
 */
import type { Delivered, LockMode, LockName } from '../events/messages.js';
import { acquire, release, type RwLock } from '../model/rwLock.js';
import type { ActorPort } from '../events/actorPort.js';

/** Handles a `lock.acquire` or `lock.release` for `name`; returns the new lock state. */
export function handleLockMessage(port: ActorPort, name: LockName, lock: RwLock, m: Delivered): RwLock {
  const mode = m['mode'] as LockMode;
  if (m.type === 'lock.acquire') {
    const r = acquire(lock, m.from, mode);
    if (r.granted) grant(port, name, m.from, mode);
    else port.record('LockWaiting', { lock: name, mode, holder: m.from });
    return r.lock;
  }
  const r = release(lock, m.from, mode);
  port.record('LockReleased', { lock: name, mode, holder: m.from });
  port.send(m.from, { type: 'lock.released', lock: name });
  for (const c of r.granted) grant(port, name, c.holder, c.mode);
  return r.lock;
}

/** Records and announces that `holder` now holds `name`. */
export function grant(port: ActorPort, name: LockName, holder: string, mode: LockMode): void {
  port.record('LockAcquired', { lock: name, mode, holder });
  port.send(holder, { type: 'lock.granted', lock: name, mode });
}
