/**
 * The lock protocol every lock owner speaks: the guest_memfd inode's
 * `invalidate_lock` (`filemap_invalidate_lock{,_shared}`, an rw_semaphore), the
 * KVM MMU's `mmu_lock` (rwlock: `write_lock(&kvm->mmu_lock)` /
 * `read_lock`), the VM's `slots_lock` (mutex: mode `W` only).
 *
 * A thread asks the owner with `lock.acquire` and blocks until `lock.granted`
 * (so the wait is a real scheduling point); `lock.release` is acknowledged with
 * `lock.released` so a thread never overtakes its own release.
 */
import type { LockMode, LockName } from '../messages.js';

/** `lock.acquire{lock, mode}`: take `lock` shared (`R`) or exclusive (`W`); answered once granted. */
export type LockAcquire = { readonly type: 'lock.acquire'; readonly lock: LockName; readonly mode: LockMode };
/** `lock.release{lock, mode}`: drop the caller's claim; waiters it unblocks are granted in FIFO order. */
export type LockRelease = { readonly type: 'lock.release'; readonly lock: LockName; readonly mode: LockMode };
/** Reply to `lock.acquire`: the caller now holds `lock` in `mode`. */
export type LockGranted = { readonly type: 'lock.granted'; readonly lock: LockName; readonly mode: LockMode };
/** Reply to `lock.release`. */
export type LockReleased = { readonly type: 'lock.released'; readonly lock: LockName };

/** Requests of a lock owner, each with its reply. */
export type LockRequests = {
  'lock.acquire': { req: LockAcquire; reply: LockGranted };
  'lock.release': { req: LockRelease; reply: LockReleased };
};

/** Every message a lock owner accepts. */
export type LockInbox = LockAcquire | LockRelease;
