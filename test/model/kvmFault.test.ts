/**
 * The KVM stage-2 fault path (O10-O12): the MMU's stale checks, SPTE level
 * selection, retries when an invalidation overlaps, no reference held by SPTEs,
 * TLB-flush ordering of guest accesses before zaps, and variant B15.
 */
import { recordingPort } from '../helpers/port.js';
import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/events/messages.js';
import { mmuParts, routeMmu } from '../../src/machines/mmu/mmu.js';
import { findVariant } from '../../src/variants/index.js';
import { runSchedule } from '../../src/run/runner.js';
import { compositeOwner } from '../../src/runtime/owner.js';
import { findScenario } from '../../src/scenarios/builtins.js';
import { scenarioSchema } from '../../src/scenarios/schema.js';
import { facts, record } from '../helpers/run.js';

const BASE_GFN = 0x100000;

/** The MMU owner alone, driven by hand: what it sent and recorded, and the state of each part. */
function mmu() {
  const { port, sent, recorded } = recordingPort('mmu');
  const owner = compositeOwner('mmu', mmuParts({ port }), routeMmu);
  const send = (from: string, msg: Message): Message | undefined => {
    const before = sent.length;
    owner.deliver({ ...msg, from }, undefined);
    return sent[before]?.msg;
  };
  /** Part name -> its state value. */
  const state = (): Record<string, unknown> => Object.fromEntries(owner.parts().map((p) => [p.name, p.ref.getSnapshot().value]));
  return { owner, sent, recorded, send, state };
}

describe('MMU stale checks (mmu_invalidate_retry_gfn, O10 step 4)', () => {
  it('retries while an in-progress invalidation covers the gfn, and after the seq moved', () => {
    const m = mmu();
    expect(m.send('vcpu0', { type: 'mmu.seq' })).toEqual({ type: 'mmu.seq', seq: 0 });
    const check = (locked: boolean, gfn = BASE_GFN, seq = 0) => m.send('vcpu0', { type: 'mmu.staleCheck', gfn, seq, locked })?.['ok'];
    expect(check(true)).toBe(true);
    m.send('t0', { type: 'mmu.invalidate.begin' });
    // Range still INVALID: the locked check retries (KVM bug WARN path), the unsafe one may not.
    expect(check(true)).toBe(false);
    expect(check(false)).toBe(true);
    m.send('t0', { type: 'mmu.invalidate.rangeAdd', start: BASE_GFN, end: BASE_GFN + 1 });
    expect(check(true)).toBe(false);
    expect(check(false)).toBe(false);
    expect(check(true, BASE_GFN + 2)).toBe(true);
    m.send('t0', { type: 'mmu.invalidate.end' });
    expect(check(true)).toBe(false);
    expect(check(true, BASE_GFN + 2)).toBe(false);
    expect(check(true, BASE_GFN, 1)).toBe(true);
    const stale = m.recorded.filter((r) => r.type === 'StaleCheck');
    expect(stale[1]?.data).toMatchObject({ vcpu: 'vcpu0', locked: true, ok: false, inProgress: 1 });
  });

  it('a zap waits for the guest access in flight through the zapped SPTE (TLB flush)', () => {
    const m = mmu();
    m.send('vcpu0', { type: 'mmu.install', root: 'mirror', gfn: BASE_GFN, level: 1, private: true, pfn: 'gmem0/f1', subpage: 0 });
    expect(m.recorded.at(-1)).toEqual({
      type: 'SptInstalled',
      data: { root: 'mirror', gfn: BASE_GFN, level: 1, private: true, pfn: 'gmem0/f1', subpage: 0, by: 'vcpu0' }
    });
    expect(m.send('vcpu0', { type: 'mmu.access', root: 'mirror', gfn: BASE_GFN, write: true, value: 9 })).toMatchObject({
      type: 'folio.access',
      subpage: 0,
      write: true,
      value: 9
    });
    expect(m.sent.at(-1)?.to).toBe('gmem0/f1');
    // The zap removes the SPTE at once but acknowledges only after the access completed.
    expect(m.send('t0', { type: 'mmu.zap', start: BASE_GFN, end: BASE_GFN + 1, filter: 'both' })).toBeUndefined();
    expect(m.state()).toMatchObject({ tlb: 'flushing' });
    expect(m.send('vcpu0', { type: 'mmu.access', root: 'mirror', gfn: BASE_GFN, write: false })).toEqual({ type: 'mmu.notPresent', gfn: BASE_GFN });
    m.send('gmem0/f1', { type: 'folio.accessed', folio: 'gmem0/f1', base: 0, order: 0, value: 9 });
    expect(m.sent.slice(-2)).toEqual([
      { to: 'vcpu0', msg: { type: 'folio.accessed', folio: 'gmem0/f1', value: 9 } },
      { to: 't0', msg: { type: 'ack', zapped: 1 } }
    ]);
    expect(m.state()).toMatchObject({ tlb: 'idle' });
  });
});

