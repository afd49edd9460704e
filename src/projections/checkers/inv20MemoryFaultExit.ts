/**
 * INV-20 Memory-fault exit semantics (spec §4): a `KVM_EXIT_MEMORY_FAULT` has a
 * 4K-aligned `gpa`, `size` 4096 and `KVM_MEMORY_EXIT_FLAG_PRIVATE` iff the access
 * was private; it happens only for a private/shared mismatch with the attribute
 * the fault read (or a private access without a slot); the fault that exits
 * installs no SPTE.
 */
import type { FactEntry } from '../../events/facts.js';
import { defineChecker, hex, violation } from '../checker.js';
import { indexOfGfn, memslotAt } from '../kvmView.js';
import type { Violation } from '../violation.js';

const PAGE = 4096;
const FLAG_PRIVATE = 1 << 3;

interface State {
  /** vCPU -> attribute its fault read last. */
  readonly lastAttr: Map<string, boolean>;
  /** vCPU -> step an SPTE was installed by its current fault. */
  readonly installed: Map<string, number>;
}

/** An attribute read by a fault (guest_memfd or VM attributes). */
function attrRead(s: State, e: FactEntry<'AttrRead' | 'VmAttrRead'>): [] {
  s.lastAttr.set(e.data.by, e.data.private);
  return [];
}

/** The INV-20 checker. */
export const inv20 = defineChecker({
  id: 'INV-20',
  statement: 'a memory-fault exit reports the faulting 4K page with PRIVATE iff the access was private, only on a mismatch, and maps nothing',
  modes: ['*'],
  init: (): State => ({ lastAttr: new Map(), installed: new Map() }),
  facts: {
    AttrRead: attrRead,
    VmAttrRead: attrRead,
    VcpuFaultStarted: (s, e) => {
      s.installed.delete(e.data.vcpu);
      s.lastAttr.delete(e.data.vcpu);
      return [];
    },
    SptInstalled: (s, e) => {
      s.installed.set(e.data.by, e.step);
      return [];
    },
    MemoryFaultExit: (s, e, view) => {
      const { vcpu, gpa, flags } = e.data;
      const priv = e.data.private;
      const where = `memory-fault exit of ${vcpu} at step ${e.step} (gpa ${hex(gpa)})`;
      const out: Violation[] = [];
      if (gpa % PAGE !== 0) out.push(violation('INV-20', e, `${where}: gpa not 4K-aligned`));
      if (e.data.size !== PAGE) out.push(violation('INV-20', e, `${where}: size ${e.data.size}, expected 4096`));
      if (((flags & FLAG_PRIVATE) !== 0) !== priv)
        out.push(violation('INV-20', e, `${where}: flags ${hex(flags)} disagree with a ${priv ? 'private' : 'shared'} access`));
      const at = s.installed.get(vcpu);
      if (at !== undefined) out.push(violation('INV-20', e, `${where}: the exiting fault installed an SPTE at step ${at}`, [at]));
      const attr = s.lastAttr.get(vcpu);
      // Upstream logs: a memslot without guest_memfd makes a private access exit too (O10 f).
      const anySlot = memslotAt(view.kvm, gpa / PAGE);
      const slot = indexOfGfn(view.kvm, gpa / PAGE) ?? (anySlot !== null && anySlot.gmem !== '' ? anySlot : null);
      // An EHWPOISON exit (O17) is not about intent: the page is poisoned.
      if (slot !== null && attr !== undefined && attr === priv && e.data.errno !== '-EHWPOISON') {
        out.push(violation('INV-20', e, `${where}: the access intent matches the attribute the fault read`));
      }
      if (slot === null && anySlot === null && !priv) out.push(violation('INV-20', e, `${where}: a shared access without a slot is MMIO, not a memory fault`));
      return out;
    }
  }
});
