/**
 * Wasserstein-2 distances between sample sets: exact in 1-D, sliced in d dimensions. Browser-safe;
 * float64 throughout.
 */
import type { FloatArray } from "../array.js";
import { Rng } from "../random/rng.js";
import { checkSampleSets } from "./samples.js";

/**
 * Exact squared 2-Wasserstein distance between two sorted 1-D samples with uniform weights, of
 * any sizes n and m, by matching quantile functions:
 *   W₂²(a, b) = ∫₀¹ (F_a⁻¹(u) − F_b⁻¹(u))² du,
 * where F⁻¹ is piecewise constant (a₍ᵢ₎ on ((i−1)/n, i/n]); the integral is summed exactly over the
 * merged breakpoints {i/n} ∪ {j/m} (n + m − 1 pieces at most). For n = m it is (1/n) Σᵢ (a₍ᵢ₎ − b₍ᵢ₎)².
 * Both inputs must be sorted ascending and non-empty (not checked here; see `wasserstein2Squared1d`).
 * Source: Villani, Optimal Transport (2009), Remark 2.19 (the 1-D quantile coupling is optimal).
 */
export function sortedWasserstein2Squared(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  const m = b.length;
  if (n === m) {
    let s = 0;
    for (let i = 0; i < n; i++) s += (a[i]! - b[i]!) ** 2;
    return s / n;
  }
  // Work in integer units of 1/(n·m): a's k-th breakpoint is (k+1)·m, b's is (k+1)·n.
  let i = 0;
  let j = 0;
  let prev = 0;
  let s = 0;
  while (i < n && j < m) {
    const ea = (i + 1) * m;
    const eb = (j + 1) * n;
    const next = Math.min(ea, eb);
    s += (next - prev) * (a[i]! - b[j]!) ** 2;
    prev = next;
    if (ea === next) i++;
    if (eb === next) j++;
  }
  return s / (n * m);
}

/**
 * Exact squared 2-Wasserstein distance between two 1-D samples (uniform weights, sizes may differ):
 * W₂²(x, y) = ∫₀¹ (F_x⁻¹(u) − F_y⁻¹(u))² du (see `sortedWasserstein2Squared`). Sorts copies; the inputs
 * are not modified. Throws a RangeError on an empty or non-finite input.
 */
export function wasserstein2Squared1d(x: FloatArray, y: FloatArray): number {
  checkSampleSets("wasserstein2Squared1d", x, y, 1);
  return sortedWasserstein2Squared(Float64Array.from(x).sort(), Float64Array.from(y).sort());
}

/**
 * `count` directions drawn uniformly on the unit sphere S^{d−1}: θ = z/‖z‖, z ~ N(0, I_d) from `rng`
 * (count × dim, batch-major, float64). In 1-D every direction is ±1.
 */
export function randomDirections(dim: number, count: number, rng: Rng): Float64Array {
  if (!Number.isInteger(dim) || dim < 1)
    throw new RangeError(`randomDirections: dim must be a positive integer, got ${dim}`);
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`randomDirections: count must be a positive integer, got ${count}`);
  const out = new Float64Array(count * dim);
  for (let l = 0; l < count; l++) {
    let norm2 = 0;
    // Redraw the (probability-zero) all-zero vector so the normalisation is defined.
    while (norm2 === 0) {
      for (let k = 0; k < dim; k++) {
        const z = rng.normal();
        out[l * dim + k] = z;
        norm2 += z * z;
      }
    }
    const inv = 1 / Math.sqrt(norm2);
    for (let k = 0; k < dim; k++) out[l * dim + k]! *= inv;
  }
  return out;
}

/**
 * Where the projection directions of the sliced distance come from: drawn from a seeded `rng`
 * (`projections` of them, default 128), or given (`directions`, count × dim unit vectors).
 */
export type SlicedDirections =
  | { readonly rng: Rng; readonly projections?: number }
  | { readonly directions: Float64Array };

function project(
  x: FloatArray,
  dim: number,
  theta: Float64Array,
  l: number,
  out: Float64Array,
): Float64Array {
  const o = l * dim;
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += x[i * dim + k]! * theta[o + k]!;
    out[i] = s;
  }
  return out.sort();
}

/**
 * Squared sliced 2-Wasserstein distance between point sets x (n × dim) and y (m × dim):
 *   SW₂²(x, y) = E_θ[W₂²(θ·x, θ·y)] ≈ (1/L) Σₗ W₂²(θₗ·x, θₗ·y),  θₗ uniform on S^{d−1},
 * each 1-D term exact by quantile matching (`sortedWasserstein2Squared`; n ≠ m allowed). A Monte
 * Carlo estimate over the L directions, unbiased for the sliced distance of the two empirical
 * measures (which itself is a biased, consistent estimate of the population SW₂²). For a shift,
 * SW₂²(x, x + δ) = (1/L) Σₗ (θₗ·δ)² exactly, with expectation ‖δ‖²/d.
 * Throws a RangeError on empty sets, a length that is not a multiple of dim, or non-finite values.
 * Source: Rabin, Peyré, Delon & Bernot (2011), "Wasserstein barycenter and its application to
 * texture mixing"; Bonneel et al. (2015), "Sliced and Radon Wasserstein barycenters of measures".
 */
export function slicedWassersteinSquared(
  x: FloatArray,
  y: FloatArray,
  dim: number,
  source: SlicedDirections,
): number {
  const fn = "slicedWasserstein";
  const [n, m] = checkSampleSets(fn, x, y, dim);
  if (
    source === null ||
    typeof source !== "object" ||
    !("directions" in source || source.rng instanceof Rng)
  ) {
    throw new TypeError(
      `${fn}: source must be { rng: new Rng(seed), projections? } or { directions } (count × dim unit vectors)`,
    );
  }
  let theta: Float64Array;
  if ("directions" in source) {
    theta = source.directions;
    if (theta.length === 0 || theta.length % dim !== 0) {
      throw new RangeError(
        `${fn}: directions has length ${theta.length}; pass count × dim = count × ${dim} unit vectors`,
      );
    }
  } else {
    theta = randomDirections(dim, source.projections ?? 128, source.rng);
  }
  const count = theta.length / dim;
  const px = new Float64Array(n);
  const py = new Float64Array(m);
  let s = 0;
  for (let l = 0; l < count; l++)
    s += sortedWasserstein2Squared(project(x, dim, theta, l, px), project(y, dim, theta, l, py));
  return s / count;
}

/**
 * Sliced 2-Wasserstein distance SW₂(x, y) = √(SW₂²(x, y)) — the square root of
 * `slicedWassersteinSquared` (same arguments, estimator and errors). Same units as the data.
 */
export function slicedWasserstein(
  x: FloatArray,
  y: FloatArray,
  dim: number,
  source: SlicedDirections,
): number {
  return Math.sqrt(slicedWassersteinSquared(x, y, dim, source));
}
