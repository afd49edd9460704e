/**
 * INV-4 Attribute lock discipline, RFC form (spec §4): every write of the
 * guest_memfd attributes holds `invalidate_lock` for write; every read that
 * leads to a host mapping (host fault) or a guest mapping (`kvm_gmem_get_pfn`)
 * holds `invalidate_lock` from the read until the folio reference is taken.
 * In rfc-1g-v1 the faultability map plays the attributes' part.
 * Catches B10 deterministically: the fault's attribute read and its folio
 * reference are not covered by one hold of the lock.
 */
import type { CheckerSpec } from '../checker.js';
import { hex, violation } from '../checker.js';

interface Hold {
  readonly mode: string;
  readonly since: number;
}

/** The INV-4 checker (modes with guest_memfd-owned attributes). */
export const inv4: CheckerSpec = {
  id: 'INV-4',
  statement: 'attribute writes hold invalidate_lock for write; a read that leads to a mapping holds it until the folio reference is taken',
  modes: ['rfc-inplace-v8', 'rfc-1g-v2', 'rfc-1g-v1'],
  on: [
    'AttrRead',
    'AttrStored',
    'FaultabilityRead',
    'FaultabilityStored',
    'FolioLocked',
    'HostFaultGotFolio',
    'LockAcquired',
    'LockReleased',
    'OpReturned',
    'OpStarted'
  ],
  create: () => {
    const holders = new Map<string, Map<string, Hold>>();
    const lastRead = new Map<string, { gmem: string; index: number; step: number }>();
    const holdOf = (gmem: string, holder: string): Hold | undefined => holders.get(gmem)?.get(holder);
    return {
      id: 'INV-4',
      check(view, e) {
        if (e.kind !== 'fact') return [];
        switch (e.type) {
          case 'LockAcquired':
            if (e.data['lock'] === 'invalidate') {
              let m = holders.get(e.actor);
              if (m === undefined) holders.set(e.actor, (m = new Map<string, Hold>()));
              m.set(e.data['holder'] as string, { mode: e.data['mode'] as string, since: e.step });
            }
            return [];
          case 'LockReleased':
            if (e.data['lock'] === 'invalidate') holders.get(e.actor)?.delete(e.data['holder'] as string);
            return [];
          case 'AttrRead':
          case 'FaultabilityRead':
            // rfc-1g-v1: the faultability read plays the attribute read's part in the host fault.
            lastRead.set(e.data['by'] as string, { gmem: e.data['gmem'] as string, index: e.data['index'] as number, step: e.step });
            return [];
          case 'FaultabilityStored':
          case 'AttrStored': {
            const by = e.data['by'];
            if (typeof by !== 'string') return [];
            const gmem = e.data['gmem'] as string;
            if (holdOf(gmem, by)?.mode === 'W') return [];
            return [
              violation(
                'INV-4',
                e,
                `${by} stored ${e.type === 'AttrStored' ? 'attributes' : 'faultability'} [${hex(e.data['start'] as number)}, ${hex(e.data['end'] as number)}) of ${gmem} at step ${e.step} without holding invalidate_lock for write`
              )
            ];
          }
          case 'OpStarted':
          case 'OpReturned':
            lastRead.delete(e.data['thread'] as string);
            return [];
          case 'HostFaultGotFolio':
          case 'FolioLocked': {
            // The reference a host fault takes, or the folio a guest fault's kvm_gmem_get_pfn locks.
            const thread = (e.type === 'HostFaultGotFolio' ? e.data['thread'] : e.data['by']) as string;
            const r = lastRead.get(thread);
            if (r === undefined) return [];
            const f = view.folios.get(e.data['folio'] as string);
            if (f === undefined || f.gmem !== r.gmem || r.index < f.base || r.index >= f.base + 2 ** f.order) return [];
            lastRead.delete(thread);
            const h = holdOf(r.gmem, thread);
            if (h !== undefined && h.since <= r.step) return [];
            return [
              violation(
                'INV-4',
                e,
                `${thread} took the folio reference at step ${e.step} for page ${hex(r.index)} of ${r.gmem} whose attribute it read at step ${r.step} without holding invalidate_lock across both`,
                [r.step]
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
