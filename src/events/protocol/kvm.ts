/**
 * The VM protocol (`struct kvm`, actor `kvm`, spec §1.6-§1.9, §2): what VMM
 * threads, vCPUs and kernel workers ask the VM, and what it answers. The VM is
 * a composite owner (`src/machines/kvm/`): `slots_lock` (the lock protocol,
 * `lock.ts`), `kvm->srcu`, the memslot set and each memslot's `lpage_info`,
 * the attribute array `mem_attr_array`, `mn_active_invalidate_count`, and the
 * VM's own lifetime (type, users refcount, `vm_dead`, `KVM_CREATE_GUEST_MEMFD`).
 *
 * Replies are flat; lists are parallel arrays (one entry per memslot). Kernel
 * sources: `virt/kvm/kvm_main.c` (memslots, SRCU, mmu-notifier count, VM
 * attributes, refcount), `arch/x86/kvm/mmu/mmu.c` (`lpage_info` mixed flags,
 * `kvm_arch_{pre,post}_set_memory_attributes`), `virt/kvm/guest_memfd.c`
 * (`kvm_gmem_create`, `kvm_gmem_get_supported_flags`).
 */
import type { VmType } from '../../model/env.js';
import type { PlainAck } from './folio.js';
import type { LockInbox } from './lock.js';

// --- kvm->srcu (srcu_read_lock / srcu_read_unlock / synchronize_srcu)

/** `kvm.srcu.lock`: `srcu_read_lock(&kvm->srcu)`; the reply names the read section. */
export type KvmSrcuLock = { readonly type: 'kvm.srcu.lock' };
/** Reply to `kvm.srcu.lock`: the read section (`session`, unique per VM) the caller is in. */
export type KvmSrcuLocked = { readonly type: 'kvm.srcu.locked'; readonly session: number };
/** `kvm.srcu.unlock{session}`: `srcu_read_unlock`; leaving a section the caller is not in is a model error. */
export type KvmSrcuUnlock = { readonly type: 'kvm.srcu.unlock'; readonly session: number };
/** `kvm.srcu.synchronize`: `synchronize_srcu(&kvm->srcu)`; answered once every reader inside at request time left. */
export type KvmSrcuSynchronize = { readonly type: 'kvm.srcu.synchronize' };
/** Reply to `kvm.srcu.synchronize` (also sent later, to a queued waiter). */
export type KvmSrcuSynchronized = { readonly type: 'kvm.srcu.synchronized' };

// --- memslots (kvm->memslots[as_id], struct kvm_memory_slot)

/** `kvm.memslot.lookup{gfn, asId?}`: `gfn_to_memslot` in address space `asId` (default 0); INVALID slots are found too. */
export type KvmMemslotLookup = { readonly type: 'kvm.memslot.lookup'; readonly gfn: number; readonly asId?: number };
/** `kvm.memslot.byId{id, asId?}`: `id_to_memslot` (default address space 0). */
export type KvmMemslotById = { readonly type: 'kvm.memslot.byId'; readonly id: number; readonly asId?: number };
/**
 * Reply to `kvm.memslot.lookup` / `kvm.memslot.byId`: the installed memslot, or
 * `found: false` with neutral fields (`slot: ''`, `gmem: ''`, `sharedLevel: 1`).
 * `slot` is the memslot object's uid; `gmem` the bound guest_memfd actor (`''`:
 * none or unbound); `userspacePage` is `userspace_addr` as a host page number (0 = NULL);
 * `invalid` = `KVM_MEMSLOT_INVALID`, `gmemOnly` = `KVM_MEMSLOT_GMEM_ONLY`.
 */
export type KvmMemslot = {
  readonly type: 'kvm.memslot';
  readonly found: boolean;
  readonly slot: string;
  readonly id: number;
  readonly asId: number;
  readonly baseGfn: number;
  readonly npages: number;
  readonly gmem: string;
  readonly pgoff: number;
  readonly userspacePage: number;
  readonly sharedLevel: number;
  readonly guestMemfd: boolean;
  readonly gmemOnly: boolean;
  readonly invalid: boolean;
};
/**
 * `kvm.memslots.overlapping{start, end, asId?}`: the installed memslots (INVALID
 * ones included) overlapping gfns `[start, end)`, in address space `asId` or in
 * all of them when absent (`kvm_for_each_memslot_in_gfn_range` per address space).
 */
