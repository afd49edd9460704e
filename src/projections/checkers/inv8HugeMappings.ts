/**
 * INV-8 Huge mappings only over uniform, contained ranges (spec §4, O11,
 * F-992b): an SPTE above 4K covers gfns with one attribute, lies inside one
 * memslot, and (private or guest_memfd-backed) maps a folio that contains the
 * whole hugepage; and the mixed-attribute tracking reads `lpage_info` only for
 * hugepages the memslot contains (`LpageInfoRead{contained: false}` is the
 * out-of-bounds read of B5).
 */
import { defineChecker, hex, violation } from '../checker.js';
import { leafPages } from '../kvmView.js';
import type { Violation } from '../violation.js';

/** The INV-8 checker. */
export const inv8 = defineChecker({
  id: 'INV-8',
  statement: 'huge SPTEs only over uniform attributes, inside one memslot, within the backing folio; lpage_info read only for contained hugepages',
  modes: ['*'],
  // The VM attribute array is the truth only where the VM owns attributes; in the guest_memfd-attribute
  // modes INV-5 compares SPTEs with the guest_memfd attributes.
  init: (header) => ({ vmAttrsAreTruth: header.mode === 'upstream-6.8' || header.mode === 'upstream-6.18' || header.mode === 'rfc-1g-v1' }),
  facts: {
    LpageInfoRead: (_s, e) => {
      if (e.data.contained) return [];
      const { base, level } = e.data;
      return [
        violation(
          'INV-8',
          e,
          `lpage_info of the level-${level} hugepage at gfn ${hex(base)} read at step ${e.step} although memslot ${e.data.slot} does not contain it (out-of-bounds)`
        )
      ];
    },
    SptInstalled: (s, e, view) => {
      const level = e.data.level;
      if (level <= 1) return [];
      const gfn = e.data.gfn;
      const n = leafPages(level);
      const priv = e.data.private;
      const where = `level-${level} SPTE at gfn ${hex(gfn)} installed at step ${e.step}`;
      const out: Violation[] = [];
      const attrs = view.kvm.vmAttrs;
      if (s.vmAttrsAreTruth && attrs !== null && !attrs.uniform(gfn, gfn + n, priv))
        out.push(violation('INV-8', e, `${where} covers gfns whose attributes are not all ${priv ? 'private' : 'shared'}`));
      const inOne = [...view.kvm.memslots.values()].some((m) => !m.deleted && gfn >= m.baseGfn && gfn + n <= m.baseGfn + m.npages);
      if (view.kvm.memslots.size > 0 && !inOne) out.push(violation('INV-8', e, `${where} is not contained in one memslot`));
      const f = view.folios.get(e.data.pfn);
      const sub = e.data.subpage;
      if (f !== undefined && (sub + n > 2 ** f.order || sub < 0))
        out.push(violation('INV-8', e, `${where} is larger than its folio ${e.data.pfn} (order ${f.order})`));
      return out;
    }
  }
});
