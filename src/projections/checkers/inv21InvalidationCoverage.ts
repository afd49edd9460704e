/**
 * INV-21 Invalidation coverage for shared-only and GMEM_ONLY slots (spec §4,
 * F-fb6f, S-1G-v2 `kvm_gmem_invalidate_begin_and_zap`, S-GMEM
 * `kvm_gmem_get_invalidate_filter`). Two clauses:
 *
 * 1. An attribute change zaps the SPTEs of the old attribute in every memslot
 *    overlapping the range, including slots without guest_memfd. Checked when
 *    the invalidation around a `VmAttrStored` ends (no invalidation left in
 *    progress): no SPTE over the stored range still has the old attribute.
 * 2. A guest_memfd-originated invalidation (PUNCH_HOLE O4, release O5, memory
 *    failure O17) zaps every SPTE of a GMEM_ONLY slot in its range, shared
 *    ones included: such memory need not be mapped to userspace, so no
 *    mmu-notifier fires for it. Checked when that invalidation ends: no SPTE
 *    installed before it began, in one of the GFN ranges it added, in a
 *    GMEM_ONLY memslot bound to the invalidated guest_memfd, is still present.
 *    GMEM_ONLY memslots exist only in upstream-6.18 (variant B20 breaks this).
 *
 * Clause 2 needs no dedicated fact. The thread that runs an invalidation holds
 * `mmu_lock` for write around `kvm_mmu_invalidate_begin`, each
 * `kvm_mmu_invalidate_range_add` and `kvm_mmu_invalidate_end` (spec O12), so
 * the `LockAcquired`/`LockReleased` facts of the MMU's `mmu` lock say which
 * thread an `InvalidateBegin`, `RangeAdded` or `InvalidateEnd` belongs to, and
 * a begin and end pair per thread (innermost first). An invalidation is
 * guest_memfd-originated when its thread holds the `invalidate_lock` of a
 * guest_memfd (a lock named `invalidate`, recorded by that inode) when it
 * begins: every guest_memfd invalidation runs under it (spec §2 orderings 1, 3,
 * 10; `kvm_gmem_error_folio` takes it shared), while attribute changes (under
 * `slots_lock`) and mmu-notifier invalidations of the upstream modes do not.
 * A log without lock facts leaves clause 2 unchecked.
 */
import type { LogEntry } from '../../events/logEntry.js';
import type { CheckerSpec } from '../checker.js';
import { hex, violation } from '../checker.js';
import { asIdOfRoot, leafPages, memslotAt } from '../kvmView.js';
import type { Violation } from '../violation.js';
import type { WorldView } from '../worldView.js';

/** An invalidation in flight, as its thread's lock facts tell it. */
interface OpenInvalidation {
  /** Step of its `InvalidateBegin`. */
  readonly began: number;
  /** The guest_memfds whose `invalidate_lock` the thread held at begin (empty: not guest_memfd-originated). */
  readonly gmems: readonly string[];
  /** GFN ranges it added. */
  readonly ranges: { readonly start: number; readonly end: number }[];
}

/** Clause 2 at the end of `inv` begun by `thread`: the SPTEs of its GMEM_ONLY slots that survived it. */
function survivors(view: WorldView, e: LogEntry, thread: string, inv: OpenInvalidation): Violation[] {
  const out: Violation[] = [];
  for (const s of view.kvm.sptes.values()) {
    if (s.step >= inv.began) continue;
    const last = s.gfn + leafPages(s.level);
    const r = inv.ranges.find((x) => s.gfn < x.end && last > x.start);
    if (r === undefined) continue;
    const slot = memslotAt(view.kvm, s.gfn, asIdOfRoot(s.root));
    if (slot === null || !slot.gmemOnly || !inv.gmems.includes(slot.gmem)) continue;
    out.push(
      violation(
        'INV-21',
        e,
        `${s.private ? 'private' : 'shared'} SPTE ${s.root}:${hex(s.gfn)} of GMEM_ONLY memslot ${slot.uid} (maps ${s.folio}, installed by ${s.by} at step ${s.step}) survived the ${slot.gmem} invalidation of [${hex(r.start)}, ${hex(r.end)}) that ${thread} began at step ${inv.began}`,
        [s.step, inv.began]
      )
    );
  }
  return out;
}