export type KvmMemslotsOverlapping = { readonly type: 'kvm.memslots.overlapping'; readonly start: number; readonly end: number; readonly asId?: number };
/** Reply to `kvm.memslots.overlapping`: parallel lists, ordered by address space then base gfn. */
export type KvmMemslots = {
  readonly type: 'kvm.memslots';
  readonly slots: readonly string[];
  readonly ids: readonly number[];
  readonly asIds: readonly number[];
  readonly baseGfns: readonly number[];
  readonly npages: readonly number[];
  readonly gmems: readonly string[];
  readonly pgoffs: readonly number[];
  readonly userspacePages: readonly number[];
  readonly guestMemfds: readonly boolean[];
  readonly gmemOnlys: readonly boolean[];
};
/** `kvm.memslot.reserveUid{id, asId}`: allocates the new memslot object (its uid names the guest_memfd binding before the slot is visible). */
export type KvmMemslotReserveUid = { readonly type: 'kvm.memslot.reserveUid'; readonly id: number; readonly asId: number };
/** Reply to `kvm.memslot.reserveUid`. */
export type KvmMemslotUid = { readonly type: 'kvm.memslot.uid'; readonly slot: string };
/**
 * `kvm.memslot.create{slot?, id, asId, baseGfn, npages, gmem?, pgoff, userspacePage, sharedLevel?, gmemOnly?}`:
 * `kvm_create_memslot` + `kvm_swap_active_memslots` of `KVM_SET_USER_MEMORY_REGION2` (O2): installs
 * the memslot (uid `slot` if reserved, else a new one); `gmem` `''`/absent = no guest_memfd;
 * `sharedLevel` absent = 1 (4K); `gmemOnly` absent = false. Fact `MemslotCreated`.
 */
export type KvmMemslotCreate = {
  readonly type: 'kvm.memslot.create';
  readonly slot?: string;
  readonly id: number;
  readonly asId: number;
  readonly baseGfn: number;
  readonly npages: number;
  readonly gmem?: string;
  readonly pgoff: number;
  readonly userspacePage: number;
  readonly sharedLevel?: number;
  readonly gmemOnly?: boolean;
};
/** Reply to `kvm.memslot.create`. */
export type KvmMemslotCreated = { readonly type: 'kvm.memslot.created'; readonly slot: string };
/** `kvm.memslot.invalidate{slot}`: `kvm_invalidate_memslot` installs the `KVM_MEMSLOT_INVALID` copy (fact `MemslotInvalidated`). */
export type KvmMemslotInvalidate = { readonly type: 'kvm.memslot.invalidate'; readonly slot: string };
/** `kvm.memslot.remove{slot}`: `kvm_delete_memslot` swaps in the set without it (fact `MemslotDeleted`); wakes `waitValid` waiters. */
export type KvmMemslotRemove = { readonly type: 'kvm.memslot.remove'; readonly slot: string };
/** `kvm.memslot.free{slot}`: `kvm_free_memslot` (kfree of the deleted memslot; fact `MemslotFreed`). */
export type KvmMemslotFree = { readonly type: 'kvm.memslot.free'; readonly slot: string };
/** `kvm.memslot.clearGmem{slot}`: `WRITE_ONCE(slot->gmem.file, NULL)`, also into a freed memslot (fact `MemslotGmemCleared{freed}`). */
export type KvmMemslotClearGmem = { readonly type: 'kvm.memslot.clearGmem'; readonly slot: string };
/**
 * `kvm.memslot.waitValid{gfn, asId?}`: the vCPU re-enters after `RET_PF_RETRY` on an INVALID slot; answered once no
 * INVALID slot covers `gfn` (facts `MemslotWaitValid` / `MemslotValidWoken` when it blocks).
 */
export type KvmMemslotWaitValid = { readonly type: 'kvm.memslot.waitValid'; readonly gfn: number; readonly asId?: number };
/** Reply to `kvm.memslot.waitValid`. */
export type KvmMemslotValid = { readonly type: 'kvm.memslot.valid' };

// --- lpage_info (per memslot, O11)

/** `kvm.lpage.update{slot, start, end}`: `kvm_arch_post_set_memory_attributes` for one memslot: mixed flags of the hugepages of `[start, end)`. */
export type KvmLpageUpdate = { readonly type: 'kvm.lpage.update'; readonly slot: string; readonly start: number; readonly end: number };
/**
 * `kvm.lpage.changing{slot, start, end}`: `kvm_arch_pre_set_memory_attributes` (upstream 9129633d568e): the head and
 * tail hugepages of `[start, end)` that still allow a hugepage (inside the slot, not mixed) and must join the invalidation.
 */
