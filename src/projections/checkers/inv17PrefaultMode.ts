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
import type { CheckerSpec } from '../checker.js';
import { violation } from '../checker.js';
import type { Violation } from '../violation.js';

interface VcpuState {
  mode: VcpuMode;
  /** Root loaded by the last successful `kvm_mmu_reload` since the last mode change, or null. */
  loaded: string | null;
  inPrefault: boolean;
}

/** The INV-17 checker. */
export const inv17: CheckerSpec = {
  id: 'INV-17',
  statement: "KVM_PRE_FAULT_MEMORY maps only in the loaded root of the vCPU's current mode, and fails (-EOPNOTSUPP) in guest mode",
  modes: ['*'],
  on: ['MmuRootLoaded', 'PrefaultMapped', 'PrefaultReturned', 'PrefaultStarted', 'SptInstalled', 'VcpuModeChanged'],
  create: () => {
    const vcpus = new Map<string, VcpuState>();
    const state = (v: string): VcpuState => {
      let s = vcpus.get(v);
      if (s === undefined) vcpus.set(v, (s = { mode: 'normal', loaded: null, inPrefault: false }));
      return s;
    };
    const judge = (e: LogEntry, vcpu: string, root: string, what: string): Violation[] => {
      const s = state(vcpu);
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
    };
    return {
      id: 'INV-17',
      check(_view, e) {
        if (e.kind !== 'fact') return [];
        const d = e.data;
        switch (e.type) {
          case 'VcpuModeChanged': {
            const s = state(d['vcpu'] as string);
            s.mode = d['mode'] as VcpuMode;
            s.loaded = null;
            return [];
          }
          case 'MmuRootLoaded':
            state(d['vcpu'] as string).loaded = d['ok'] === true ? (d['root'] as string) : null;
            return [];
          case 'PrefaultStarted':
            state(d['vcpu'] as string).inPrefault = true;
            return [];
          case 'PrefaultMapped':
            return judge(e, d['vcpu'] as string, d['root'] as string, 'pre-fault mapping');
          case 'SptInstalled': {
            const vcpu = d['by'] as string;
            if (!state(vcpu).inPrefault) return [];
            return judge(e, vcpu, d['root'] as string, 'SPTE installed by a pre-fault');
          }
          case 'PrefaultReturned': {
            const vcpu = d['vcpu'] as string;
            const s = state(vcpu);
            s.inPrefault = false;
            if (s.mode === 'guest' && d['rc'] === '0')
              return [violation('INV-17', e, `KVM_PRE_FAULT_MEMORY of ${vcpu} returned 0 at step ${e.step} in guest mode (expected -EOPNOTSUPP)`)];
            return [];
          }
          default:
            return [];
        }
      }
    };
  }
};
