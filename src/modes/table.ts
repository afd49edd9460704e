/**
 * A protocol design as a value: the named kernel paths it runs and the
 * capabilities that decide which owners exist. A mode is one such table; a
 * variant (`src/variants`) is a patch over one, applied once when a run starts.
 */
import type { FolioOptions } from '../machines/folioMachine.js';
import type { GmemOptions } from '../machines/gmem/parts.js';
import type { KvmOptions } from '../machines/kvm/options.js';
import type { KernelPaths } from '../procedures/kernel.js';

/**
 * The owner behaviours a design configures, per owner kind. (The inode's
 * allocator is not here: it follows the file's folio size, see
 * {@link ModeTable.hugetlbAllocator}.)
 */
export type OwnerOptions = {
  readonly folio: FolioOptions;
  readonly gmem: Omit<GmemOptions, 'allocator'>;
  readonly kvm: KvmOptions;
};

/** The owner kinds with options. */
export type OptionOwner = keyof OwnerOptions;

/** The kernel paths a patch may replace or wrap (the op tables are replaced through their entries' paths). */
export type PathName = Exclude<keyof KernelPaths, 'vmmOps' | 'vcpuOps' | 'kworkerOps'>;

/** A protocol design. */
export interface ModeTable {
  /** Mode id, as logs and the command line name it (e.g. `rfc-inplace-v8`). */
  readonly id: string;
  /** One line on the design, for `gmemsim modes`. */
  readonly summary: string;
  /** The named kernel paths. */
  readonly paths: KernelPaths;
  /** The owner behaviours. */
  readonly owners: OwnerOptions;
  /** The guest_memfd can allocate from a HugeTLB subpool (huge folios of a run come from it: RFC 1G). */
  readonly hugetlbAllocator: boolean;
  /** The singleton owners the design has besides the VM, inode, address space and MMU. */
  readonly actors: {
    /** The per-CPU LRU-add batches (the in-place design's conversions check refcounts and drain them). */
    readonly lru: boolean;
    /** The VMM's anonymous memory behind `userspace_addr` (shared pages of the upstream KVM and fd-2022). */
    readonly shm: boolean;
  };
}

/**
 * One change to a kernel path: gets the path the table had and returns the one
 * to run instead. Replacing ignores the original; wrapping calls it with code
 * before and after. Type-checked against the path's signature.
 */
export type PathChange<K extends PathName> = (original: KernelPaths[K]) => KernelPaths[K];

/** Changes to some of a table's kernel paths. */
export type PathPatch = { readonly [K in PathName]?: PathChange<K> };

/** Changes to some owner options: per owner kind, the options that differ. */
export type OwnerPatch = { readonly [K in OptionOwner]?: Partial<OwnerOptions[K]> };

/** A patch over a protocol table: what a variant (or a design built on another) changes. */
export interface ProtocolPatch {
  readonly paths?: PathPatch;
  readonly owners?: OwnerPatch;
}

/** Applies `change` to path `name` of `paths`. */
function applyOne<K extends PathName>(paths: KernelPaths, name: K, change: PathChange<K>): KernelPaths {
  return { ...paths, [name]: change(paths[name]) };
}

/** The table `patch` makes of `table` (a new value; `table` is unchanged). */
export function applyPatch(table: ModeTable, patch: ProtocolPatch): ModeTable {
  let paths = table.paths;
  const changes = patch.paths ?? {};
  for (const name of Object.keys(changes).sort()) {
    if (!isPathName(paths, name)) throw new Error(`patch of mode ${table.id}: no kernel path named ${name}`);
    paths = applyPath(paths, name, changes);
  }
  const o = patch.owners ?? {};
  const owners: OwnerOptions = {
    folio: { ...table.owners.folio, ...o.folio },
    gmem: { ...table.owners.gmem, ...o.gmem },
    kvm: { ...table.owners.kvm, ...o.kvm }
  };
  return { ...table, paths, owners };
}

function isPathName(paths: KernelPaths, name: string): name is PathName {
  return name !== 'vmmOps' && name !== 'vcpuOps' && name !== 'kworkerOps' && Object.prototype.hasOwnProperty.call(paths, name);
}

function applyPath<K extends PathName>(paths: KernelPaths, name: K, changes: PathPatch): KernelPaths {
  const change: PathChange<K> | undefined = changes[name];
  return change === undefined ? paths : applyOne(paths, name, change);
}