export type KvmLpageChanging = { readonly type: 'kvm.lpage.changing'; readonly slot: string; readonly start: number; readonly end: number };
/** Reply to `kvm.lpage.changing`: gfn ranges `[starts[i], ends[i])`. */
export type KvmLpageChangingRanges = { readonly type: 'kvm.lpage.changing'; readonly starts: readonly number[]; readonly ends: readonly number[] };
/** `kvm.lpage.level{slot, gfn, maxLevel}`: `kvm_mmu_hugepage_adjust`'s `lpage_info` / containment part: the largest level <= `maxLevel`. */
export type KvmLpageLevel = { readonly type: 'kvm.lpage.level'; readonly slot: string; readonly gfn: number; readonly maxLevel: number };
/** Reply to `kvm.lpage.level`: 1 = 4K, 2 = 2M, 3 = 1G. */
export type KvmLpageLevelIs = { readonly type: 'kvm.lpage.level'; readonly level: number };

// --- mem_attr_array (O6)

/** `kvm.attr.read{gfn}`: `kvm_mem_is_private` (lock-free read; fact `VmAttrRead`). */
export type KvmAttrRead = { readonly type: 'kvm.attr.read'; readonly gfn: number };
/** Reply to `kvm.attr.read`. */
export type KvmAttr = { readonly type: 'kvm.attr'; readonly gfn: number; readonly private: boolean };
/** `kvm.attr.uniform{start, end, private}`: `kvm_range_has_memory_attributes` (the no-op check of `KVM_SET_MEMORY_ATTRIBUTES`; fact `VmAttrNoop` when uniform). */
export type KvmAttrUniformQuery = { readonly type: 'kvm.attr.uniform'; readonly start: number; readonly end: number; readonly private: boolean };
/** Reply to `kvm.attr.uniform`. */
export type KvmAttrUniform = { readonly type: 'kvm.attr.uniform'; readonly uniform: boolean };
/** `kvm.attr.reserve{start, end, fail?}`: `xa_reserve` of every gfn; `fail`: the caller's fault injection makes it fail (-ENOMEM, nothing reserved). */
export type KvmAttrReserve = { readonly type: 'kvm.attr.reserve'; readonly start: number; readonly end: number; readonly fail?: boolean };
/** `kvm.attr.store{start, end, private}`: `xa_store` of the new attribute over `[start, end)` (fact `VmAttrStored`). */
export type KvmAttrStore = { readonly type: 'kvm.attr.store'; readonly start: number; readonly end: number; readonly private: boolean };

// --- mn_active_invalidate_count (O8)

/** `kvm.mn.start`: `kvm_mmu_notifier_invalidate_range_start` counts `mn_active_invalidate_count` up. */
export type KvmMnStart = { readonly type: 'kvm.mn.start' };
/** `kvm.mn.end`: `kvm_mmu_notifier_invalidate_range_end` counts it down; at 0 the `kvm.mn.wait` waiters are answered. */
export type KvmMnEnd = { readonly type: 'kvm.mn.end' };
/** `kvm.mn.wait`: `kvm_swap_active_memslots` waits for `mn_active_invalidate_count == 0`. */
export type KvmMnWait = { readonly type: 'kvm.mn.wait' };

// --- the VM itself: type, lifetime, KVM_CREATE_GUEST_MEMFD

/** `kvm.vm.state`: `kvm->arch.vm_type`, `kvm->arch.pre_fault_allowed`, `kvm->vm_dead`. */
export type KvmVmStateQuery = { readonly type: 'kvm.vm.state' };
/** Reply to `kvm.vm.state`: its `type` is the VM type itself (`DEFAULT`, `SW_PROTECTED`, ...), as on the wire since the first logs. */
export type KvmVmState = { readonly type: VmType; readonly preFaultAllowed: boolean; readonly dead: boolean };
/** `kvm.vm.markDead`: `kvm_vm_dead()` / `KVM_BUG_ON` (fact `VmMarkedDead`). */
export type KvmVmMarkDead = { readonly type: 'kvm.vm.markDead' };
/** `kvm.get`: `kvm_get_kvm` (fact `VmRefs`). */
export type KvmGet = { readonly type: 'kvm.get' };
/** `kvm.put`: `kvm_put_kvm` (fact `VmRefs`). */
export type KvmPut = { readonly type: 'kvm.put' };
/**
 * `kvm.gmem.create{pages, flags?}`: `KVM_CREATE_GUEST_MEMFD` (O1): `pages` null = a size that is not a
 * positive multiple of the page size; `flags`: the bit numbers of the requested `GUEST_MEMFD_FLAG_*`.
 * Spawns the guest_memfd actor; the file holds a VM reference (fact `VmRefs`).
 */