/** The INV-21 checker. */
export const inv21: CheckerSpec = {
  id: 'INV-21',
  statement:
    'an attribute change zaps old-attribute SPTEs in every overlapping memslot, shared-only ones included; a guest_memfd invalidation zaps every SPTE of a GMEM_ONLY memslot in its range, shared ones included',
  // rfc-1g-v1 changes attributes with the upstream KVM_SET_MEMORY_ATTRIBUTES (O6) and has vCPUs.
  modes: ['upstream-6.8', 'upstream-6.18', 'rfc-1g-v1'],
  on: ['InvalidateBegin', 'InvalidateEnd', 'LockAcquired', 'LockReleased', 'RangeAdded', 'VmAttrStored'],
  create: () => {
    let stored: { start: number; end: number; private: boolean; step: number }[] = [];
    /** Holder of `mmu_lock` for write. */
    let mmuWriter: string | null = null;
    /** Thread -> the guest_memfds whose `invalidate_lock` it holds (read or write). */
    const gmemLocks = new Map<string, Set<string>>();
    /** Thread -> its invalidations in flight, innermost last. */
    const open = new Map<string, OpenInvalidation[]>();
    return {
      id: 'INV-21',
      check(view, e) {
        if (e.kind !== 'fact') return [];
        switch (e.type) {
          case 'LockAcquired':
          case 'LockReleased': {
            const holder = e.data['holder'] as string;
            if (e.data['lock'] === 'mmu' && e.data['mode'] === 'W') {
              if (e.type === 'LockAcquired') mmuWriter = holder;
              else if (mmuWriter === holder) mmuWriter = null;
            } else if (e.data['lock'] === 'invalidate') {
              let held = gmemLocks.get(holder);
              if (held === undefined) gmemLocks.set(holder, (held = new Set<string>()));
              if (e.type === 'LockAcquired') held.add(e.actor);
              else held.delete(e.actor);
            }
            return [];
          }
          case 'InvalidateBegin': {
            if (mmuWriter === null) return [];
            const list = open.get(mmuWriter) ?? [];
            list.push({ began: e.step, gmems: [...(gmemLocks.get(mmuWriter) ?? [])].sort(), ranges: [] });
            open.set(mmuWriter, list);
            return [];
          }
          case 'RangeAdded': {
            const inv = mmuWriter === null ? undefined : open.get(mmuWriter)?.at(-1);
            inv?.ranges.push({ start: e.data['start'] as number, end: e.data['end'] as number });
            return [];
          }
          case 'VmAttrStored':
            stored.push({ start: e.data['start'] as number, end: e.data['end'] as number, private: e.data['private'] === true, step: e.step });
            return [];
          case 'InvalidateEnd': {
            const out: Violation[] = [];
            const thread = mmuWriter;
            const inv = thread === null ? undefined : open.get(thread)?.pop();
            if (thread !== null && inv !== undefined && inv.gmems.length > 0) out.push(...survivors(view, e, thread, inv));
            if (view.kvm.inProgress !== 0 || stored.length === 0) return out;
            for (const st of stored) {
              for (const s of view.kvm.sptes.values()) {
                if (s.step > st.step || s.private === st.private) continue;
                if (s.gfn >= st.end || s.gfn + leafPages(s.level) <= st.start) continue;
                out.push(
                  violation(
                    'INV-21',
                    e,
                    `SPTE ${s.root}:${hex(s.gfn)} (${s.private ? 'private' : 'shared'}, step ${s.step}) survived the change of [${hex(st.start)}, ${hex(st.end)}) to ${st.private ? 'private' : 'shared'} at step ${st.step}`,
                    [s.step, st.step]
                  )
                );
              }
            }
            stored = [];
            return out;
          }
          default:
            return [];
        }
      }
    };
  }
};
