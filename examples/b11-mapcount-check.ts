/**
 * B11, re-expressed from outside gmemsim: the conversion's safety check asks
 * whether the folio is mapped or DMA-pinned (`!folio_mapped(folio) &&
 * !folio_maybe_dma_pinned(folio)`) instead of comparing its refcount with what
 * the page cache and the checker hold. A FOLL_GET reference (vmsplice, O_DIRECT)
 * is neither a mapping nor a pin: the conversion commits while the host can
 * still reach the page.
 *
 * The RFC diff this stands for:
 *
 *   static bool kvm_gmem_is_safe_for_conversion(struct folio *folio)
 *   {
 *   -	return folio_ref_count(folio) == folio_nr_pages(folio) + 1;
 *   +	return !folio_mapped(folio) && !folio_maybe_dma_pinned(folio);
 *   }
 *
 * Run it: gmemsim explore --plugin examples/b11-mapcount-check.ts --variant MY-B11 --scenario vmsplice-munmap-convert
 */
import { call, defineVariant, type FolioSafe, type Proc, type ProcContext } from 'gmemsim';

/**
 * `kvm_gmem_is_safe_for_conversion` as the RFC posted it: read the folio's
 * counters (`folio.counts`: folio_mapped, folio_maybe_dma_pinned, and the
 * refcount it ignores) and decide from the mapping and the pin alone. The reply
 * has the shape the conversion path expects from the built-in check.
 */
function* mappedOrPinned(folio: string, _ctx: ProcContext): Proc<FolioSafe> {
  const c = yield* call(folio, { type: 'folio.counts' });
  return { type: 'folio.safe', folio: c.folio, base: c.base, order: c.order, ok: !c.mapped && !c.maybeDmaPinned };
}

/** The variant. */
export const myB11 = defineVariant({
  id: 'MY-B11',
  name: 'conversion check uses mapcount/pincount instead of refcount (B11, from a plugin)',
  change: 'kvm_gmem_is_safe_for_conversion accepts a folio that is neither mapped nor DMA-pinned, missing FOLL_GET references',
  modes: ['rfc-inplace-v8', 'rfc-1g-v1'],
  breaks: 'INV-2',
  scenario: 'vmsplice-munmap-convert',
  patch: { paths: { kvm_gmem_is_safe_for_conversion: () => mappedOrPinned } }
});
