/**
 * The guest_memfd inode (`struct gmem_inode` + its file, spec §1.1, §1.2) as a
 * composite owner: one statechart per kernel object, each in its own file,
 * assembled here with the route that sends each message to its part.
 *
 * | part             | kernel object                                   | file              |
 * | ---------------- | ----------------------------------------------- | ----------------- |
 * | `file`           | `struct file` / `gmem_file`: open, dying, released | `file.ts`      |
 * | `bindings`       | `gmem_file.bindings` (memslots)                 | `bindings.ts`     |
 * | `attributes`     | the attribute maple tree / shareability         | `attributes.ts`   |
 * | `faultability`   | the RFC 1G-v1 faultability xarray               | `faultability.ts` |
 * | `hugetlb`        | the HugeTLB subpool and its hugepages           | `hugetlb.ts`      |
 * | `filemap`        | the page cache (`address_space`)                | `filemap.ts`      |
 * | `invalidateLock` | `mapping->invalidate_lock` (rw_semaphore)       | `../rwLockMachine.ts` |
 *
 * `faultability` exists only with option `privacy: 'faultability'`, `hugetlb`
 * only with `allocator: 'hugetlb'`. Parts are created (and record their
 * creation facts) in the order above: `GmemCreated`, `GmemBound`...,
 * `AttrStored` or `FaultabilityStored`, `SubpoolReserved`.
 *
 * With a HugeTLB allocator the subpool is reserved first; if that fails
 * (`-ENOMEM`, `-EINVAL`) `KVM_CREATE_GUEST_MEMFD` failed and the owner is only
 * the failed file (`gmemNoFileMachine`: fact `GmemCreateFailed`, every request
 * answered `gmem.error` `-EBADF`) and the `invalidate_lock`.
 *
 * The inode never checks who holds the `invalidate_lock` around its other
 * requests: lock discipline is an invariant (INV-4) checked on the log.
 */
import { type Actor, createActor } from 'xstate';
import { eager, type Lazy, lazy, type Part, part as partOf, siblingOf } from '../composite.js';
import type { Message } from '../../events/messages.js';
import type { GmemInbox } from '../../events/protocol/index.js';
import { faultableRuns } from '../../model/faultability.js';
import { reserveSubpool } from '../../model/hugetlb.js';
import { rwLockMachine } from '../rwLockMachine.js';
import { gmemAttributesMachine } from './attributes.js';
import { type GmemBinding, gmemBindingsMachine } from './bindings.js';
import { gmemFaultabilityMachine } from './faultability.js';
import { gmemFileMachine, gmemNoFileMachine } from './file.js';
import { gmemFilemapMachine } from './filemap.js';
import { gmemHugetlbMachine } from './hugetlb.js';
import type { PartInput } from './parts.js';

/** Names of the inode's parts. */
export type GmemPartName = 'file' | 'bindings' | 'attributes' | 'faultability' | 'hugetlb' | 'filemap' | 'invalidateLock';

/** One started part (the shape of the runtime's `OwnerPart`). */
export type GmemPart = Part<GmemPartName>;

/** The inode's parts and its route (for `compositeOwner`). */
export type GmemInode = {
  readonly parts: readonly GmemPart[];
  /** The part that owns a message (undefined: none; a part this inode lacks is a model error of the runtime). */
  readonly route: (msg: Message) => GmemPartName | undefined;
};

/** Input of the inode: the parts' common input and the set-up memslot bindings. */
export type GmemInodeInput = PartInput & { readonly bindings: readonly GmemBinding[] };

/** The part that owns each message of the inode's protocol. */
const ROUTE: { readonly [T in GmemInbox['type']]: GmemPartName } = {
  'lock.acquire': 'invalidateLock',
  'lock.release': 'invalidateLock',
  'gmem.stat': 'file',
  'gmem.file.active': 'file',
  'gmem.fput': 'file',
  'gmem.released': 'file',
  'gmem.bindings': 'bindings',
  'gmem.bind': 'bindings',
  'gmem.unbind': 'bindings',
  'gmem.attr.read': 'attributes',
  'gmem.attr.range': 'attributes',
  'gmem.attr.store': 'attributes',
  'gmem.attr.runs': 'attributes',
  'gmem.faultable.read': 'faultability',
  'gmem.faultable.store': 'faultability',
  'gmem.faultable.runs': 'faultability',
  'gmem.filemap.get': 'filemap',
  'gmem.filemap.list': 'filemap',
  'gmem.filemap.remove': 'filemap',
  'gmem.lru.drain': 'filemap',
  'gmem.archInvalidate': 'filemap',
  'gmem.hugepages': 'hugetlb',
  'gmem.split.subs': 'hugetlb',
  'gmem.split': 'hugetlb',
  'gmem.merge': 'hugetlb',
  'gmem.zeroRange': 'hugetlb',
  'gmem.pool.free': 'hugetlb'
};

