/**
 * INV-16 Arch prepare/invalidate bracketing (spec §4): a pfn is arch-prepared
 * (e.g. SNP RMP private) before any private SPTE maps it, and arch-invalidated
 * (back to host-owned) before it is freed to the allocator or, in the in-place
 * design, becomes host-mapped again.
 *
 * Modes: the designs whose guest faults prepare private folios and whose
 * conversions or frees invalidate them. rfc-1g-v2's split/merge restructuring
 * does not carry the per-4K RMP state in the model, and fd-2022 predates the
 * hooks, so they are left out (docs/model.md).
 */
import type { CheckerSpec } from '../checker.js';
import { hex, violation } from '../checker.js';

/** The INV-16 checker. */
export const inv16: CheckerSpec = {
  id: 'INV-16',
  statement: 'a folio is arch-prepared before a private SPTE maps it and arch-invalidated before it is freed or host-mapped again',
  modes: ['rfc-inplace-v8', 'upstream-6.8', 'upstream-6.18'],
  on: ['FolioPrepared', 'FolioArchInvalidated', 'SptInstalled', 'FolioFreed', 'HostPteInstalled'],
  create: () => {
    /** folio -> step it was prepared */
    const prepared = new Map<string, number>();
    return {
      id: 'INV-16',
      check(_view, e) {
        if (e.kind !== 'fact') return [];
        const folio = e.data['folio'] as string;
        switch (e.type) {
          case 'FolioPrepared':
            prepared.set(folio, e.step);
            return [];
          case 'FolioArchInvalidated':
            prepared.delete(folio);
            return [];
          case 'SptInstalled': {
            const pfn = e.data['pfn'] as string;
            if (e.data['private'] !== true || prepared.has(pfn)) return [];
            return [
              violation(
                'INV-16',
                e,
                `private SPTE for gfn ${hex(e.data['gfn'] as number)} installed at step ${e.step} maps folio ${pfn}, which was never arch-prepared`
              )
            ];
          }
          case 'FolioFreed': {
            const at = prepared.get(folio);
            if (at === undefined) return [];
            prepared.delete(folio);
            return [violation('INV-16', e, `folio ${folio} freed at step ${e.step} while still arch-prepared (since step ${at}) for private use`, [at])];
          }
          case 'HostPteInstalled': {
            const at = prepared.get(folio);
            if (at === undefined) return [];
            return [
              violation(
                'INV-16',
                e,
                `folio ${folio} host-mapped at page ${hex(e.data['index'] as number)} at step ${e.step} while still arch-prepared (since step ${at}) for private use`,
                [at]
              )
            ];
          }
          default:
            return [];
        }
      }
    };
  }
};
