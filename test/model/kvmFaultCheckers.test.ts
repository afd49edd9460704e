/**
 * The vCPU/KVM checkers on hand-built logs: each fires on one entry list and
 * holds on a close one (INV-5, INV-6, INV-9, INV-20, guest EXPECT).
 */
import { describe, expect, it } from 'vitest';
import type { LogEntry, LogHeader, Payload } from '../../src/events/logEntry.js';
import { Monitor } from '../../src/projections/monitor.js';
import { validated } from '../helpers/logBuilder.js';

const G = 0x100000;

function header(scenarioSpec: unknown = {}): LogHeader {
  return { kind: 'header', format: 1, gmemsim: 'test', mode: 'rfc-inplace-v8', variant: null, scenario: 'hand', seed: 0, strategy: 'none', scenarioSpec };
}

type F = readonly [actor: string, type: string, data: Payload];

/** Facts as log entries, one step each. */
function log(fs: readonly F[]): LogEntry[] {
  return fs.map(([actor, type, data], i) => ({ seq: i + 1, step: i, kind: 'fact', actor, type, cause: null, data }));
}

function violations(fs: readonly F[], spec?: unknown): string[] {
  const m = new Monitor(header(spec));
  for (const e of validated(log(fs))) m.push(e);
  // These hand-built logs leave out the arch prepare/invalidate facts; INV-16 has its own tests (test/checkers/inv16.test.ts).
  return m.violations.map((v) => v.invariant).filter((id) => id !== 'INV-16');
}

const SETUP: F[] = [
  ['gmem0', 'GmemCreated', { gmem: 'gmem0', pages: 2, flags: '', folioOrder: 0 }],
  ['gmem0', 'GmemBound', { gmem: 'gmem0', slot: 0, baseGfn: G, pgoff: 0, npages: 2 }],
  ['gmem0', 'AttrStored', { gmem: 'gmem0', start: 0, end: 2, private: true }],
  ['gmem0/f1', 'FolioAllocated', { folio: 'gmem0/f1', gmem: 'gmem0', base: 0, order: 0 }],
  ['gmem0/f1', 'FolioRef', { folio: 'gmem0/f1', delta: 1, refcount: 1, why: 'filemap' }]
];
const FAULT: F = ['vcpu0', 'VcpuFaultStarted', { vcpu: 'vcpu0', gfn: G, private: true, write: false, seq: 0, attempt: 0 }];
const INSTALL: F = ['mmu', 'SptInstalled', { root: 'mirror', gfn: G, level: 1, private: true, pfn: 'gmem0/f1', subpage: 0, by: 'vcpu0' }];
const ZAP: F = ['mmu', 'SpteZapped', { root: 'mirror', gfn: G, level: 1, private: true }];
const BEGIN: F = ['mmu', 'InvalidateBegin', { inProgress: 1 }];
const RANGE: F = ['mmu', 'RangeAdded', { start: G, end: G + 1 }];
const END: F = ['mmu', 'InvalidateEnd', { seq: 1, inProgress: 0 }];
const TRUNCATE: F = ['gmem0/f1', 'FolioTruncated', { folio: 'gmem0/f1', gmem: 'gmem0', base: 0 }];

describe('INV-6 fault/invalidation retry', () => {
  it('fires when the SPTE is installed after the seq moved, or inside a covering invalidation', () => {
    expect(violations([...SETUP, FAULT, BEGIN, RANGE, ZAP, END, INSTALL])).toContain('INV-6');
    expect(violations([...SETUP, FAULT, BEGIN, RANGE, INSTALL])).toContain('INV-6');
    expect(violations([...SETUP, FAULT, BEGIN, INSTALL])).toContain('INV-6');
  });
  it('holds for an install before the invalidation, or outside its range, or after a fresh snapshot', () => {
    expect(violations([...SETUP, FAULT, INSTALL, BEGIN, RANGE, ZAP, END])).toEqual([]);
    const other: F = ['mmu', 'RangeAdded', { start: G + 1, end: G + 2 }];
    expect(violations([...SETUP, FAULT, BEGIN, other, INSTALL])).not.toContain('INV-6');
    const fresh: F = ['vcpu0', 'VcpuFaultStarted', { vcpu: 'vcpu0', gfn: G, private: true, write: false, seq: 1, attempt: 1 }];
    expect(violations([...SETUP, FAULT, BEGIN, RANGE, END, fresh, INSTALL])).toEqual([]);
  });
});

