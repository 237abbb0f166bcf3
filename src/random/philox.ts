/**
 * Philox4x32-10, the counter-based generator of Salmon et al. (2011), "Parallel random numbers: as easy
 * as 1, 2, 3" (SC'11), §4. A 128-bit counter and a 64-bit key map to 128 random bits through ten rounds
 * of multiply-xor; distinct (key, counter) pairs give independent blocks, so any block can be computed
 * directly — which is what makes per-sample noise streams independent of the batch size.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two uint32 (exact, via 16-bit halves in float64). */
function mulhi(a: number, b: number): number {
  const ah = a >>> 16;
  const al = a & 0xffff;
  const bh = b >>> 16;
  const bl = b & 0xffff;
  const mid = ah * bl + al * bh + Math.floor((al * bl) / 65536);
  return (ah * bh + Math.floor(mid / 65536)) >>> 0;
}

/**
 * One Philox4x32-10 block. out[0..3] = Philox(counter = [c0, c1, c2, c3], key = [k0, k1]); all uint32.
 * Known-answer vectors (Random123 `kat_vectors`) are checked in test/random/philox.test.ts.
 */
export function philox4x32(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
): void {
  let x0 = c0 >>> 0;
  let x1 = c1 >>> 0;
  let x2 = c2 >>> 0;
  let x3 = c3 >>> 0;
  let key0 = k0 >>> 0;
  let key1 = k1 >>> 0;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      key0 = (key0 + W0) >>> 0;
      key1 = (key1 + W1) >>> 0;
    }
    const hi0 = mulhi(M0, x0);
    const lo0 = Math.imul(M0, x0) >>> 0;
    const hi1 = mulhi(M1, x2);
    const lo1 = Math.imul(M1, x2) >>> 0;
    x0 = (hi1 ^ x1 ^ key0) >>> 0;
    x1 = lo1;
    x2 = (hi0 ^ x3 ^ key1) >>> 0;
    x3 = lo0;
  }
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
}

/** Uniform float64 in [0, 1) from two uint32 words: 53 random bits, (a>>>5)·2²⁶ + (b>>>6), over 2⁵³. */
export function wordsToUniform(a: number, b: number): number {
  return ((a >>> 5) * 67108864 + (b >>> 6)) / 9007199254740992;
}
