/**
 * fast-check arbitraries for gmemsim workloads: random VMM-thread programs over
 * a small guest_memfd. Generated ops carry no expected outcomes, so only the
 * invariants judge them (an op may legitimately fail, e.g. a conversion with
 * -EAGAIN while a page is pinned).
 */
import fc from 'fast-check';
import type { VmmOpInput } from '../model/ops.js';
import { PAGE_SIZE } from '../model/env.js';
import { type Scenario, scenarioSchema } from '../scenarios/schema.js';

/** Bounds of {@link workloadArbitrary}. */
export interface WorkloadConstraints {
  /** guest_memfd size in pages, at most (default 2). */
  readonly pagesMax?: number;
  /** VMM threads, at most (default 2; at least 1). */
  readonly threadsMax?: number;
  /** Ops per thread, at most (default 3; at least 1). */
  readonly opsMax?: number;
  /** Mode of the generated scenarios (default the schema's default). */
  readonly mode?: Scenario['mode'];
  /** Scenario name (default `generated`). */
  readonly name?: string;
}

function opArbitrary(pages: number): fc.Arbitrary<VmmOpInput> {
  const index = fc.nat({ max: pages - 1 });
  const range = fc.tuple(index, fc.integer({ min: 1, max: pages })).map(([i, n]) => ({ offset: i * PAGE_SIZE, size: Math.min(n, pages - i) * PAGE_SIZE }));
  return fc.oneof(
    fc
      .record({ write: fc.boolean(), index, value: fc.nat({ max: 255 }) })
      .map(({ write, index: i, value }): VmmOpInput => (write ? { op: 'access', index: i, write, value } : { op: 'access', index: i })),
    fc.tuple(range, fc.constantFrom('private' as const, 'shared' as const)).map(([r, to]): VmmOpInput => ({ op: 'convert', ...r, to })),
    fc
      .record({ index, kind: fc.constantFrom('pin' as const, 'get' as const), longterm: fc.boolean() })
      .map((p): VmmOpInput => ({ op: 'pin', index: p.index, pin: 'p', kind: p.kind, longterm: p.kind === 'pin' && p.longterm })),
    fc.record({ index }).map((p): VmmOpInput => ({ op: 'munmap', index: p.index, npages: 1 })),
    range.map((r): VmmOpInput => ({ op: 'punchHole', ...r }))
  );
}

/**
 * Random workloads: 1..threadsMax VMM threads, each 1..opsMax ops (access,
 * convert, pin/GUP, munmap, PUNCH_HOLE; every pin is unpinned at the end of its
 * thread) over a
 * guest_memfd of 1..pagesMax pages. Shrinks towards fewer threads, fewer ops
 * and lower indices (fast-check's own shrinking).
 */
export function workloadArbitrary(constraints: WorkloadConstraints = {}): fc.Arbitrary<Scenario> {
  const pagesMax = Math.max(1, constraints.pagesMax ?? 2);
  const threadsMax = Math.max(1, constraints.threadsMax ?? 2);
  const opsMax = Math.max(1, constraints.opsMax ?? 3);
  return fc.integer({ min: 1, max: pagesMax }).chain((pages) =>
    fc.array(fc.array(opArbitrary(pages), { minLength: 1, maxLength: opsMax }), { minLength: 1, maxLength: threadsMax }).map((threads) => {
      const programs = threads.map((ops, ti) => {
        // Pins get unique names; each is dropped at the end of the thread's program.
        const unpins: VmmOpInput[] = [];
        const out = ops.map((op, oi): VmmOpInput => {
          if (op.op !== 'pin') return op;
          const pin = `p${ti}_${oi}`;
          unpins.push({ op: 'unpin', pin });
          return { ...op, pin };
        });
        return { ops: [...out, ...unpins] };
      });
      return scenarioSchema.parse({
        name: constraints.name ?? 'generated',
        ...(constraints.mode === undefined ? {} : { mode: constraints.mode }),
        gmem: { pages },
        threads: programs
      });
    })
  );
}
