/**
 * Half-precision floats as 16-bit patterns (browser-safe): IEEE 754 binary16 (F16: 1 sign, 5 exponent,
 * 10 fraction bits) and bfloat16 (BF16: the top 16 bits of a float32: 1 sign, 8 exponent, 7 fraction
 * bits). Decoding widens exactly (every half value is a float32); encoding rounds to nearest, ties to
 * even, as IEEE 754 §4.3.1 and PyTorch's `.half()` / `.bfloat16()` do.
 *
 * Sources: IEEE 754-2008 §3.6 (binary16 layout); Kalamkar et al. 2019, "A Study of BFLOAT16 for Deep
 * Learning Training" §2 (bfloat16 = truncated float32 exponent range).
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The value of binary16 bits h: (−1)^s·2^(e−15)·(1 + f/1024) for 0 < e < 31, (−1)^s·2^(−14)·f/1024
 * for e = 0 (subnormal, ±0), ±∞ or NaN for e = 31.
 */
export function float16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return sign * f * 2 ** -24;
  if (e === 31) return f === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1024 + f) * 2 ** (e - 25);
}

/**
 * The binary16 bits nearest to x (ties to even). |x| ≥ 65520 rounds to ±∞ (the largest finite
 * half is 65504); |x| < 2⁻²⁵ rounds to ±0; NaN maps to the quiet NaN 0x7e00.
 */
export function numberToFloat16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) {
    // Subnormal (or zero): the fraction counts units of 2⁻²⁴; round half to even.
    return sign | roundHalfEven(a * 2 ** 24);
  }
  let e = Math.floor(Math.log2(a));
  // log2 can be off by one near powers of two; fix the exponent so 2^e ≤ a < 2^(e+1).
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const m = roundHalfEven((a / 2 ** e - 1) * 1024);
  // Rounding up may carry into the exponent (m = 1024), which the bit layout absorbs.
  return sign | (((e + 15) << 10) + m);
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The value of bfloat16 bits b: the float32 whose top 16 bits are b and low 16 bits 0. */
export function bfloat16BitsToNumber(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0]!;
}

/**
 * The bfloat16 bits nearest to x: x is rounded to float32 first (as PyTorch converts a double), then
 * to 8 fraction bits, ties to even; NaN maps to the quiet NaN 0x7fc0.
 */
export function numberToBfloat16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7fc0;
  f32[0] = x;
  const bits = u32[0]!;
  // Round to nearest even on the dropped 16 bits (overflow to ±∞ comes out of the carry).
  const rounded = bits + 0x7fff + ((bits >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

/** Widens binary16 bit patterns into a new Float32Array (or `out`). */
export function decodeFloat16(bits: Uint16Array, out = new Float32Array(bits.length)): Float32Array {
  for (let i = 0; i < bits.length; i++) out[i] = float16BitsToNumber(bits[i]!);
  return out;
}

/** Rounds every value to binary16 bit patterns (ties to even). */
export function encodeFloat16(values: ArrayLike<number>, out = new Uint16Array(values.length)): Uint16Array {
  for (let i = 0; i < values.length; i++) out[i] = numberToFloat16Bits(values[i]!);
  return out;
}

/** Widens bfloat16 bit patterns into a new Float32Array (or `out`). */
export function decodeBfloat16(bits: Uint16Array, out = new Float32Array(bits.length)): Float32Array {
  for (let i = 0; i < bits.length; i++) out[i] = bfloat16BitsToNumber(bits[i]!);
  return out;
}

/** Rounds every value to bfloat16 bit patterns (through float32, ties to even). */
export function encodeBfloat16(values: ArrayLike<number>, out = new Uint16Array(values.length)): Uint16Array {
  for (let i = 0; i < values.length; i++) out[i] = numberToBfloat16Bits(values[i]!);
  return out;
}
