/**
 * A checker of one's own: no range becomes private while a long-term GUP pin
 * (FOLL_PIN | FOLL_LONGTERM, e.g. VFIO DMA) is held on one of its pages. A fold
 * over typed facts: the pins held (`GupPinned` / `GupUnpinned`) and the
 * attribute stores (`AttrStored`). It runs live (`--plugin` on `run` and
 * `explore`) and on saved logs (`gmemsim check LOG --plugin FILE`).
 *
 * Run it: gmemsim explore --plugin examples/no-pinned-page-goes-private.ts --scenario pin-vs-convert --variant NOCHECK
 */
import { defineChecker, hex, violation } from 'gmemsim';

/** A long-term pin held: where and since when. */
interface Pin {
  readonly gmem: string;
  readonly index: number;
  readonly step: number;
}

export const noPinnedPageGoesPrivate = defineChecker({
  id: 'USER-LONGTERM-PIN',
  statement: 'no page becomes private while a long-term GUP pin is held on it',
  modes: ['rfc-inplace-v8', 'rfc-1g-v2'],
  init: () => new Map<string, Pin>(),
  facts: {
    GupPinned: (pins, e) => {
      if (e.data.longterm) pins.set(e.data.pin, { gmem: e.data.gmem, index: e.data.index, step: e.step });
      return [];
    },
    GupUnpinned: (pins, e) => {
      pins.delete(e.data.pin);
      return [];
    },
    AttrStored: (pins, e) => {
      if (!e.data.private) return [];
      const hit = [...pins.entries()].filter(([, p]) => p.gmem === e.data.gmem && p.index >= e.data.start && p.index < e.data.end);
      return hit.map(([name, p]) =>
        violation('USER-LONGTERM-PIN', e, `page ${hex(p.index)} of ${p.gmem} became private at step ${e.step} under long-term pin ${name} (step ${p.step})`, [
          p.step
        ])
      );
    }
  }
});
