/**
 * The guest_memfd file (`struct file` + `gmem_file`, spec §1.2, O1, O5): its
 * creation, its references and its release. One part of the inode owner.
 *
 * ```
 *   open ── gmem.fput (last reference) ──► dying ── gmem.released (kernel worker) ──► released
 *    └─ gmem.fput (references left) ─┘
 * ```
 *
 * - `open`: the VMM holds the fd (`file_count > 0`); `get_file_active` succeeds.
 * - `dying`: the last `fput` dropped the count to 0; `__fput` is deferred (task
 *   work / `delayed_fput`), so `kvm_gmem_release` runs later on a kernel worker
 *   (an actor of its own: fput-to-zero and `GmemReleased` are separate steps,
 *   spec §7.2); `get_file_active` fails (`kvm_gmem_get_file`).
 * - `released`: `kvm_gmem_release` finished (fact `GmemReleased`).
 *
 * Every state answers `gmem.stat` (fstat) and `gmem.file.active`. Facts:
 * `GmemCreated` at creation, `GmemFilePut`, `GmemReleased`.
 *
 * When `KVM_CREATE_GUEST_MEMFD` fails (the HugeTLB subpool cannot be reserved:
 * `-ENOMEM`, or the size is not hugepage-aligned: `-EINVAL`; fact
 * `GmemCreateFailed`) there is no file: {@link gmemNoFileMachine} stands in for
 * every part but the `invalidate_lock` and answers each request `gmem.error`
 * with `-EBADF`.
 *
 * Kernel: `virt/kvm/guest_memfd.c` (`kvm_gmem_create`, `kvm_gmem_get_file`,
 * `kvm_gmem_release`), `fs/file_table.c` (`fput`, `__fput`).
 */
import { assertEvent, assign, setup } from 'xstate';
import type { ActorPort } from '../../events/actorPort.js';
import { type Delivered, replyTarget } from '../../events/messages.js';
import {
  type GmemError,
  type GmemFileActive,
  type GmemFileState,
  type GmemFput,
  type GmemInbox,
  type GmemReleaseDone,
  type GmemStat,
  respond
} from '../../events/protocol/index.js';
import { typeHint } from '../../model/typeHint.js';
import type { GmemParams, PartInput } from './parts.js';

/** Messages the file part accepts. */
export type FileInbox = GmemStat | GmemFileActive | GmemFput | GmemReleaseDone;

/** Context of the file part. */
export type FileContext = {
  readonly port: ActorPort;
  readonly params: GmemParams;
  /** File references (the VMM's fd). */
  readonly fileRefs: number;
};

/** `fput`: one file reference less (fact `GmemFilePut`, answered `ack`); returns the references left. */
function put(ctx: FileContext, event: Delivered<FileInbox>): number {
  assertEvent(event, 'gmem.fput');
  const fileRefs = ctx.fileRefs - 1;
  ctx.port.record('GmemFilePut', { gmem: ctx.port.id, refs: fileRefs });
  respond(ctx.port, event, { type: 'ack' });
  return fileRefs;
}

/** The file part. */
export const gmemFileMachine = setup({
  types: { context: typeHint<FileContext>(), events: typeHint<Delivered<FileInbox>>(), input: typeHint<PartInput>() },
  actions: {
    /** `kvm_gmem_create` succeeded: fact `GmemCreated` with the flags. */
    announce: ({ context }) => {
      const { port, params } = context;
      const flags = [params.mmap ? 'MMAP' : '', params.initShared ? 'INIT_SHARED' : ''].filter((f) => f !== '').join('|');
      port.record('GmemCreated', { gmem: port.id, pages: params.pages, flags, folioOrder: params.folioOrder });
    },
    /** fstat: size, block size, inode number, flags and the file's lifetime `file`. */
    stat: ({ context, event }, params: { readonly file: GmemFileState }) => {
      assertEvent(event, 'gmem.stat');
      const id = context.port.id;
      respond(context.port, event, {
        type: 'gmem.stat',
        size: context.params.pages * 4096,
        blksize: 4096,
        ino: Number(/\d+$/.exec(id)?.[0] ?? 0) + 1,
        mmap: context.params.mmap,
        initShared: context.params.initShared,
        file: params.file
      });
    },
    /** `get_file_active`: succeeds while the file is open. */
    active: ({ context, event }, params: { readonly ok: boolean }) => {
      assertEvent(event, 'gmem.file.active');
      respond(context.port, event, { type: 'gmem.file.active', ok: params.ok });
    },
    /** `fput` with references left (fact `GmemFilePut`). */
    put: assign(({ context, event }) => ({ fileRefs: put(context, event) })),
    /** The last `fput`: `__fput` is deferred, `kvm_gmem_release` queued to a kernel worker (O5). */
    putLast: assign(({ context, event }) => {
      const fileRefs = put(context, event);
      const id = context.port.id;
      const worker = `kworker-${id}`;
      context.port.spawn('kworker', worker, { program: [{ op: 'gmemRelease', gmem: id }] });
      context.port.send(worker, { type: 'thread.run' });
      return { fileRefs };
    }),
    /** `kvm_gmem_release` finished (fact `GmemReleased`). */
    release: ({ context, event }) => {
      assertEvent(event, 'gmem.released');
      context.port.record('GmemReleased', { gmem: context.port.id });
      respond(context.port, event, { type: 'ack' });
    }
  },
  guards: {
    /** This `fput` drops the last reference. */
    lastReference: ({ context }) => context.fileRefs <= 1
  }
}).createMachine({
  id: 'gmemFile',
  context: ({ input }) => ({ port: input.port, params: input.params, fileRefs: 1 }),
  entry: 'announce',
  initial: 'open',
  states: {
    open: {
      on: {
        'gmem.stat': { actions: { type: 'stat', params: { file: 'open' } } },
        'gmem.file.active': { actions: { type: 'active', params: { ok: true } } },
        'gmem.fput': [{ guard: 'lastReference', target: 'dying', actions: 'putLast' }, { actions: 'put' }]
      }
    },
    dying: {
      on: {
        'gmem.stat': { actions: { type: 'stat', params: { file: 'dying' } } },
        'gmem.file.active': { actions: { type: 'active', params: { ok: false } } },
        'gmem.released': { target: 'released', actions: 'release' }
      }
    },
    released: {
      on: {
        'gmem.stat': { actions: { type: 'stat', params: { file: 'released' } } },
        'gmem.file.active': { actions: { type: 'active', params: { ok: false } } }
      }
    }
  }
});

