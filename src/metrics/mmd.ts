/**
 * Maximum mean discrepancy with a Gaussian (RBF) kernel between two sample sets. Browser-safe;
 * float64 accumulation.
 */
import type { FloatArray } from "../array.js";
import { checkSampleSets } from "./samples.js";

/** MMD² estimators: "unbiased" (U-statistic, may be slightly negative) or "biased" (V-statistic, ≥ 0). */
export type MmdEstimator = "unbiased" | "biased";

/** Options for `mmdRbf`. */
export interface MmdOptions {
  /** Default "unbiased". */
  readonly estimator?: MmdEstimator;
  /** Kernel bandwidth h > 0, or "median" (default): the median heuristic, see `medianBandwidth`. */
  readonly bandwidth?: number | "median";
}

/** The result of `mmdRbf`: the MMD² estimate and the bandwidth h it used. */
export interface MmdResult {
  readonly mmd2: number;
  readonly bandwidth: number;
}

/** Points used per set by the median heuristic (the first ones of each set). */
export const MEDIAN_HEURISTIC_POINTS = 500;

function sqDist(a: FloatArray, i: number, b: FloatArray, j: number, dim: number): number {
  let s = 0;
  for (let k = 0; k < dim; k++) {
    const d = a[i * dim + k]! - b[j * dim + k]!;
    s += d * d;
  }
  return s;
}

/**
 * Median heuristic bandwidth: h = median{‖zᵢ − zⱼ‖ : i < j} over the pooled points z = the first
 * min(n, 500) of x and the first min(m, 500) of y (a deterministic subset, so the cost stays
 * O(10⁶·dim)). Throws a RangeError when the median distance is 0 (e.g. all points equal) — pass a
 * bandwidth instead. Source: Gretton et al. (2012), "A kernel two-sample test", JMLR 13, §8.
 */
export function medianBandwidth(x: FloatArray, y: FloatArray, dim: number): number {
  const fn = "medianBandwidth";
  const [n, m] = checkSampleSets(fn, x, y, dim);
  const nx = Math.min(n, MEDIAN_HEURISTIC_POINTS);
  const ny = Math.min(m, MEDIAN_HEURISTIC_POINTS);
  const total = nx + ny;
  if (total < 2) throw new RangeError(`${fn}: needs at least 2 points in all, got ${total}`);
  const pt = (p: number): [FloatArray, number] => (p < nx ? [x, p] : [y, p - nx]);
  const d2 = new Float64Array((total * (total - 1)) / 2);
  let c = 0;
  for (let p = 0; p < total; p++) {
    const [a, i] = pt(p);
    for (let q = p + 1; q < total; q++) {
      const [b, j] = pt(q);
      d2[c++] = sqDist(a, i, b, j, dim);
    }
  }
  d2.sort();
  const half = d2.length >> 1;
  const med =
    d2.length % 2 === 1 ? Math.sqrt(d2[half]!) : (Math.sqrt(d2[half - 1]!) + Math.sqrt(d2[half]!)) / 2;
  if (!(med > 0))
    throw new RangeError(
      `${fn}: the median pairwise distance is 0 (the points coincide); pass an explicit bandwidth`,
    );
  return med;
}

/** Σ k(aᵢ, bⱼ) over all pairs (i, j), excluding i = j when `same` (a = b), with k = exp(−‖·‖²·γ). */
function kernelSum(
  a: FloatArray,
  na: number,
  b: FloatArray,
  nb: number,
  dim: number,
  gamma: number,
  same: boolean,
): number {
  let s = 0;
  for (let i = 0; i < na; i++) {
    if (same) {
      for (let j = i + 1; j < nb; j++) s += 2 * Math.exp(-gamma * sqDist(a, i, b, j, dim));
    } else {
      for (let j = 0; j < nb; j++) s += Math.exp(-gamma * sqDist(a, i, b, j, dim));
    }
  }
  return s;
}

/**
 * Squared maximum mean discrepancy between x (n × dim) and y (m × dim) with the RBF kernel
 * k(a, b) = exp(−‖a − b‖² / (2h²)):
 *   unbiased: MMD²ᵤ = Σ_{i≠j} k(xᵢ,xⱼ)/(n(n−1)) + Σ_{i≠j} k(yᵢ,yⱼ)/(m(m−1)) − 2 Σᵢⱼ k(xᵢ,yⱼ)/(nm)
 *   biased:   MMD²_b = Σᵢⱼ k(xᵢ,xⱼ)/n² + Σᵢⱼ k(yᵢ,yⱼ)/m² − 2 Σᵢⱼ k(xᵢ,yⱼ)/(nm)   (≥ 0)
 * The unbiased estimate has expectation MMD² of the two distributions and can be below 0 when they
 * agree; it needs n, m ≥ 2. Cost O((n + m)²·dim). Errors as `slicedWasserstein`, plus h ≤ 0.
 * Source: Gretton et al. (2012), "A kernel two-sample test", JMLR 13, Lemma 6 and eq. (5).
 */
export function mmdRbf(x: FloatArray, y: FloatArray, dim: number, options: MmdOptions = {}): MmdResult {
  const fn = "mmdRbf";
  const estimator = options.estimator ?? "unbiased";
  if (estimator !== "unbiased" && estimator !== "biased") {
    throw new RangeError(`${fn}: estimator must be "unbiased" or "biased", got ${String(estimator)}`);
  }
  const [n, m] = checkSampleSets(fn, x, y, dim, estimator === "unbiased" ? 2 : 1);
  const bw = options.bandwidth ?? "median";
  const h = bw === "median" ? medianBandwidth(x, y, dim) : bw;
  if (!(typeof h === "number" && Number.isFinite(h) && h > 0)) {
    throw new RangeError(`${fn}: bandwidth must be a positive number or "median", got ${String(bw)}`);
  }
  const gamma = 1 / (2 * h * h);
  const kxx = kernelSum(x, n, x, n, dim, gamma, true);
  const kyy = kernelSum(y, m, y, m, dim, gamma, true);
  const kxy = kernelSum(x, n, y, m, dim, gamma, false);
  const mmd2 =
    estimator === "unbiased"
      ? kxx / (n * (n - 1)) + kyy / (m * (m - 1)) - (2 * kxy) / (n * m)
      : (kxx + n) / (n * n) + (kyy + m) / (m * m) - (2 * kxy) / (n * m);
  return { mmd2, bandwidth: h };
}
