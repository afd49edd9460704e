/**
 * INV-10 Binding and file lifetime (spec §4, F-ae43): after a memslot is freed
 * no code writes to it (`MemslotGmemCleared{freed: true}` is the
 * `slot->gmem.file = NULL` store of `kvm_gmem_release` into freed memory), and
 * no memslot is freed while a guest_memfd binding points at it and its
 * `slot->gmem.file` was never cleared (the state that makes a later release
 * write into freed memory). A release that already cleared the pointer may
 * destroy its bindings after the slot is gone (`xa_destroy` after unlocking).
 */
import type { CheckerSpec } from '../checker.js';
import { violation } from '../checker.js';

/** The INV-10 checker. */
export const inv10: CheckerSpec = {
  id: 'INV-10',
  statement: 'no write to a freed memslot; no guest_memfd binding points at a freed memslot',
  modes: ['*'],
  on: ['MemslotFreed', 'MemslotGmemCleared'],
  create: () => {
    const cleared = new Set<string>();
    return {
      id: 'INV-10',
      check(view, e) {
        if (e.kind !== 'fact') return [];
        if (e.type === 'MemslotGmemCleared') cleared.add(e.data['slot'] as string);
        if (e.type === 'MemslotGmemCleared' && e.data['freed'] === true) {
          return [
            violation(
              'INV-10',
              e,
              `${String(e.data['by'])} writes slot->gmem.file of memslot ${String(e.data['slot'])} at step ${e.step} after it was freed (use-after-free)`
            )
          ];
        }
        if (e.type === 'MemslotFreed') {
          const slot = e.data['slot'] as string;
          const stale = cleared.has(slot) ? [] : view.kvm.bindings.filter((b) => b.uid === slot);
          if (stale.length > 0) {
            return [
              violation(
                'INV-10',
                e,
                `memslot ${slot} freed at step ${e.step} while ${stale.map((b) => b.gmem).join(', ')} still binds it and slot->gmem.file was never cleared`
              )
            ];
          }
        }
        return [];
      }
    };
  }
};