/** Input of the failed-creation part. */
export type NoFileInput = PartInput & {
  /** Errno of the failed creation. */
  readonly rc: '-ENOMEM' | '-EINVAL';
  /** Free pages of the global HugeTLB pool (the reservation took none). */
  readonly globalFree: number;
};

/** Context of the failed-creation part. */
export type NoFileContext = { readonly port: ActorPort; readonly params: GmemParams; readonly rc: '-ENOMEM' | '-EINVAL'; readonly globalFree: number };

/** Messages the failed-creation part answers: every message of the inode but its lock's. */
export type NoFileInbox = Exclude<GmemInbox, { readonly type: 'lock.acquire' | 'lock.release' }>;

const NO_FILE: GmemError = { type: 'gmem.error', rc: '-EBADF' };

/**
 * A guest_memfd whose creation failed (`failed`: `kvm_gmem_create` returned the
 * error, no file descriptor exists): fact `GmemCreateFailed`; every request is
 * answered `gmem.error` `-EBADF`.
 */
export const gmemNoFileMachine = setup({
  types: { context: typeHint<NoFileContext>(), events: typeHint<Delivered<NoFileInbox>>(), input: typeHint<NoFileInput>() },
  actions: {
    /** Fact `GmemCreateFailed`. */
    announce: ({ context }) => {
      const { port, params } = context;
      port.record('GmemCreateFailed', { gmem: port.id, rc: context.rc, pages: params.pages, folioOrder: params.folioOrder, globalFree: context.globalFree });
    },
    /** There is no file descriptor to operate on. */
    refuse: ({ context, event }) => context.port.send(replyTarget(event), NO_FILE)
  }
}).createMachine({
  id: 'gmemNoFile',
  context: ({ input }) => ({ port: input.port, params: input.params, rc: input.rc, globalFree: input.globalFree }),
  entry: 'announce',
  initial: 'failed',
  states: {
    failed: {
      on: {
        'gmem.stat': { actions: 'refuse' },
        'gmem.file.active': { actions: 'refuse' },
        'gmem.fput': { actions: 'refuse' },
        'gmem.released': { actions: 'refuse' },
        'gmem.bindings': { actions: 'refuse' },
        'gmem.bind': { actions: 'refuse' },
        'gmem.unbind': { actions: 'refuse' },
        'gmem.attr.read': { actions: 'refuse' },
        'gmem.attr.range': { actions: 'refuse' },
        'gmem.attr.store': { actions: 'refuse' },
        'gmem.attr.runs': { actions: 'refuse' },
        'gmem.faultable.read': { actions: 'refuse' },
        'gmem.faultable.store': { actions: 'refuse' },
        'gmem.faultable.runs': { actions: 'refuse' },
        'gmem.filemap.get': { actions: 'refuse' },
        'gmem.filemap.list': { actions: 'refuse' },
        'gmem.filemap.remove': { actions: 'refuse' },
        'gmem.lru.drain': { actions: 'refuse' },
        'gmem.archInvalidate': { actions: 'refuse' },
        'gmem.hugepages': { actions: 'refuse' },
        'gmem.split.subs': { actions: 'refuse' },
        'gmem.split': { actions: 'refuse' },
        'gmem.merge': { actions: 'refuse' },
        'gmem.zeroRange': { actions: 'refuse' },
        'gmem.pool.free': { actions: 'refuse' }
      }
    }
  }
});
