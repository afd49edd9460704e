/**
 * Owner options of the VM (`struct kvm`): the kernel behaviours that differ
 * between the modelled kernels (modes) and reintroduced bugs (variants). The
 * mode table sets them (`owners.kvm`, `src/modes/`) and a variant's patch may
 * change them; the machines never test a mode or a variant.
 */
import type { GmemFlagSupport } from '../../model/vm.js';

/** Options of the VM owner. */
export type KvmOptions = {
  /**
   * `kvm_arch_post_set_memory_attributes`, head hugepage of the changed range
   * (`arch/x86/kvm/mmu/mmu.c`, O11, F-992b): `'contained'` evaluates its mixed
   * flag only if the hugepage lies wholly inside the memslot (upstream);
   * `'base-in-slot'` whenever its aligned base gfn is inside the memslot,
   * reading `lpage_info` past the memslot's end (variant B5).
   */
  readonly lpageHead: 'contained' | 'base-in-slot';
  /**
   * `KVM_MEMSLOT_GMEM_ONLY` exists (6.18, `virt/kvm/kvm_main.c`): a set-up
   * memslot bound to a guest_memfd with `GUEST_MEMFD_FLAG_MMAP` serves shared
   * faults from the guest_memfd too. (A memslot created at run time gets its
   * flag from `kvm.memslot.create`.)
   */
  readonly gmemOnlyMemslots: boolean;
  /** The flags `kvm_gmem_get_supported_flags` offers `KVM_CREATE_GUEST_MEMFD` (O1, `virt/kvm/guest_memfd.c`). */
  readonly gmemFlags: GmemFlagSupport;
};
