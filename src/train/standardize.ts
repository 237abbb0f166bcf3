/**
 * Data standardisation: the affine change of variables z = (x − μ)/s per coordinate that makes the
 * training data zero-mean with unit variance in every coordinate, so the path's noise levels, its
 * prior N(0, I) at t = 0 and the network's inputs mean the same for every data set. A model trained
 * on z generates z; samples map back by x = μ + s·z, and log-likelihoods by the change of variables
 *   log p_x(x) = log p_z((x − μ)/s) − Σⱼ log sⱼ.
 *
 * Per coordinate rather than one global scale: the prior is isotropic, so a coordinate whose spread
 * is 100× smaller than another's would otherwise sit below the noise floor of most of the path (a
 * 3-D point cloud with a thin axis, features in different units); standardising each coordinate is
 * the usual choice for vector data (as scikit-learn's StandardScaler). A global scale is right where
 * coordinates share one unit and a near-constant coordinate must not be blown up (image pixels): such
 * data keeps its own convention (difflux's digits: dequantised to [−1, 1]). A coordinate with (almost)
 * no spread is scaled by a floor, 10⁻³ of the largest coordinate's standard deviation, so it is never
 * divided by 0 or magnified beyond that.
 */
import { type FloatArray, checkFloatArray, like } from "../array.js";

/** A fitted standardisation (JSON; stored in checkpoints): z = (x − mean)/scale per coordinate. */
export interface Standardization {
  /** μⱼ, one per coordinate. */
  readonly mean: readonly number[];
  /** sⱼ > 0, one per coordinate. */
  readonly scale: readonly number[];
}

/** The floor of a coordinate's scale, relative to the largest coordinate's standard deviation. */
export const STANDARDIZATION_FLOOR = 1e-3;

function checkRows(fn: string, x: FloatArray, dim: number): void {
  checkFloatArray(fn, "x", x);
  if (!Number.isInteger(dim) || dim < 1)
    throw new RangeError(`${fn}: dim must be a positive integer, got ${dim}`);
  if (x.length % dim !== 0)
    throw new RangeError(
      `${fn}: x has length ${x.length}, not a multiple of dim = ${dim}; pass rows of dim numbers`,
    );
}

/** Throws naming `fn` unless `s` is a Standardization of `dim` coordinates (finite means, scales > 0). */
export function checkStandardization(fn: string, s: Standardization, dim?: number): void {
  const ok =
    s !== null &&
    typeof s === "object" &&
    Array.isArray(s.mean) &&
    Array.isArray(s.scale) &&
    s.mean.length === s.scale.length &&
    s.mean.length > 0;
  if (!ok)
    throw new TypeError(
      `${fn}: standardization must be { mean: number[], scale: number[] } of equal lengths`,
    );
  if (dim !== undefined && s.mean.length !== dim) {
    throw new RangeError(
      `${fn}: the standardization has ${s.mean.length} coordinates but the data has dim ${dim}; use the one fitted on this data`,
    );
  }
  s.mean.forEach((m, j) => {
    if (typeof m !== "number" || !Number.isFinite(m))
      throw new RangeError(`${fn}: standardization.mean[${j}] = ${m} must be finite`);
  });
  s.scale.forEach((v, j) => {
    if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v))
      throw new RangeError(`${fn}: standardization.scale[${j}] = ${v} must be a finite number > 0`);
  });
}

/**
 * The standardisation of `data` (rows × dim): μⱼ the coordinate's mean, sⱼ = max(σⱼ, 10⁻³·maxₖ σₖ)
 * with σⱼ its population standard deviation (sⱼ = 1 for every coordinate when all are constant).
 * Two passes in float64 (mean, then squared deviations), so there is no cancellation.
 */
export function fitStandardization(data: FloatArray, dim: number): Standardization {
  const fn = "fitStandardization";
  checkRows(fn, data, dim);
  const rows = data.length / dim;
  if (rows < 1) throw new RangeError(`${fn}: data is empty; pass at least one row`);
  const mean = new Float64Array(dim);
  for (let i = 0; i < data.length; i++) mean[i % dim]! += data[i]!;
  for (let j = 0; j < dim; j++) mean[j]! /= rows;
  const variance = new Float64Array(dim);
  for (let i = 0; i < data.length; i++) {
    const d = data[i]! - mean[i % dim]!;
    variance[i % dim]! += d * d;
  }
  const std = Array.from(variance, (v) => Math.sqrt(v / rows));
  if (![...mean, ...std].every(Number.isFinite))
    throw new RangeError(`${fn}: data holds non-finite values or overflows float64; clean the data first`);
  const largest = Math.max(...std);
  const floor = largest > 0 ? STANDARDIZATION_FLOOR * largest : 1;
  return { mean: Array.from(mean), scale: std.map((s) => Math.max(s, floor)) };
}

/** z = (x − μ)/s per coordinate, in x's float type (rows × dim; a new array). */
export function standardize<A extends FloatArray>(x: A, s: Standardization): A {
  const fn = "standardize";
  checkStandardization(fn, s);
  const dim = s.mean.length;
  checkRows(fn, x, dim);
  const out = like(x);
  for (let i = 0; i < x.length; i++) out[i] = (x[i]! - s.mean[i % dim]!) / s.scale[i % dim]!;
  return out;
}

/** x = μ + s·z per coordinate, the inverse of `standardize` (rows × dim; a new array). */
export function unstandardize<A extends FloatArray>(z: A, s: Standardization): A {
  const fn = "unstandardize";
  checkStandardization(fn, s);
  const dim = s.mean.length;
  checkRows(fn, z, dim);
  const out = like(z);
  for (let i = 0; i < z.length; i++) out[i] = s.mean[i % dim]! + s.scale[i % dim]! * z[i]!;
  return out;
}

/**
 * log|det ∂z/∂x| = −Σⱼ log sⱼ of the standardisation, so log p_x(x) = log p_z(z) + this (per row).
 * Source: the change-of-variables formula for densities.
 */
export function standardizationLogDet(s: Standardization): number {
  checkStandardization("standardizationLogDet", s);
  return -s.scale.reduce((acc, v) => acc + Math.log(v), 0);
}
