/**
 * Host userspace memory behind memslots' `userspace_addr` (spec §1.4 "shared
 * memory not from guest_memfd", O8, O10 f): the upstream modes' second source of
 * backing, a different physical page from the private guest_memfd one. One
 * actor (`shm`) holds every anonymous page of the VMM, keyed by host page number
 * (hva >> 12); a page is zero until written and zero again after
 * `MADV_DONTNEED` / munmap.
 *
 * ```
 *   page: absent (reads 0) ── write ──► present(value) ── shm.zap ──► absent
 * ```
 *
 * Requests: `shm.gup{page}` -> `shm.page{page}` (`__kvm_faultin_pfn` / GUP of the
 * hva), `folio.access{subpage = page, write, value}` -> `folio.accessed{value}`
 * (a guest access through a shared SPTE, forwarded by the MMU, or a VMM access),
 * `shm.zap{start, end}` -> `ack`. SPTEs to these pages hold no reference; they
 * are removed by mmu-notifier invalidations (O8).
 */
import { assign, setup } from 'xstate';
import { type Delivered, replyTarget } from '../events/messages.js';
import type { ModelEnv } from '../model/env.js';
import type { ActorPort } from '../events/actorPort.js';

/** Context of the userspace memory. */
export interface ShmContext {
  readonly port: ActorPort;
  readonly env: ModelEnv;
  /** Host page -> value (absent = never written since the last zap). */
  readonly pages: ReadonlyMap<number, number>;
}

/** Input of the userspace memory. */
export interface ShmInput {
  readonly port: ActorPort;
  readonly env: ModelEnv;
}

function onRequest(ctx: ShmContext, m: Delivered): Partial<ShmContext> {
  const to = replyTarget(m);
  switch (m.type) {
    case 'shm.gup':
      ctx.port.send(to, { type: 'shm.page', page: m['page'] as number });
      return {};
    case 'folio.access': {
      const page = m['subpage'] as number;
      if (m['write'] === true) {
        const pages = new Map(ctx.pages);
        pages.set(page, m['value'] as number);
        ctx.port.send(to, { type: 'folio.accessed', value: m['value'] as number });
        return { pages };
      }
      ctx.port.send(to, { type: 'folio.accessed', value: ctx.pages.get(page) ?? 0 });
      return {};
    }
    case 'shm.zap': {
      const start = m['start'] as number;
      const end = m['end'] as number;
      const pages = new Map([...ctx.pages].filter(([p]) => p < start || p >= end));
      ctx.port.record('ShmPageZapped', { start, end });
      ctx.port.send(to, { type: 'ack' });
      return { pages };
    }
    default:
      throw new Error(`${ctx.port.id}: unexpected message ${m.type} from ${m.from}`);
  }
}

/** The userspace-memory machine. */
export const shmemMachine = setup({
  types: { context: {} as ShmContext, events: {} as Delivered, input: {} as ShmInput },
  actions: { serve: assign(({ context, event }) => onRequest(context, event)) }
}).createMachine({
  id: 'shmem',
  context: ({ input }) => ({ port: input.port, env: input.env, pages: new Map() }),
  on: { '*': { actions: 'serve' } }
});
