/**
 * The one formula behind every conversion on an affine path (design.md §1).
 *
 * Every kind is a fixed linear combination of the clean data d and the noise ε at a level:
 *   value = a·d + b·ε,   and   xₜ = α·d + σ·ε.
 * Given xₜ and a value of kind A = (a_A, b_A), the pair (d, ε) is the solution of that 2×2 system
 * (determinant D = a_A·σ − b_A·α), so a value of kind B = (a_B, b_B) is
 *   value_B = p·value_A + q·xₜ,  p = (a_B·σ − b_B·α)/D,  q = (a_A·b_B − a_B·b_A)/D.
 * Working in the (data, noise) basis keeps every coefficient free of cancellation (noise → score is
 * exactly −1/σ·value with q = 0, not a difference of two 1/σ² terms).
 */
import { type FloatArray, checkFloatArray, checkSameLength, outFor } from "../array.js";
import type { NoiseLevel } from "../schedule/schedule.js";
import { bufferArena, createSimdKernel, type Precision, type SimdArena, type SimdKernel } from "./simd.js";

export type { Precision, SimdArena };

/** The kinds a model may predict (design.md §1). */
export type Kind = "data" | "noise" | "score" | "velocity" | "v" | "drift";

/** All kinds, in the order used by tables and tests. */
export const KINDS: readonly Kind[] = ["data", "noise", "score", "velocity", "v", "drift"];

/** A kind's coefficients in the (data, noise) basis: value = a·data + b·noise. */
export type Basis = readonly [a: number, b: number];

/** Options of a conversion: `g2` (squared diffusion of the generative SDE) for `drift`, and `out`. */
export interface ConvertOptions<A extends FloatArray = FloatArray> {
  /** g² of the generative SDE dx = [velocity + (g²/2)·score] dt + g dW; required when a kind is `drift`. */
  readonly g2?: number;
  /** Destination array (same type and length as the input); may alias `value` or `xt`. */
  readonly out?: A;
  /**
   * "exact" (default): p·value + q·xₜ in float64, rounded once to the array's type. "float32": for
   * Float32Array, p and q rounded to float32 and the arithmetic in float32 — faster (4 SIMD lanes,
   * no conversions), within γ₃·(|p·value| + |q·xₜ|) of the exact value, γ₃ = 3u/(1 − 3u),
   * u = 2⁻²⁴; Float64Array ignores it.
   */
  readonly precision?: Precision;
}

/**
 * The name of the conversion from → to, as the named functions spell it (design.md §1: `fromToTo`,
 * e.g. noiseToData); used in error messages. Safe on any input (it runs before validation too).
 */
export function pairName(from: unknown, to: unknown): string {
  const t = String(to);
  return `${String(from)}To${t.charAt(0).toUpperCase()}${t.slice(1)}`;
}

/** Throws unless `kind` is one of KINDS. */
export function checkKind(fn: string, name: string, kind: unknown): asserts kind is Kind {
  if (!KINDS.includes(kind as Kind)) {
    throw new TypeError(
      `${fn}: ${name} must be one of ${KINDS.map((k) => `"${k}"`).join(", ")}, got ${JSON.stringify(kind)}`,
    );
  }
}

/** Throws unless `level` is a NoiseLevel with finite, non-negative α and σ. */
export function checkLevel(fn: string, level: NoiseLevel): void {
  if (level === null || typeof level !== "object")
    throw new TypeError(`${fn}: level must be a NoiseLevel { t, alpha, sigma, dAlpha, dSigma }`);
  const { alpha, sigma } = level;
  if (!(alpha >= 0 && sigma >= 0 && Number.isFinite(alpha) && Number.isFinite(sigma))) {
    throw new RangeError(
      `${fn}: level at t = ${level.t} has alpha = ${alpha}, sigma = ${sigma}; both must be finite and ≥ 0`,
    );
  }
}

function describe(level: NoiseLevel): string {
  if (level.alpha === 0) return `alpha is 0 at t=${level.t} (pure noise)`;
  if (level.sigma === 0) return `sigma is 0 at t=${level.t} (clean data)`;
  return `the level at t=${level.t} (alpha=${level.alpha}, sigma=${level.sigma}) makes it singular`;
}

