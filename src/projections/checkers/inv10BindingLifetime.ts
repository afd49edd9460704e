/**
 * INV-10 Binding and file lifetime (spec §4, F-ae43): after a memslot is freed
 * no code writes to it (`MemslotGmemCleared{freed: true}` is the
 * `slot->gmem.file = NULL` store of `kvm_gmem_release` into freed memory), and
 * no memslot is freed while a guest_memfd binding points at it and its
 * `slot->gmem.file` was never cleared (the state that makes a later release
 * write into freed memory). A release that already cleared the pointer may
 * destroy its bindings after the slot is gone (`xa_destroy` after unlocking).
 */
import { defineChecker, violation } from '../checker.js';

/** The INV-10 checker. */
export const inv10 = defineChecker({
  id: 'INV-10',
  statement: 'no write to a freed memslot; no guest_memfd binding points at a freed memslot',
  modes: ['*'],
  /** Memslots whose `slot->gmem.file` was cleared. */
  init: () => new Set<string>(),
  facts: {
    MemslotGmemCleared: (cleared, e) => {
      cleared.add(e.data.slot);
      if (!e.data.freed) return [];
      return [violation('INV-10', e, `${e.data.by} writes slot->gmem.file of memslot ${e.data.slot} at step ${e.step} after it was freed (use-after-free)`)];
    },
    MemslotFreed: (cleared, e, view) => {
      const slot = e.data.slot;
      const stale = cleared.has(slot) ? [] : view.kvm.bindings.filter((b) => b.uid === slot);
      if (stale.length === 0) return [];
      return [
        violation(
          'INV-10',
          e,
          `memslot ${slot} freed at step ${e.step} while ${stale.map((b) => b.gmem).join(', ')} still binds it and slot->gmem.file was never cleared`
        )
      ];
    }
  }
});