const ROUTES: ReadonlyMap<string, GmemPartName> = new Map(Object.entries(ROUTE));

/** Routes every message to its part. */
function route(msg: Message): GmemPartName | undefined {
  return ROUTES.get(msg.type);
}

/** Routes the lock's messages to the lock, everything else to the failed file. */
function routeNoFile(msg: Message): GmemPartName {
  return msg.type === 'lock.acquire' || msg.type === 'lock.release' ? 'invalidateLock' : 'file';
}

/**
 * Creates and starts the parts of a guest_memfd inode (`kvm_gmem_create`),
 * recording their creation facts. The caller wraps them in a composite owner.
 */
export function gmemInode(input: GmemInodeInput): GmemInode {
  const { port, params, options } = input;
  const part = { port, params, options };
  const nr = 2 ** params.folioOrder;
  const reservation = options.allocator === 'hugetlb' ? reserveSubpool(params.pages, nr, params.hugePoolPages ?? Math.ceil(params.pages / nr)) : null;
  if (reservation !== null && !reservation.ok) {
    const noFile = eager(createActor(gmemNoFileMachine, { input: { ...part, rc: reservation.rc, globalFree: reservation.globalFree } }).start());
    const lock = lazy(() => createActor(rwLockMachine, { input: { port, name: 'invalidate' } }).start());
    return {
      parts: [partOf('file', gmemNoFileMachine, noFile), partOf('invalidateLock', rwLockMachine, lock)],
      route: routeNoFile
    };
  }
  const file = createActor(gmemFileMachine, { input: part }).start();
  const bindings = createActor(gmemBindingsMachine, {
    input: { ...part, bindings: input.bindings, fileOpen: () => file.getSnapshot().matches('open') }
  }).start();
  const attributes = createActor(gmemAttributesMachine, { input: part }).start();
  const faultability = options.privacy === 'faultability' ? createActor(gmemFaultabilityMachine, { input: part }).start() : null;
  // The page cache is created last; the HugeTLB part reaches it only when a message arrives.
  const hugetlb: Actor<typeof gmemHugetlbMachine> | null =
    reservation === null
      ? null
      : createActor(gmemHugetlbMachine, {
          input: {
            ...part,
            subpool: reservation.subpool,
            globalFree: reservation.globalFree,
            // The page cache is created after this part (it reads it): reached through a closure.
            filemap: { read: () => siblingOf(filemapActor).read(), send: (ev) => siblingOf(filemapActor).send(ev) }
          }
        }).start();
  const anyShared: (start: number, end: number) => boolean =
    faultability !== null
      ? (start, end) => faultableRuns(faultability.getSnapshot().context.xarray, start, end).faultable.includes(true)
      : (start, end) => attributes.getSnapshot().context.attrs.find(start, end, false) >= 0;
  // The page cache and the lock record nothing at creation.
  const createFilemap = (): Actor<typeof gmemFilemapMachine> =>
    createActor(gmemFilemapMachine, {
      input: {
        ...part,
        hugetlb: hugetlb === null ? null : siblingOf(hugetlb),
        attributes: siblingOf(attributes),
        anyShared
      }
    }).start();
  // The HugeTLB part reaches the page cache from its actions: then it starts now (an actor must not be created
  // inside another's action); otherwise at its first message.
  const filemapActor: Lazy<Actor<typeof gmemFilemapMachine>> = hugetlb === null ? lazy(createFilemap) : eager(createFilemap());
  const lock = lazy(() => createActor(rwLockMachine, { input: { port, name: 'invalidate' } }).start());
  const parts: GmemPart[] = [
    partOf('file', gmemFileMachine, eager(file)),
    partOf('bindings', gmemBindingsMachine, eager(bindings)),
    partOf('attributes', gmemAttributesMachine, eager(attributes))
  ];
  if (faultability !== null) parts.push(partOf('faultability', gmemFaultabilityMachine, eager(faultability)));
  if (hugetlb !== null) parts.push(partOf('hugetlb', gmemHugetlbMachine, eager(hugetlb)));
  parts.push(partOf('filemap', gmemFilemapMachine, filemapActor), partOf('invalidateLock', rwLockMachine, lock));
  return { parts, route };
}