describe('fault path in runs', () => {
  it('retries when an invalidation overlaps: a failed locked or unsafe StaleCheck is followed by a new fault round', () => {
    let witnessed = 0;
    for (let seed = 0; seed < 200 && witnessed < 3; seed++) {
      const run = record('guest-private-vs-convert-shared', seed);
      expect(run.result.violations).toEqual([]);
      const failed = facts(run, 'StaleCheck').filter((e) => e.data['ok'] === false);
      for (const f of failed) {
        witnessed++;
        const vcpu = f.data['vcpu'];
        // No SPTE from that round; the fault starts over with a fresh snapshot (or exits on the new attribute).
        const next = run.entries.find(
          (e) => e.seq > f.seq && e.kind === 'fact' && e.data['vcpu'] === vcpu && ['VcpuFaultStarted', 'SptInstalled'].includes(e.type)
        );
        expect(next?.type).toBe('VcpuFaultStarted');
        expect((next?.data['seq'] as number) >= (f.data['seq'] as number)).toBe(true);
      }
    }
    expect(witnessed).toBeGreaterThan(0);
  });

  it('SPTEs hold no folio reference: after the fault the folio holds only its page-cache reference', () => {
    const run = record('guest-map-gpa-range', 7);
    expect(run.result.violations).toEqual([]);
    const refs = facts(run, 'FolioRef').filter((e) => e.data['why'] === 'kvm-pfn');
    expect(refs.reduce((a, e) => a + (e.data['delta'] as number), 0)).toBe(0);
    expect(facts(run, 'GmemPfnObtained').length).toBe(facts(run, 'PfnRefReleased').length);
    // The SPTE installed last is still present at the end, and the folio's refcount is nr_pages (1).
    const last = facts(run, 'SptInstalled').at(-1);
    const folio = last?.data['pfn'] as string;
    const zappedAfter = facts(run, 'SpteZapped').filter((e) => e.seq > (last?.seq ?? 0));
    expect(zappedAfter).toEqual([]);
    const finalRef = facts(run, 'FolioRef')
      .filter((e) => e.data['folio'] === folio)
      .at(-1);
    expect(finalRef?.data['refcount']).toBe(1);
  });

  it('maps at the level the folio and the attributes allow (O11): 2M, 1G, and 4K over mixed attributes', () => {
    const level = (folioSize: '2M' | '1G', pages: number, ops: object[]) => {
      const sc = scenarioSchema.parse({
        name: 'level',
        gmem: { pages, folioSize, initShared: false },
        threads: [{ ops: [{ op: 'munmap', index: 0, npages: 1 }] }],
        vcpus: [{ ops }]
      });
      const run = record(sc, 11);
      expect(run.result.violations).toEqual([]);
      return facts(run, 'SptInstalled').map((e) => [e.data['gfn'], e.data['level'], e.data['subpage']]);
    };
    expect(level('2M', 1024, [{ op: 'guestAccess', index: 515, private: true, write: true, value: 1, expect: '0' }])).toEqual([[BASE_GFN + 512, 2, 0]]);
    expect(level('1G', 262144, [{ op: 'guestAccess', index: 7, private: true, expect: '0', expectValue: 0 }])).toEqual([[BASE_GFN, 3, 0]]);
    expect(
      level('2M', 512, [
        { op: 'mapGpaRange', index: 5, npages: 1, to: 'shared', expect: '0' },
        { op: 'guestAccess', index: 3, private: true, expect: '0' },
        { op: 'guestAccess', index: 5, private: false, expect: '0' }
      ]).map((x) => x.slice(0, 2))
    ).toEqual([
      [BASE_GFN + 3, 1],
      [BASE_GFN + 5, 1]
    ]);
  });

  it('zeroed contents after PUNCH_HOLE and refault (INV-15), over many schedules', () => {
    for (let seed = 0; seed < 50; seed++) {
      const run = record('private-fault-vs-punch-hole', seed);
      const last = facts(run, 'OpReturned')
        .filter((e) => e.data['thread'] === 'vcpu0')
        .at(-1);
      expect(last?.data).toMatchObject({ rc: '0', value: 0 });
    }
  });
});

describe('variant B15 (SPTE installed without the locked retry check)', () => {
  it('random schedules of private-fault-vs-punch-hole find INV-6, then INV-9 (SPTE to a truncated, freed folio)', () => {
    const info = findVariant('B15');
    expect(info?.scenario).toBe('private-fault-vs-punch-hole');
    const sc = findScenario('private-fault-vs-punch-hole');
    if (sc === undefined) throw new Error('scenario missing');
    let first: number | null = null;
    for (let seed = 0; seed < 200; seed++) {
      const r = runSchedule({ scenario: sc, seed, variant: 'B15', stopOnViolation: false });
      if (r.violations.length === 0) continue;
      first = seed;
      expect(r.violations[0]?.invariant).toBe(info?.breaks);
      const ids = new Set(r.violations.map((v) => v.invariant));
      expect(ids).toContain('INV-6');
      expect(ids).toContain('INV-9');
      expect(r.violations.some((v) => /truncated/.test(v.message))).toBe(true);
      break;
    }
    expect(first).not.toBeNull();
  });

  it('the correct protocol never reaches it on the same seeds', () => {
    for (let seed = 0; seed < 100; seed++) expect(record('private-fault-vs-punch-hole', seed).result.violations).toEqual([]);
  });

  it('racing a conversion instead, B15 leaves a private SPTE over a shared page (INV-6, INV-5)', () => {
    const sc = findScenario('guest-private-vs-convert-shared');
    if (sc === undefined) throw new Error('scenario missing');
    const ids = new Set<string>();
    for (let seed = 0; seed < 300 && !ids.has('INV-5'); seed++) {
      for (const v of runSchedule({ scenario: sc, seed, variant: 'B15', stopOnViolation: false }).violations) ids.add(v.invariant);
    }
    expect(ids).toContain('INV-6');
    expect(ids).toContain('INV-5');
  });
});