function fix(level: NoiseLevel): string {
  if (level.alpha === 0) return "use a grid that starts after the schedule's tMin";
  if (level.sigma === 0) return "use a grid that stops at the schedule's tMax, or a data/velocity model";
  return "evaluate inside the schedule's [tMin, tMax]";
}

/**
 * Coefficients (p, q) with value_to = p·value_from + q·xₜ at `level`; throws a RangeError naming the
 * conversion when it is singular there (D = 0 or a non-finite coefficient).
 */
export function pairCoefficients(
  fn: string,
  from: Kind,
  to: Kind,
  fromBasis: Basis,
  toBasis: Basis,
  level: NoiseLevel,
): readonly [p: number, q: number] {
  const [aA, bA] = fromBasis;
  const [aB, bB] = toBasis;
  const { alpha, sigma } = level;
  const d = aA * sigma - bA * alpha;
  const p = (aB * sigma - bB * alpha) / d;
  const q = (aA * bB - aB * bA) / d;
  if (d === 0 || !Number.isFinite(d) || !Number.isFinite(p) || !Number.isFinite(q)) {
    const what =
      !Number.isFinite(aB) || !Number.isFinite(bB)
        ? `${to} is undefined there`
        : !Number.isFinite(aA) || !Number.isFinite(bA)
          ? `${from} is undefined there`
          : `${to} cannot be recovered from ${from} there`;
    throw new RangeError(`${fn}: ${describe(level)}; ${what} — ${fix(level)}`);
  }
  return [p, q];
}

/**
 * The fused kernel out[i] = p·value[i] + q·xt[i] (no temporaries). Returns `out` (or a new array of
 * the input's type). Checks array types and lengths. Large arrays run through WebAssembly SIMD
 * (simd.ts) when available, with results identical to the JS loops; in place, with no copy, when
 * value, xt and out live in one `conversionArena`.
 */
export function affineCombine<A extends FloatArray>(
  fn: string,
  value: A,
  xt: A,
  p: number,
  q: number,
  out?: A,
  precision: Precision = "exact",
): A {
  checkFloatArray(fn, "value", value);
  checkFloatArray(fn, "xt", xt);
  checkSameLength(fn, "value", value, "xt", xt);
  if (precision !== "exact" && precision !== "float32")
    throw new TypeError(`${fn}: precision must be "exact" or "float32", got ${JSON.stringify(precision)}`);
  const o = outFor(fn, value, out);
  combineInto(value, xt, p, q, o, SIMD, SIMD_MIN_LENGTH, precision);
  return o;
}

/** The SIMD kernel of this environment, or null where WebAssembly SIMD is unavailable (JS loops then). */
const SIMD: SimdKernel | null = createSimdKernel();

/**
 * A fixed block of `bytes` bytes (whole 64 KiB pages) to allocate conversion arrays from: a
 * conversion whose value, xₜ and out all live in one arena runs in place in WebAssembly memory, with
 * no copy in or out (results as always: bit-identical to the JS loops unless precision "float32").
 * Where WebAssembly SIMD is unavailable the arena is plain memory and the JS loops run.
 * Allocation bumps a pointer (16-byte aligned); `reset()` starts over.
 */
export function conversionArena(bytes: number): SimdArena {
  if (!(Number.isInteger(bytes) && bytes > 0))
    throw new RangeError(`conversionArena: bytes must be a positive integer, got ${bytes}`);
  return SIMD?.arena(bytes) ?? bufferArena(new ArrayBuffer(Math.ceil(bytes / 65_536) * 65_536));
}

/**
 * Length from which the SIMD path runs. Measured crossover (bench/conversion.ts): the two paths tie
 * at ~128 elements for float32 and float64 (a fixed ~80 ns for the copies and the call); at 256 the
 * SIMD path is already ~1.6× faster, so 256 leaves a margin.
 */
export const SIMD_MIN_LENGTH = 256;

/**
 * out[i] = p·value[i] + q·xt[i] on checked arrays of one type and length: the SIMD kernel from
 * `minLength` elements on, else (or when `simd` is null, or out overlaps an input only in part) the
 * JS loops; the results are the same bit for bit, for either precision. `simd` and `minLength` exist
 * for tests and benches (null forces the JS loops, 0 forces SIMD at every length).
 */
