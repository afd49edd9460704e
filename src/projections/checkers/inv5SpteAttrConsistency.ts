/**
 * INV-5 Stage-2 attribute consistency (spec §4): whenever no invalidation
 * covering gfn g is in progress, every present SPTE for g has
 * `spte.private == private(index(g))` (for a leaf: over every gfn it covers), and
 * maps a folio that holds those indices. Checked when an SPTE is installed
 * outside a covering invalidation, when attributes are stored outside one, and
 * when the last invalidation ends (every SPTE).
 */
import type { FactEntry } from '../../events/facts.js';
import type { LogEntry } from '../../events/logEntry.js';
import { defineChecker, hex, violation } from '../checker.js';
import { asIdOfRoot, indexOfGfn, invalidationCovers, leafPages, memslotAt, type SpteView } from '../kvmView.js';
import type { Violation } from '../violation.js';
import type { WorldView } from '../worldView.js';

/**
 * Upstream modes and rfc-1g-v1: the truth is the VM attribute array by gfn; a private SPTE maps
 * the guest_memfd folio of its index, a shared one the `userspace_addr` page
 * (`shm`, non-GMEM_ONLY slot) or the guest_memfd folio (GMEM_ONLY slot).
 */
function upstreamInconsistency(view: WorldView, s: SpteView): string | null {
  const attrs = view.kvm.vmAttrs;
  const pages = leafPages(s.level);
  if (attrs === null) return null;
  if (!attrs.uniform(s.gfn, s.gfn + pages, s.private)) {
    return `is ${s.private ? 'private' : 'shared'} but the VM attributes of gfns [${hex(s.gfn)}, ${hex(s.gfn + pages)}) are not all ${s.private ? 'private' : 'shared'}`;
  }
  const asId = asIdOfRoot(s.root);
  const slot = memslotAt(view.kvm, s.gfn, asId);
  if (slot === null) return `maps gfn ${hex(s.gfn)} outside every memslot of address space ${asId}`;
  if (!s.private && !slot.gmemOnly) {
    const page = slot.userspacePage + (s.gfn - slot.baseGfn);
    if (s.folio !== 'shm' || s.subpage !== page) return `maps ${s.folio}:${s.subpage}, not the userspace page ${hex(page)} of memslot ${slot.uid}`;
    return null;
  }
  if (s.folio === 'shm') return `maps a userspace page although ${s.private ? 'private memory' : 'a GMEM_ONLY slot'} comes from guest_memfd`;
  const f = view.folios.get(s.folio);
  const index = slot.pgoff + (s.gfn - slot.baseGfn);
  if (f !== undefined && (f.gmem !== slot.gmem || f.base + s.subpage !== index || index + pages > f.base + 2 ** f.order)) {
    return `maps folio ${s.folio} [${hex(f.base)}, ${hex(f.base + 2 ** f.order)}) at subpage ${s.subpage}, not index ${hex(index)} of ${slot.gmem}`;
  }
  return null;
}

/** The reason `s` is inconsistent with the attributes and page cache, or null. */
function inconsistency(view: WorldView, s: SpteView, upstream = false): string | null {
  if (upstream) return upstreamInconsistency(view, s);
  const at = indexOfGfn(view.kvm, s.gfn);
  if (at === null) return `maps gfn ${hex(s.gfn)} outside every binding`;
  const attrs = view.attrs.get(at.gmem);
  const pages = leafPages(s.level);
  if (attrs === undefined || at.index + pages > attrs.size) return null;
  if (!attrs.uniform(at.index, at.index + pages, s.private)) {
    return `is ${s.private ? 'private' : 'shared'} but [${hex(at.index)}, ${hex(at.index + pages)}) of ${at.gmem} is not all ${s.private ? 'private' : 'shared'}`;
  }
  const f = view.folios.get(s.folio);
  if (f !== undefined && (f.gmem !== at.gmem || f.base + s.subpage !== at.index || at.index + pages > f.base + 2 ** f.order)) {
    return `maps folio ${s.folio} [${hex(f.base)}, ${hex(f.base + 2 ** f.order)}) at subpage ${s.subpage}, not index ${hex(at.index)}`;
  }
  return null;
}

function judge(view: WorldView, s: SpteView, e: Pick<LogEntry, 'step' | 'seq'>, when: string, upstream = false): Violation[] {
  const why = inconsistency(view, s, upstream);
  if (why === null) return [];
  return [violation('INV-5', e, `SPTE ${s.root}:${hex(s.gfn)} (level ${s.level}, installed by ${s.by} at step ${s.step}) ${why} ${when}`, [s.step])];
}

interface State {
  /** Upstream modes and rfc-1g-v1 (built on the upstream KVM): VM attributes, private from guest_memfd, shared from userspace_addr. */
  readonly upstream: boolean;
}

/** Attributes stored (the ones the mode's truth is made of): every SPTE outside a covering invalidation is judged. */
function stored(s: State, e: FactEntry<'AttrStored' | 'VmAttrStored'>, view: WorldView): Violation[] {
  if ((e.type === 'VmAttrStored') !== s.upstream) return [];
  const kvm = view.kvm;
  const out: Violation[] = [];
  for (const spte of kvm.sptes.values()) {
    if (!invalidationCovers(kvm, spte.gfn))
      out.push(...judge(view, spte, e, `after attributes were stored at step ${e.step} outside an invalidation`, s.upstream));
  }
  return out;
}

/** The INV-5 checker. */
export const inv5 = defineChecker({
  id: 'INV-5',
  statement: 'outside a covering invalidation every SPTE agrees with the attribute and maps the folio of its index',
  modes: ['*'],
  init: (header): State => ({ upstream: header.mode === 'upstream-6.8' || header.mode === 'upstream-6.18' || header.mode === 'rfc-1g-v1' }),
  facts: {
    SptInstalled: (s, e, view) => {
      const kvm = view.kvm;
      const spte = kvm.sptes.get(`${e.data.root}:${e.data.gfn}`);
      if (spte === undefined || invalidationCovers(kvm, spte.gfn)) return [];
      return judge(view, spte, e, `when installed at step ${e.step}`, s.upstream);
    },
    AttrStored: stored,
    VmAttrStored: stored,
    InvalidateEnd: (s, e, view) => {
      const kvm = view.kvm;
      if (kvm.inProgress !== 0) return [];
      const out: Violation[] = [];
      for (const spte of kvm.sptes.values()) out.push(...judge(view, spte, e, `when the invalidation ended at step ${e.step}`, s.upstream));
      return out;
    }
  }
});
