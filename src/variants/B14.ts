/**
 * Variant B14: see `change`.
 */
import { overrideVcpuMode } from '../procedures/prefault.js';
import { defineVariant } from './define.js';

/** Variant B14. */
export const V_B14 = defineVariant({
  id: 'B14',
  name: 'pre-fault silently maps L1 GPAs in SMM / guest mode',
  change:
    "the rejected v2 patch: KVM_PRE_FAULT_MEMORY forces root_mmu and clears HF_SMM_MASK, mapping the GPA in the non-SMM L1 root with as_id 0 memslots instead of the current mode's root (or -EOPNOTSUPP in guest mode)",
  modes: ['upstream-6.8', 'upstream-6.18'],
  breaks: 'INV-17',
  scenario: 'prefault-vcpu-modes',
  patch: {
    paths: {
      // The rejected v2 patch: KVM_PRE_FAULT_MEMORY forces root_mmu and clears HF_SMM_MASK around the map,
      // so it maps the L1 (as_id 0, non-SMM) GPA whatever mode the vCPU is in.
      kvm_arch_vcpu_pre_fault_memory: (original) =>
        function* (range, ctx) {
          const restore = overrideVcpuMode(ctx, 'normal');
          try {
            return yield* original(range, ctx);
          } finally {
            restore();
          }
        }
    }
  }
});
