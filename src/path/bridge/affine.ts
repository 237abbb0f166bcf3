/**
 * Affine targets q = G·x + H·y1 + k at one time of a bridge path, and the conversion between two of
 * them through H: y1 = H_a⁻¹(q_a − G_a·x − k_a), hence
 *   q_b = P·q_a + Q·x + c,   P = H_b·H_a⁻¹,   Q = G_b − P·G_a,   c = k_b − P·k_a.
 * Inverting through H (never through chained intermediate representations) keeps every pair exact
 * whatever the prior mean, u or the structure of F. Between two residual targets (AffineTarget) the
 * map is P = R_b·R_a⁻¹, Q = 0, c = 0 instead, which needs no y1.
 */
import { type FloatArray, checkFloatArray, checkSameLength, outFor } from "../../array.js";
import { tryInverse } from "../../math/dense.js";
import { IDENTITY, type Mat, ZERO, matAdd, matMul, matSub, mulVec, scale } from "../../math/matrix.js";
import type { ConversionMap } from "../path.js";

/**
 * q = G·x + H·y1 + k. Targets that are a fixed map of the marginal residual, q = R·(x − μ_p) (epsilon:
 * R = Σ_p^{-1/2}; score: R = −Σ_p⁻¹), also carry `residual` = R: between two such targets the
 * conversion is q_b = R_b·R_a⁻¹·q_a, defined even where y1 is not (t = t0).
 */
export interface AffineTarget {
  readonly G: Mat;
  readonly H: Mat;
  readonly k: Float64Array;
  readonly residual?: Mat;
}

/** A conversion q_b = P·q_a + Q·x + c (the path contract's ConversionMap with c always present). */
export interface AffineConversion extends ConversionMap {
  readonly c: Float64Array;
}

/** a + b (termwise). */
export function addAffine(a: AffineTarget, b: AffineTarget): AffineTarget {
  return { G: matAdd(a.G, b.G), H: matAdd(a.H, b.H), k: a.k.map((x, i) => x + b.k[i]!) };
}

/** M·a (termwise). */
export function mulAffine(m: Mat, a: AffineTarget, d: number): AffineTarget {
  return { G: matMul(m, a.G), H: matMul(m, a.H), k: mulVec(m, a.k, d) };
}

/** a + c·b (termwise). */
export function addScaledAffine(a: AffineTarget, c: number, b: AffineTarget): AffineTarget {
  return addAffine(a, { G: scale(b.G, c), H: scale(b.H, c), k: b.k.map((x) => c * x) });
}

/**
 * The conversion from target `from` to target `to` (file header), or a RangeError naming `fn` and
 * `reason()` when H_from is singular (the value does not determine y1).
 */
export function affineConversion(
  fn: string,
  from: AffineTarget,
  to: AffineTarget,
  d: number,
  reason: () => string,
): AffineConversion {
  if (from.residual !== undefined && to.residual !== undefined) {
    const rInv = tryInverse(from.residual, d);
    if (rInv === null) throw new RangeError(`${fn}: singular — ${reason()}`);
    return { P: matMul(to.residual, rInv), Q: ZERO, c: new Float64Array(d) };
  }
  const hInv = tryInverse(from.H, d);
  if (hInv === null) throw new RangeError(`${fn}: singular — ${reason()}`);
  const P = matMul(to.H, hInv);
  const Pk = mulVec(P, from.k, d);
  return { P, Q: matSub(to.G, matMul(P, from.G)), c: to.k.map((x, i) => x - Pk[i]!) };
}

/** The identity conversion (from = to). */
export const identityConversion = (d: number): AffineConversion => ({
  P: IDENTITY,
  Q: ZERO,
  c: new Float64Array(d),
});

function rowOp(m: Mat, src: FloatArray, o: number, i: number, d: number): number {
  if (m.kind === "scalar") return m.value === 0 ? 0 : m.value * src[o + i]!;
  if (m.kind === "diagonal") return m.values[i]! * src[o + i]!;
  let s = 0;
  const v = m.values;
  for (let j = 0; j < d; j++) s += v[i * d + j]! * src[o + j]!;
  return s;
}

/**
 * out = M·a + N·b + c row by row for batches a, b (rows of length d); `out` may alias a or b.
 * Returns `out` (or a new array of a's type). Checks types and lengths, naming `fn`.
 */
export function applyAffine<A extends FloatArray>(
  fn: string,
  M: Mat,
  a: A,
  aName: string,
  N: Mat,
  b: A,
  bName: string,
  c: Float64Array | null,
  d: number,
  out?: A,
): A {
  checkFloatArray(fn, aName, a);
  checkFloatArray(fn, bName, b);
  checkSameLength(fn, aName, a, bName, b);
  if (a.length % d !== 0)
    throw new RangeError(`${fn}: ${aName} has length ${a.length}, not a multiple of the dimension ${d}`);
  const o = outFor(fn, a, out);
  const row = new Float64Array(d);
  const n = a.length / d;
  for (let r = 0; r < n; r++) {
    const off = r * d;
    for (let i = 0; i < d; i++)
      row[i] = rowOp(M, a, off, i, d) + rowOp(N, b, off, i, d) + (c === null ? 0 : c[i]!);
    for (let i = 0; i < d; i++) o[off + i] = row[i]!;
  }
  return o;
}
