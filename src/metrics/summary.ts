/**
 * Summary statistics of per-sample results, as reports quote them: the mean with its standard
 * error, and the RMS distance between paired sample sets (e.g. a sampler's output and a reference
 * solution from the same noise). Browser-safe; float64 throughout.
 */
import { checkFloatArray, type FloatArray } from "../array.js";
import { checkSampleSets } from "./samples.js";

/** The sample mean of some values and the standard error of that mean. */
export interface MeanAndError {
  readonly mean: number;
  /** s/√n with the unbiased sample variance s²; NaN for n = 1 (no spread to estimate). */
  readonly standardError: number;
}

/**
 * Mean and standard error of the mean of `values` (n ≥ 1):
 *   x̄ = (1/n) Σᵢ xᵢ,   SE = √( Σᵢ (xᵢ − x̄)² / ((n − 1)·n) ).
 * Singular point: n = 1 has no sample variance, so SE is NaN. Non-finite values propagate (a
 * diverged estimate shows as NaN or ±∞ rather than failing the report). Two passes (the centred sum of squares
 * does not cancel as Σx² − n·x̄² does). Source: any statistics text, e.g. Wasserman, All of
 * Statistics (2004), §6.3.
 */
export function meanAndStandardError(values: FloatArray): MeanAndError {
  const fn = "meanAndStandardError";
  checkFloatArray(fn, "values", values);
  const n = values.length;
  if (n === 0) throw new RangeError(`${fn}: values is empty; pass at least one value`);
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i]!;
  const mean = s / n;
  let q = 0;
  for (let i = 0; i < n; i++) q += (values[i]! - mean) ** 2;
  return { mean, standardError: n > 1 ? Math.sqrt(q / (n - 1) / n) : Number.NaN };
}

/**
 * Root-mean-square over rows of the Euclidean distance between matching rows of `x` and `y`
 * (n × dim each, batch-major):
 *   RMS(x, y) = √( (1/n) Σᵢ ‖xᵢ − yᵢ‖² ).
 * The rows are paired (row i of x with row i of y), so both sets must have the same size; 0 iff
 * x = y. Errors name the function, the argument and the fix.
 */
export function rmsDistance(x: FloatArray, y: FloatArray, dim: number): number {
  const fn = "rmsDistance";
  const [n, m] = checkSampleSets(fn, x, y, dim);
  if (n !== m) {
    throw new RangeError(
      `${fn}: x has ${n} points but y has ${m}; the rows are paired, so pass sets of the same size`,
    );
  }
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - y[i]!) ** 2;
  return Math.sqrt(s / n);
}
