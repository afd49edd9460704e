/**
 * INV-14 (SRCU clause), INV-17 and INV-18 on hand-built logs: one where each
 * fires and one where it holds.
 */
import { describe, expect, it } from 'vitest';
import { handHeader, LogBuilder } from '../helpers/logBuilder.js';

const H = handHeader('upstream-6.8');
const ids = (b: LogBuilder): string[] => b.check(H).map((v) => v.invariant);

describe('INV-14 SRCU clause', () => {
  const base = (): LogBuilder =>
    new LogBuilder()
      .fact('kvm', 'SrcuReadLock', { vm: 'kvm', holder: 'vcpu0', session: 1 })
      .next()
      .fact('kvm', 'MemslotInvalidated', { vm: 'kvm', slot: 's0.10#1', id: 10, asId: 0 })
      .next()
      .fact('kvm', 'SrcuSyncWaiting', { vm: 'kvm', holder: 't0', readers: 1 });
  it('fires when a reader waits for the memslot update whose synchronize_srcu waits for it', () => {
    const b = base().next().fact('kvm', 'MemslotWaitValid', { vm: 'kvm', holder: 'vcpu0', gfn: 5, asId: 0 });
    expect(ids(b)).toEqual(['INV-14']);
  });
  it('holds when the reader leaves its read section first (the -EAGAIN fix)', () => {
    const b = base()
      .next()
      .fact('kvm', 'SrcuReadUnlock', { vm: 'kvm', holder: 'vcpu0', session: 1 })
      .fact('kvm', 'SrcuSyncDone', { vm: 'kvm', holder: 't0' })
      .next()
      .fact('kvm', 'MemslotWaitValid', { vm: 'kvm', holder: 'vcpu0', gfn: 5, asId: 0 });
    expect(ids(b)).toEqual([]);
  });
});

describe('INV-17 pre-fault mode correctness', () => {
  const started = (b: LogBuilder): LogBuilder => b.fact('vcpu0', 'PrefaultStarted', { vcpu: 'vcpu0', gpa: 0x1000, size: 0x1000 });
  it('fires on a mapping in the L1 root while in SMM, and through a root that failed to load', () => {
    const smm = started(
      new LogBuilder()
        .fact('vcpu0', 'VcpuModeChanged', { vcpu: 'vcpu0', mode: 'smm', root: 'direct-smm' })
        .fact('mmu', 'MmuRootLoaded', { vcpu: 'vcpu0', root: 'direct-smm', ok: true })
    ).fact('vcpu0', 'PrefaultMapped', { vcpu: 'vcpu0', gpa: 0x1000, bytes: 0x1000, level: 1, root: 'direct' });
    expect(ids(smm)).toEqual(['INV-17']);
    const invalid = started(new LogBuilder().fact('mmu', 'MmuRootLoaded', { vcpu: 'vcpu0', root: 'direct', ok: false })).fact('vcpu0', 'PrefaultMapped', {
      vcpu: 'vcpu0',
      gpa: 0x1000,
      bytes: 0x1000,
      level: 1,
      root: 'invalid'
    });
    expect(ids(invalid)).toEqual(['INV-17']);
  });
  it('fires on success in guest mode; holds for -EOPNOTSUPP there and for the SMM root in SMM', () => {
    const l2 = new LogBuilder().fact('vcpu0', 'VcpuModeChanged', { vcpu: 'vcpu0', mode: 'guest', root: 'direct-l2' });
    started(l2).fact('vcpu0', 'PrefaultReturned', { vcpu: 'vcpu0', rc: '0', remainingGpa: 0x2000, remainingSize: 0, prevSize: 0x1000 });
    expect(ids(l2)).toContain('INV-17');
    const ok = new LogBuilder().fact('vcpu0', 'VcpuModeChanged', { vcpu: 'vcpu0', mode: 'guest', root: 'direct-l2' });
    started(ok).fact('vcpu0', 'PrefaultReturned', { vcpu: 'vcpu0', rc: '-EOPNOTSUPP', remainingGpa: 0x1000, remainingSize: 0x1000, prevSize: 0x1000 });
    ok.fact('vcpu0', 'VcpuModeChanged', { vcpu: 'vcpu0', mode: 'smm', root: 'direct-smm' }).fact('mmu', 'MmuRootLoaded', {
      vcpu: 'vcpu0',
      root: 'direct-smm',
      ok: true
    });
    started(ok).fact('vcpu0', 'PrefaultMapped', { vcpu: 'vcpu0', gpa: 0x1000, bytes: 0x1000, level: 1, root: 'direct-smm' });
    expect(ids(ok)).toEqual([]);
  });
});

describe('INV-18 pre-fault progress contract', () => {
  const call = (rc: string, gpa: number, size: number, left: number, leftGpa: number, mapped = 0): LogBuilder => {
    const b = new LogBuilder()
      .fact('mmu', 'MmuRootLoaded', { vcpu: 'vcpu0', root: 'direct', ok: true })
      .fact('vcpu0', 'PrefaultStarted', { vcpu: 'vcpu0', gpa, size });
    if (mapped > 0) b.fact('vcpu0', 'PrefaultMapped', { vcpu: 'vcpu0', gpa, bytes: mapped, level: 1, root: 'direct' });
    return b.fact('vcpu0', 'PrefaultReturned', { vcpu: 'vcpu0', rc, remainingGpa: leftGpa, remainingSize: left, prevSize: size });
  };
  it('holds for progress with 0 and for an error with the range unchanged', () => {
    expect(ids(call('0', 0x1000, 0x2000, 0x1000, 0x2000, 0x1000))).toEqual([]);
    expect(ids(call('-ENOENT', 0x1000, 0x2000, 0x2000, 0x1000))).toEqual([]);
    expect(ids(call('-EINVAL', 0x1000, 0, 0, 0x1000))).toEqual([]);
  });
  it('fires on 0 without progress, an error that moved the range, size 0 accepted, EAGAIN after full progress', () => {
    expect(ids(call('0', 0x1000, 0x2000, 0x2000, 0x1000))).toContain('INV-18');
    expect(ids(call('-EAGAIN', 0x1000, 0x2000, 0x1000, 0x2000))).toContain('INV-18');
    expect(ids(call('-ENOENT', 0x1000, 0, 0, 0x1000))).toContain('INV-18');
    expect(ids(call('-EAGAIN', 0x1000, 0x1000, 0x1000, 0x1000, 0x1000))).toContain('INV-18');
  });
});
