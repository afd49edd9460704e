/**
 * Static rules of the VM (`struct kvm`, spec §1.6, §1.9, O1): GFN space, hugepage
 * sizes, guest_memfd flags a VM type supports, the memslots a run starts with.
 * Kernel: `virt/kvm/kvm_main.c`, `virt/kvm/guest_memfd.c` (`kvm_gmem_get_supported_flags`).
 */
import type { MemslotConfig, ModelEnv, VmType } from './env.js';

/** GFNs the attribute array covers (52-bit guest physical addresses). */
export const GFN_SPACE = 2 ** 40;
/** Pages of a hugepage at `level` (1 = 4K, 2 = 2M, 3 = 1G). */
export function hugeLevelPages(level: number): number {
  return level === 3 ? 262144 : level === 2 ? 512 : 1;
}
/** `GUEST_MEMFD_FLAG_MMAP`. */
export const GUEST_MEMFD_FLAG_MMAP = 1;
/** `GUEST_MEMFD_FLAG_INIT_SHARED`. */
export const GUEST_MEMFD_FLAG_INIT_SHARED = 2;
/** Bound of the lpage update walk (hugepages per level per update). */
export const LPAGE_UPDATE_MAX = 1024;

/** True if the VM type has private memory (`kvm_arch_has_private_mem`). */
export function hasPrivateMem(type: VmType): boolean {
  return type !== 'DEFAULT';
}

/**
 * Which `GUEST_MEMFD_FLAG_*` a kernel knows (the VM owner's `gmemFlags` option): `'none'` (6.8:
 * `KVM_CREATE_GUEST_MEMFD` takes no flags) or `'mmap'` (6.18: `GUEST_MEMFD_FLAG_MMAP`, and
 * `GUEST_MEMFD_FLAG_INIT_SHARED` on a VM without private memory).
 */
export type GmemFlagSupport = 'none' | 'mmap';

/** guest_memfd flags a VM of `type` supports (`kvm_gmem_get_supported_flags`, O1), as a bit mask. */
export function supportedGmemFlags(support: GmemFlagSupport, type: VmType): number {
  if (support === 'none') return 0;
  return GUEST_MEMFD_FLAG_MMAP | (hasPrivateMem(type) ? 0 : GUEST_MEMFD_FLAG_INIT_SHARED);
}

/** The memslots of a run: `env.vm`, or slot 0 bound to `gmem0` as described by `env.binding`. */
export function memslotsOf(env: ModelEnv): readonly MemslotConfig[] {
  if (env.vm !== undefined) return env.vm.memslots;
  const b = env.binding;
  if (b === null) return [];
  return [
    { id: b.slot, asId: 0, baseGfn: b.baseGfn, npages: b.npages, gmem: 'gmem0', pgoff: b.pgoff, userspacePage: 0x40000 + b.slot * 0x40000, sharedLevel: 1 }
  ];
}

/** The VM type of a run. */
export function vmTypeOf(env: ModelEnv): VmType {
  return env.vm?.type ?? (env.initShared && env.gmemMmap === true ? 'DEFAULT' : 'SW_PROTECTED');
}

/** `KVM_MEMORY_ATTRIBUTE_PRIVATE`. */
export const KVM_MEMORY_ATTRIBUTE_PRIVATE = 1 << 3;
/** Highest guest physical address + 1 the model accepts (52-bit). */
export const GPA_LIMIT = 2 ** 52;
/** Memslot ids per address space (`KVM_USER_MEM_SLOTS`). */
export const KVM_USER_MEM_SLOTS = 32764;