export function combineInto(
  value: FloatArray,
  xt: FloatArray,
  p: number,
  q: number,
  out: FloatArray,
  simd: SimdKernel | null = SIMD,
  minLength: number = SIMD_MIN_LENGTH,
  precision: Precision = "exact",
): void {
  if (
    simd !== null &&
    value.length >= minLength &&
    !overlapsInPart(value, out) &&
    !overlapsInPart(xt, out) &&
    simd.combine(value, xt, p, q, out, precision)
  ) {
    return;
  }
  if (precision === "float32" && value instanceof Float32Array) {
    fastCombine32(value, xt as Float32Array, p, q, out as Float32Array);
    return;
  }
  // One monomorphic loop per element type (the two bodies are the same on purpose): a single generic
  // loop sees both array types, goes polymorphic in V8 and runs ~2× slower (bench/conversion.ts).
  if (value instanceof Float32Array) combine32(value, xt as Float32Array, p, q, out as Float32Array);
  else combine64(value as Float64Array, xt as Float64Array, p, q, out as Float64Array);
}

/**
 * True when `out` shares memory with `a` without being the same elements (a shifted view): the JS loop
 * then reads elements it already wrote, which chunked copies would not reproduce, so such calls stay
 * on the JS loop. Full aliasing (out is a) is fine on both paths.
 */
function overlapsInPart(a: FloatArray, out: FloatArray): boolean {
  if (a.buffer !== out.buffer || a.byteOffset === out.byteOffset) return false;
  return a.byteOffset < out.byteOffset + out.byteLength && out.byteOffset < a.byteOffset + a.byteLength;
}

function combine32(v: Float32Array, x: Float32Array, p: number, q: number, o: Float32Array): void {
  const n = v.length;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    o[i] = p * v[i]! + q * x[i]!;
    o[i + 1] = p * v[i + 1]! + q * x[i + 1]!;
    o[i + 2] = p * v[i + 2]! + q * x[i + 2]!;
    o[i + 3] = p * v[i + 3]! + q * x[i + 3]!;
  }
  for (; i < n; i++) o[i] = p * v[i]! + q * x[i]!;
}

/**
 * The float32 fast path as a JS loop: p and q rounded to float32, then fl(fl(p·v) + fl(q·x)) in
 * float32 — each operation done in float64 and rounded with Math.fround, which gives the float32
 * result exactly (53 ≥ 2·24 + 2 bits: double rounding is innocuous for +, ×; Figueroa 1995).
 */
function fastCombine32(v: Float32Array, x: Float32Array, p: number, q: number, o: Float32Array): void {
  const fround = Math.fround;
  const p32 = fround(p);
  const q32 = fround(q);
  for (let i = 0; i < v.length; i++) o[i] = fround(p32 * v[i]!) + fround(q32 * x[i]!);
}

function combine64(v: Float64Array, x: Float64Array, p: number, q: number, o: Float64Array): void {
  const n = v.length;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    o[i] = p * v[i]! + q * x[i]!;
    o[i + 1] = p * v[i + 1]! + q * x[i + 1]!;
    o[i + 2] = p * v[i + 2]! + q * x[i + 2]!;
    o[i + 3] = p * v[i + 3]! + q * x[i + 3]!;
  }
  for (; i < n; i++) o[i] = p * v[i]! + q * x[i]!;
}

/** Checks `g2` for the drift kind: a finite number ≥ 0. */
export function checkG2(fn: string, g2: number | undefined): number {
  if (g2 === undefined) {
    throw new TypeError(
      `${fn}: kind "drift" needs options.g2, the squared diffusion level g² of the generative SDE (0 gives the ODE velocity)`,
    );
  }
  if (!(g2 >= 0) || !Number.isFinite(g2))
    throw new RangeError(`${fn}: g2 must be a finite number ≥ 0, got ${g2}`);
  return g2;
}

/** Converts `value` from one basis to another at `level` (the composition of toData and fromData). */
export function convertWithBases<A extends FloatArray>(
  fn: string,
  from: Kind,
  to: Kind,
  fromBasis: Basis,
  toBasis: Basis,
  value: A,
  xt: A,
  level: NoiseLevel,
  out?: A,
): A {
  checkLevel(fn, level);
  const [p, q] = pairCoefficients(fn, from, to, fromBasis, toBasis, level);
  return affineCombine(fn, value, xt, p, q, out);
}
