/**
 * INV-17 Pre-fault mode correctness (spec §4, O13, B9, B14): KVM_PRE_FAULT_MEMORY
 * installs mappings only in the root of the vCPU's current mode (normal, SMM:
 * `-smm` roots), never while the vCPU is in guest mode with nested TDP (the call
 * must fail with -EOPNOTSUPP), and never through a root that `kvm_mmu_reload`
 * failed to load (`invalid`).
 *
 * Per vCPU it folds `VcpuModeChanged` (mode; the root is unloaded), `MmuRootLoaded`
 * (root valid or not) and the pre-fault window `PrefaultStarted` ..
 * `PrefaultReturned`; it checks `PrefaultMapped` and the `SptInstalled` of a vCPU
 * inside that window, and the rc of a call made in guest mode.
 */
import type { LogEntry } from '../../events/logEntry.js';
import { modeRoot, type VcpuMode } from '../../model/mmuRoots.js';
import { defineChecker, violation } from '../checker.js';
import type { Violation } from '../violation.js';

interface VcpuState {
  mode: VcpuMode;
  /** Root loaded by the last successful `kvm_mmu_reload` since the last mode change, or null. */
  loaded: string | null;
  inPrefault: boolean;
}

/** The state of `v` (normal mode, nothing loaded, until its facts say otherwise). */
function state(vcpus: Map<string, VcpuState>, v: string): VcpuState {
  let s = vcpus.get(v);
  if (s === undefined) vcpus.set(v, (s = { mode: 'normal', loaded: null, inPrefault: false }));
  return s;
}

/** A mapping by a pre-fault of `vcpu` in `root`: only in the loaded root of its mode, never in guest mode. */
function judge(vcpus: Map<string, VcpuState>, e: Pick<LogEntry, 'step' | 'seq'>, vcpu: string, root: string, what: string): Violation[] {
  const s = state(vcpus, vcpu);
  const allowed = [modeRoot(s.mode, false), modeRoot(s.mode, true)];
  if (s.mode === 'guest')
    return [
      violation('INV-17', e, `${what} by ${vcpu} in root ${root} at step ${e.step} while in guest mode (nested TDP is not the direct TDP MMU: -EOPNOTSUPP)`)
    ];
  if (!allowed.includes(root))
    return [violation('INV-17', e, `${what} by ${vcpu} in root ${root} at step ${e.step}, but its ${s.mode} mode uses ${allowed.join('/')}`)];
  if (s.loaded !== modeRoot(s.mode, false))
    return [violation('INV-17', e, `${what} by ${vcpu} at step ${e.step} through a root kvm_mmu_reload did not load (${s.loaded ?? 'INVALID_PAGE'})`)];
  return [];
}

/** The INV-17 checker. */
export const inv17 = defineChecker({
  id: 'INV-17',
  statement: "KVM_PRE_FAULT_MEMORY maps only in the loaded root of the vCPU's current mode, and fails (-EOPNOTSUPP) in guest mode",
  modes: ['*'],
  /** vCPU -> its mode, loaded root and pre-fault window. */
  init: () => new Map<string, VcpuState>(),
  facts: {
    VcpuModeChanged: (vcpus, e) => {
      const s = state(vcpus, e.data.vcpu);
      s.mode = e.data.mode;
      s.loaded = null;
      return [];
    },
    MmuRootLoaded: (vcpus, e) => {
      state(vcpus, e.data.vcpu).loaded = e.data.ok ? e.data.root : null;
      return [];
    },
    PrefaultStarted: (vcpus, e) => {
      state(vcpus, e.data.vcpu).inPrefault = true;
      return [];
    },
    PrefaultMapped: (vcpus, e) => judge(vcpus, e, e.data.vcpu, e.data.root, 'pre-fault mapping'),
    SptInstalled: (vcpus, e) => {
      const vcpu = e.data.by;
      if (!state(vcpus, vcpu).inPrefault) return [];
      return judge(vcpus, e, vcpu, e.data.root, 'SPTE installed by a pre-fault');
    },
    PrefaultReturned: (vcpus, e) => {
      const vcpu = e.data.vcpu;
      const s = state(vcpus, vcpu);
      s.inPrefault = false;
      if (s.mode === 'guest' && e.data.rc === '0')
        return [violation('INV-17', e, `KVM_PRE_FAULT_MEMORY of ${vcpu} returned 0 at step ${e.step} in guest mode (expected -EOPNOTSUPP)`)];
      return [];
    }
  }
});
