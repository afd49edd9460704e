/**
 * Seeded pseudo-random numbers for the simulation (xoshiro128**, seeded by
 * splitmix32). The simulation never reads `Math.random` or a clock: every draw
 * comes from a {@link Prng} built from the run's seed.
 */

function splitmix32(state: number): [number, number] {
  const s = (state + 0x9e3779b9) | 0;
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [s, (z ^ (z >>> 16)) >>> 0];
}

/** Mixes a seed and a label (e.g. a schedule index) into a new 32-bit seed. */
export function deriveSeed(seed: number, label: number | string): number {
  let h = (seed >>> 0) ^ Math.floor(seed / 0x100000000);
  const text = String(label);
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  }
  return splitmix32(h)[1];
}

/** A deterministic generator of 32-bit numbers. */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** @param seed - any non-negative safe integer */
  constructor(seed: number) {
    let s = (seed >>> 0) ^ Math.imul(Math.floor(seed / 0x100000000) >>> 0, 0x27d4eb2d);
    let r: number;
    [s, r] = splitmix32(s);
    this.a = r;
    [s, r] = splitmix32(s);
    this.b = r;
    [s, r] = splitmix32(s);
    this.c = r;
    [, r] = splitmix32(s);
    this.d = r | 1;
  }

  /** Next unsigned 32-bit value. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform integer in `[0, n)`; `n` must be a positive integer below 2^32. */
  int(n: number): number {
    if (!(n > 0) || n > 0x100000000) throw new Error(`Prng.int: bad bound ${n}`);
    // Rejection sampling keeps the draw unbiased.
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  /** Uniform float in `[0, 1)`. */
  float(): number {
    return this.nextU32() / 0x100000000;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
