/**
 * The Fréchet distance between two sets of feature vectors, each summarized by its mean and
 * covariance (the FID of Heusel et al. 2017, eq. 6, with any feature extractor):
 *   d² = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2·tr (Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2},
 * the squared 2-Wasserstein distance between N(μ₁, Σ₁) and N(μ₂, Σ₂) (Dowson & Landau 1982). The
 * symmetric form Σ₁^{1/2} Σ₂ Σ₁^{1/2} is PSD, so its square root's trace is Σ √max(wᵢ, 0) over its
 * eigenvalues. Covariances are unbiased (1/(n − 1)); each set needs ≥ 2 points. Browser-safe.
 */
import type { FloatArray } from "../array.js";
import { sqrtPsd, symmetricEigen } from "../math/dense.js";
import { denseMat, toDense } from "../math/matrix.js";
import { checkSampleSets } from "./samples.js";

/** Mean and unbiased covariance (row-major d × d) of n points of dimension d. */
export interface FeatureStatistics {
  readonly mean: Float64Array;
  readonly cov: Float64Array;
  readonly count: number;
}

/** The mean and unbiased covariance Σ = Σᵢ (xᵢ − μ)(xᵢ − μ)ᵀ/(n − 1) of the rows of x. */
export function featureStatistics(x: FloatArray, dim: number): FeatureStatistics {
  const [n] = checkSampleSets("featureStatistics", x, x, dim, 2);
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let a = 0; a < dim; a++) mean[a]! += x[i * dim + a]!;
  for (let a = 0; a < dim; a++) mean[a]! /= n;
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < dim; a++) row[a] = x[i * dim + a]! - mean[a]!;
    for (let a = 0; a < dim; a++) for (let b = 0; b <= a; b++) cov[a * dim + b]! += row[a]! * row[b]!;
  }
  for (let a = 0; a < dim; a++) {
    for (let b = 0; b <= a; b++) cov[a * dim + b] = cov[b * dim + a] = cov[a * dim + b]! / (n - 1);
  }
  return { mean, cov, count: n };
}

/** The Fréchet distance d² (file header) between two feature summaries of the same dimension. */
export function frechetDistance(p: FeatureStatistics, q: FeatureStatistics): number {
  const d = p.mean.length;
  if (q.mean.length !== d || p.cov.length !== d * d || q.cov.length !== d * d) {
    throw new RangeError(
      `frechetDistance: the statistics have dimensions ${d} and ${q.mean.length}; they must match`,
    );
  }
  let dist = 0;
  for (let a = 0; a < d; a++) dist += (p.mean[a]! - q.mean[a]!) ** 2 + p.cov[a * d + a]! + q.cov[a * d + a]!;
  const root = toDense(sqrtPsd(denseMat(p.cov, d), d, "frechetDistance", "the first covariance"), d);
  const middle = new Float64Array(d * d);
  const tmp = new Float64Array(d * d);
  // tmp = Σ₁^{1/2} Σ₂, middle = tmp Σ₁^{1/2}.
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += root[i * d + k]! * q.cov[k * d + j]!;
      tmp[i * d + j] = s;
    }
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += tmp[i * d + k]! * root[k * d + j]!;
      middle[i * d + j] = s;
    }
  const { values } = symmetricEigen(denseMat(middle, d), d);
  for (const w of values) dist -= 2 * Math.sqrt(Math.max(w, 0));
  return Math.max(dist, 0);
}
