/**
 * Variant B9: see `change`.
 */
import { INVALID_ROOT } from '../procedures/prefault.js';
import { defineVariant } from './define.js';

/** Variant B9. */
export const V_B9 = defineVariant({
  id: 'B9',
  name: 'pre-fault uses an unloaded MMU root',
  change: 'kvm_arch_vcpu_pre_fault_memory ignores the result of kvm_mmu_reload(): after a failed root allocation it maps through the invalid root (F-28ce)',
  modes: ['upstream-6.8', 'upstream-6.18'],
  breaks: 'INV-17',
  scenario: 'prefault-root-alloc-failure',
  patch: {
    paths: {
      // kvm_arch_vcpu_pre_fault_memory before F-28ce ignores kvm_mmu_reload()'s error: the root stays INVALID_PAGE.
      kvm_mmu_reload: (original) =>
        function* (mode, ctx) {
          return (yield* original(mode, ctx)) ?? INVALID_ROOT;
        }
    }
  }
});