describe('INV-9 no SPTE to a truncated or freed folio', () => {
  it('fires when the folio is truncated under a present SPTE, when an SPTE maps a truncated folio, and on a guest access to it', () => {
    expect(violations([...SETUP, FAULT, INSTALL, TRUNCATE])).toEqual(['INV-9']);
    expect(violations([...SETUP, TRUNCATE, FAULT, INSTALL])).toContain('INV-9');
    expect(violations([...SETUP, TRUNCATE, ['gmem0/f1', 'FolioRead', { folio: 'gmem0/f1', subpage: 0, value: 0, by: 'mmu' }]])).toEqual(['INV-9']);
  });
  it('holds when the zap precedes the truncation (and host accesses are not its business)', () => {
    expect(violations([...SETUP, FAULT, INSTALL, BEGIN, RANGE, ZAP, TRUNCATE, END])).toEqual([]);
    expect(violations([...SETUP, TRUNCATE, ['gmem0/f1', 'FolioRead', { folio: 'gmem0/f1', subpage: 0, value: 0, by: 'mm' }]])).toEqual([]);
  });
});

describe('INV-5 stage-2 attribute consistency', () => {
  const toShared: F = ['gmem0', 'AttrStored', { gmem: 'gmem0', start: 0, end: 1, private: false }];
  it('fires when a private SPTE survives a conversion to shared, or is installed over a shared page', () => {
    expect(violations([...SETUP, FAULT, INSTALL, BEGIN, RANGE, toShared, END])).toContain('INV-5');
    expect(violations([...SETUP, FAULT, INSTALL, toShared])).toContain('INV-5');
    expect(
      violations([...SETUP, toShared, ['vcpu0', 'VcpuFaultStarted', { vcpu: 'vcpu0', gfn: G, private: true, write: false, seq: 0, attempt: 0 }], INSTALL])
    ).toEqual(['INV-5']);
  });
  it('holds when the conversion zaps the SPTE inside its invalidation', () => {
    expect(violations([...SETUP, FAULT, INSTALL, BEGIN, RANGE, ZAP, toShared, END])).toEqual([]);
  });
});

describe('INV-20 memory-fault exit semantics', () => {
  const read = (priv: boolean): F => ['gmem0', 'AttrRead', { gmem: 'gmem0', index: 0, private: priv, by: 'vcpu0' }];
  const exit = (data: Partial<Record<string, number | boolean>>): F => [
    'vcpu0',
    'MemoryFaultExit',
    { vcpu: 'vcpu0', gpa: G * 4096, size: 4096, flags: 8, private: true, ...data }
  ];
  const sharedFault: F = ['vcpu0', 'VcpuFaultStarted', { vcpu: 'vcpu0', gfn: G, private: true, write: false, seq: 0, attempt: 0 }];
  it('fires on wrong fields, on an exit without a mismatch, and when the exiting fault mapped something', () => {
    expect(violations([...SETUP, sharedFault, read(false), exit({ flags: 0 })])).toEqual(['INV-20']);
    expect(violations([...SETUP, sharedFault, read(false), exit({ size: 8192 })])).toEqual(['INV-20']);
    expect(violations([...SETUP, sharedFault, read(false), exit({ gpa: G * 4096 + 8 })])).toEqual(['INV-20']);
    expect(violations([...SETUP, sharedFault, read(true), exit({})])).toEqual(['INV-20']);
    expect(violations([...SETUP, sharedFault, read(false), INSTALL, exit({})])).toContain('INV-20');
  });
  it('holds for a private access to a shared page reported as the spec says', () => {
    expect(violations([...SETUP, sharedFault, read(false), exit({})])).toEqual([]);
  });
});

describe('EXPECT for guest programs', () => {
  const spec = {
    name: 'hand',
    gmem: { pages: 2 },
    threads: [{ ops: [{ op: 'access', index: 0 }] }],
    vcpus: [{ ops: [{ op: 'guestAccess', index: 0, private: true, expect: '0', expectValue: 7 }] }]
  };
  const ret = (rc: string, value: number): F => ['vcpu0', 'OpReturned', { thread: 'vcpu0', op: 0, name: 'guestAccess', rc, errorOffset: null, value }];
  it('fires on a disallowed rc or value', () => {
    expect(violations([ret('-EFAULT', 0)], spec)).toEqual(['EXPECT']);
    expect(violations([ret('0', 3)], spec)).toEqual(['EXPECT']);
  });
  it('holds on the expected outcome', () => {
    expect(violations([ret('0', 7)], spec)).toEqual([]);
  });
});