export type KvmGmemCreate = { readonly type: 'kvm.gmem.create'; readonly pages: number | null; readonly flags?: readonly number[] };
/** Reply to `kvm.gmem.create`: `rc` `'0'` with the new actor in `gmem`, or `'-EINVAL'` with `gmem: ''`. */
export type KvmGmemCreated = { readonly type: 'kvm.gmem.created'; readonly rc: '0' | '-EINVAL'; readonly gmem: string };

/** Requests the VM serves (besides `lock.acquire` / `lock.release` of `slots_lock`), each with its reply. */
export type KvmRequests = {
  'kvm.srcu.lock': { req: KvmSrcuLock; reply: KvmSrcuLocked };
  'kvm.srcu.unlock': { req: KvmSrcuUnlock; reply: PlainAck };
  'kvm.srcu.synchronize': { req: KvmSrcuSynchronize; reply: KvmSrcuSynchronized };
  'kvm.memslot.lookup': { req: KvmMemslotLookup; reply: KvmMemslot };
  'kvm.memslot.byId': { req: KvmMemslotById; reply: KvmMemslot };
  'kvm.memslots.overlapping': { req: KvmMemslotsOverlapping; reply: KvmMemslots };
  'kvm.memslot.reserveUid': { req: KvmMemslotReserveUid; reply: KvmMemslotUid };
  'kvm.memslot.create': { req: KvmMemslotCreate; reply: KvmMemslotCreated };
  'kvm.memslot.invalidate': { req: KvmMemslotInvalidate; reply: PlainAck };
  'kvm.memslot.remove': { req: KvmMemslotRemove; reply: PlainAck };
  'kvm.memslot.free': { req: KvmMemslotFree; reply: PlainAck };
  'kvm.memslot.clearGmem': { req: KvmMemslotClearGmem; reply: PlainAck };
  'kvm.memslot.waitValid': { req: KvmMemslotWaitValid; reply: KvmMemslotValid };
  'kvm.lpage.update': { req: KvmLpageUpdate; reply: PlainAck };
  'kvm.lpage.changing': { req: KvmLpageChanging; reply: KvmLpageChangingRanges };
  'kvm.lpage.level': { req: KvmLpageLevel; reply: KvmLpageLevelIs };
  'kvm.attr.read': { req: KvmAttrRead; reply: KvmAttr };
  'kvm.attr.uniform': { req: KvmAttrUniformQuery; reply: KvmAttrUniform };
  'kvm.attr.reserve': { req: KvmAttrReserve; reply: PlainAck };
  'kvm.attr.store': { req: KvmAttrStore; reply: PlainAck };
  'kvm.mn.start': { req: KvmMnStart; reply: PlainAck };
  'kvm.mn.end': { req: KvmMnEnd; reply: PlainAck };
  'kvm.mn.wait': { req: KvmMnWait; reply: PlainAck };
  'kvm.vm.state': { req: KvmVmStateQuery; reply: KvmVmState };
  'kvm.vm.markDead': { req: KvmVmMarkDead; reply: PlainAck };
  'kvm.get': { req: KvmGet; reply: PlainAck };
  'kvm.put': { req: KvmPut; reply: PlainAck };
  'kvm.gmem.create': { req: KvmGmemCreate; reply: KvmGmemCreated };
};

/** A VM request (without the lock protocol). */
export type KvmRequest = KvmRequests[keyof KvmRequests]['req'];

/** What `kvm->srcu` accepts. */
export type KvmSrcuInbox = KvmSrcuLock | KvmSrcuUnlock | KvmSrcuSynchronize;
/** What the memslot set (memslots and their `lpage_info`) accepts. */
export type KvmMemslotsInbox =
  | KvmMemslotLookup
  | KvmMemslotById
  | KvmMemslotsOverlapping
  | KvmMemslotReserveUid
  | KvmMemslotCreate
  | KvmMemslotInvalidate
  | KvmMemslotRemove
  | KvmMemslotFree
  | KvmMemslotClearGmem
  | KvmMemslotWaitValid
  | KvmLpageUpdate
  | KvmLpageChanging
  | KvmLpageLevel;
/** What the attribute array accepts. */
export type KvmAttrInbox = KvmAttrRead | KvmAttrUniformQuery | KvmAttrReserve | KvmAttrStore;
/** What the mmu-notifier count accepts. */
export type KvmMnInbox = KvmMnStart | KvmMnEnd | KvmMnWait;
/** What the VM's own lifetime part accepts. */
export type KvmLifetimeInbox = KvmVmStateQuery | KvmVmMarkDead | KvmGet | KvmPut | KvmGmemCreate;

/** Every message the VM accepts: its requests and `slots_lock`'s. */
export type KvmInbox = KvmRequest | LockInbox;
