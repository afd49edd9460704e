/**
 * Spec §6.3 (pre_fault_memory_test.c) step by step, in its three configurations:
 * every KVM_PRE_FAULT_MEMORY call keeps `(range.size < prev) XOR (ret < 0)`, the
 * three helper calls end with their expected sizes left and rcs (0; ENOENT with
 * one page left twice), the slot worker deletes and recreates slot 10 each time,
 * and the guest then reads 0 from each of the 513 pages.
 */
import { describe, expect, it } from 'vitest';
import { PREFAULT_TEST_CALLS, TEST_GPA, TEST_NPAGES } from '../../src/scenarios/prefaultScenarios.js';
import { facts, record, returns } from '../helpers/run.js';

const CONFIGS = [
  { name: 'pre-fault-memory-test-default', seeds: [1, 2] },
  { name: 'pre-fault-memory-test-sw-protected', seeds: [3] },
  { name: 'pre-fault-memory-test-private', seeds: [4] }
] as const;

describe('spec §6.3 pre_fault_memory_test', () => {
  for (const c of CONFIGS) {
    for (const seed of c.seeds) {
      it(`${c.name} (seed ${seed})`, () => {
        const run = record(c.name, seed);
        expect(run.result.violations).toEqual([]);
        expect(run.result.reason).toBe('quiescent');
        const ops = returns(run, 'vcpu0');
        // op 0 waits for the set-up; ops 1..3 are the three helper calls.
        PREFAULT_TEST_CALLS.forEach((call, i) => {
          const r = ops[1 + i];
          expect(r?.data['name']).toBe('preFaultTest');
          expect(r?.data['rc'], `call ${i + 1} rc`).toBe(call.rc);
          expect(r?.data['value'], `call ${i + 1} size left`).toBe(call.left);
        });
        // Every ioctl: (size < prev) XOR (ret < 0), the range written back accordingly.
        const started = facts(run, 'PrefaultStarted');
        const returned = facts(run, 'PrefaultReturned');
        expect(returned.length).toBe(started.length);
        expect(returned.length).toBeGreaterThanOrEqual(4);
        returned.forEach((r, i) => {
          const s = started[i]!;
          const progressed = (r.data['remainingSize'] as number) < (s.data['size'] as number);
          expect(progressed !== (r.data['rc'] !== '0'), `ioctl ${i}`).toBe(true);
          expect(r.data['prevSize']).toBe(s.data['size']);
          if (r.data['rc'] !== '0') expect(r.data['remainingGpa']).toBe(s.data['gpa']);
          expect(['0', '-EAGAIN', '-ENOENT', '-EFAULT', '-EINTR']).toContain(r.data['rc']);
        });
        // The last ioctl of calls 2 and 3 is -ENOENT at the first gpa without a memslot.
        const enoent = returned.filter((r) => r.data['rc'] === '-ENOENT').map((r) => r.data['remainingGpa']);
        expect(enoent.slice(-2)).toEqual([TEST_GPA + 2 * 1024 * 1024 + 4096, TEST_GPA + 2 * 1024 * 1024 + 4096]);
        // The slot worker deleted and recreated slot 10 three times.
        const worker = returns(run, 't0');
        expect(worker.filter((r) => r.data['name'] === 'deleteMemslot').map((r) => r.data['rc'])).toEqual(['0', '0', '0']);
        expect(worker.filter((r) => r.data['name'] === 'createMemslot').map((r) => r.data['rc'])).toEqual(['0', '0', '0']);
        // The guest reads one u64 from each of the 513 pages: all 0, no memory-fault exit.
        const reads = ops.filter((r) => r.data['name'] === 'guestAccess');
        expect(reads.length).toBe(TEST_NPAGES);
        expect(reads.every((r) => r.data['rc'] === '0' && r.data['value'] === 0)).toBe(true);
      }, 30_000);
    }
  }
});
