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
import type { FactEntry } from '../../events/facts.js';
import type { LogEntry } from '../../events/logEntry.js';
import { defineChecker, hex, violation } from '../checker.js';
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
function survivors(view: WorldView, e: Pick<LogEntry, 'step' | 'seq'>, thread: string, inv: OpenInvalidation): Violation[] {
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

interface State {
  /** VM attribute stores since the last invalidation end with none left in progress. */
  stored: { start: number; end: number; private: boolean; step: number }[];
  /** Holder of `mmu_lock` for write. */
  mmuWriter: string | null;
  /** Thread -> the guest_memfds whose `invalidate_lock` it holds (read or write). */
  readonly gmemLocks: Map<string, Set<string>>;
  /** Thread -> its invalidations in flight, innermost last. */
  readonly open: Map<string, OpenInvalidation[]>;
}

/** Follows the writer of `mmu_lock` and the `invalidate_lock` holds of guest_memfds. */
function lock(s: State, e: FactEntry<'LockAcquired' | 'LockReleased'>): [] {
  const holder = e.data.holder;
  if (e.data.lock === 'mmu' && e.data.mode === 'W') {
    if (e.type === 'LockAcquired') s.mmuWriter = holder;
    else if (s.mmuWriter === holder) s.mmuWriter = null;
  } else if (e.data.lock === 'invalidate') {
    let held = s.gmemLocks.get(holder);
    if (held === undefined) s.gmemLocks.set(holder, (held = new Set<string>()));
    if (e.type === 'LockAcquired') held.add(e.actor);
    else held.delete(e.actor);
  }
  return [];
}

/** The INV-21 checker. */
export const inv21 = defineChecker({
  id: 'INV-21',
  statement:
    'an attribute change zaps old-attribute SPTEs in every overlapping memslot, shared-only ones included; a guest_memfd invalidation zaps every SPTE of a GMEM_ONLY memslot in its range, shared ones included',
  // rfc-1g-v1 changes attributes with the upstream KVM_SET_MEMORY_ATTRIBUTES (O6) and has vCPUs.
  modes: ['upstream-6.8', 'upstream-6.18', 'rfc-1g-v1'],
  init: (): State => ({ stored: [], mmuWriter: null, gmemLocks: new Map(), open: new Map() }),
  facts: {
    LockAcquired: lock,
    LockReleased: lock,
    InvalidateBegin: (s, e) => {
      if (s.mmuWriter === null) return [];
      const list = s.open.get(s.mmuWriter) ?? [];
      list.push({ began: e.step, gmems: [...(s.gmemLocks.get(s.mmuWriter) ?? [])].sort(), ranges: [] });
      s.open.set(s.mmuWriter, list);
      return [];
    },
    RangeAdded: (s, e) => {
      const inv = s.mmuWriter === null ? undefined : s.open.get(s.mmuWriter)?.at(-1);
      inv?.ranges.push({ start: e.data.start, end: e.data.end });
      return [];
    },
    VmAttrStored: (s, e) => {
      s.stored.push({ start: e.data.start, end: e.data.end, private: e.data.private, step: e.step });
      return [];
    },
    InvalidateEnd: (s, e, view) => {
      const out: Violation[] = [];
      const thread = s.mmuWriter;
      const inv = thread === null ? undefined : s.open.get(thread)?.pop();
      if (thread !== null && inv !== undefined && inv.gmems.length > 0) out.push(...survivors(view, e, thread, inv));
      if (view.kvm.inProgress !== 0 || s.stored.length === 0) return out;
      for (const st of s.stored) {
        for (const spte of view.kvm.sptes.values()) {
          if (spte.step > st.step || spte.private === st.private) continue;
          if (spte.gfn >= st.end || spte.gfn + leafPages(spte.level) <= st.start) continue;
          out.push(
            violation(
              'INV-21',
              e,
              `SPTE ${spte.root}:${hex(spte.gfn)} (${spte.private ? 'private' : 'shared'}, step ${spte.step}) survived the change of [${hex(st.start)}, ${hex(st.end)}) to ${st.private ? 'private' : 'shared'} at step ${st.step}`,
              [spte.step, st.step]
            )
          );
        }
      }
      s.stored = [];
      return out;
    }
  }
});
