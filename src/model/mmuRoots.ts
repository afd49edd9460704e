/**
 * The KVM TDP MMU roots a vCPU uses (spec §1.8; `arch/x86/kvm/mmu/tdp_mmu.c`,
 * `kvm_tdp_mmu_get_vcpu_root_hpa`): one per address space and mode. Static
 * naming rules shared by the MMU owner, the fault paths and the checkers.
 */

/** Root of shared (direct) SPTEs. */
export const ROOT_SHARED = 'direct';
/** Root of private SPTEs (x86 TDX: the mirror root of the S-EPT). */
export const ROOT_PRIVATE = 'mirror';

/** The root a private or shared access uses. */
export function rootFor(isPrivate: boolean): string {
  return isPrivate ? ROOT_PRIVATE : ROOT_SHARED;
}

/** vCPU modes (spec §1.9): normal, SMM, or guest mode (L2 with nested TDP). */
export type VcpuMode = 'normal' | 'smm' | 'guest';

/**
 * The TDP root a vCPU in `mode` uses for a private or shared access (spec §1.8,
 * S-SEED2): one root per {!SMM, SMM} x guest_mode minus SMM+guest_mode, at one
 * paging depth (4-level; the 5-level roots behave the same and are not modelled).
 * Normal mode keeps the historic names `direct` / `mirror`; SMM appends `-smm`,
 * guest mode `-l2` (the nested-TDP root, a shadow MMU: not the direct TDP MMU).
 */
export function modeRoot(mode: VcpuMode, isPrivate: boolean): string {
  const base = rootFor(isPrivate);
  return mode === 'normal' ? base : mode === 'smm' ? `${base}-smm` : `${base}-l2`;
}
