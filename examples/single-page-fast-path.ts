/**
 * A wrap rather than a replacement: a patch that adds a fast path in front of
 * the built-in code. The proposal: "a conversion of a single 4K page cannot
 * race anything, skip the refcount check". The original check still runs for
 * every larger range.
 *
 * The diff this stands for (in `__kvm_gmem_set_attributes`):
 *
 *   +	if (nr_pages == 1)
 *   +		goto commit;
 *   	ret = kvm_gmem_check_conversion(inode, start, end, error_offset);
 *
 * The file also brings its own scenario (`defineScenario`): one page, pinned
 * long-term, converted to private alone.
 *
 * Run it: gmemsim explore --plugin examples/single-page-fast-path.ts --variant FASTPATH-4K --scenario pin-one-page-convert
 */
import { defineScenario, defineVariant, type KernelPaths, type OpResult, type Proc, type ProcContext } from 'gmemsim';

type CheckConversion = KernelPaths['kvm_gmem_check_conversion'];

/** Wraps the design's own check: code before it, then the original. */
function skipForOnePage(original: CheckConversion): CheckConversion {
  return function* (start: number, end: number, ctx: ProcContext): Proc<OpResult | null> {
    if (end - start === 1) return null; // "safe": no check at all
    return yield* original(start, end, ctx);
  };
}

export const fastPath4k = defineVariant({
  id: 'FASTPATH-4K',
  name: 'single-page conversions skip the safety check (a wrap)',
  change: 'kvm_gmem_check_conversion is skipped when the range is one page',
  modes: ['rfc-inplace-v8'],
  breaks: 'INV-2',
  scenario: 'pin-one-page-convert',
  patch: { paths: { kvm_gmem_check_conversion: skipForOnePage } }
});

/** The workload that exposes it: the single-page form of pin-vs-convert. */
export const pinOnePageConvert = defineScenario({
  name: 'pin-one-page-convert',
  description: 'The VMM long-term pins its only shared page and converts that page alone to private: -EAGAIN until the unpin.',
  mode: 'rfc-inplace-v8',
  gmem: { pages: 1 },
  threads: [
    {
      ops: [
        { op: 'access', index: 0, write: true, value: 5, expect: '0' },
        { op: 'pin', index: 0, pin: 'p0', kind: 'pin', longterm: true, expect: '0' },
        { op: 'convert', offset: 0, size: 4096, to: 'private', expect: '-EAGAIN', expectErrorOffset: 0 },
        { op: 'unpin', pin: 'p0', expect: '0' },
        { op: 'convert', offset: 0, size: 4096, to: 'private', expect: '0' }
      ]
    }
  ]
});
