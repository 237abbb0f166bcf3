/**
 * Multivariate Gaussians N(μ, Σ) in the matrix representations of matrix.ts: construction with
 * validation, log-density of batches and sampling with the symmetric square root x = μ + Σ^{1/2}·z.
 */
import { type FloatArray, checkAllocation, checkFloatArray, outFor } from "../array.js";
import { checkSymmetricPsd, sqrtPsd } from "./dense.js";
import { type Mat, type MatLike, matDim, matVecBatch, spdSolver, toMat, toVector } from "./matrix.js";

/** N(mean, cov); `dim` is undefined only when mean and cov are both numbers (isotropic, any dimension). */
export interface Gaussian {
  readonly kind: "gaussian";
  readonly dim: number | undefined;
  readonly mean: number | Float64Array;
  readonly cov: Mat;
}

/** Options of `gaussian`. */
export interface GaussianOptions {
  /** A number (every entry) or a vector. */
  readonly mean: number | ArrayLike<number>;
  /** A number (c·I), a vector (diagonal) or rows (dense); symmetric positive semidefinite. */
  readonly cov: MatLike;
  /** Dimension, when mean and cov are both numbers and it should be fixed. */
  readonly dim?: number;
}

/**
 * N(mean, cov), validated: finite entries, matching dimensions, cov symmetric PSD (may be singular).
 * Errors name `gaussian`, the argument and the fix.
 */
export function gaussian(options: GaussianOptions): Gaussian {
  const fn = "gaussian";
  if (options === null || typeof options !== "object") throw new TypeError(`${fn}: pass { mean, cov }`);
  const cov0 = toMat(fn, "cov", options.cov);
  const meanLen = typeof options.mean === "number" ? undefined : options.mean?.length;
  const dim = options.dim ?? meanLen ?? matDim(cov0);
  if (dim !== undefined && !(Number.isInteger(dim) && dim >= 1))
    throw new RangeError(`${fn}: dim must be a positive integer, got ${dim}`);
  if (dim !== undefined) checkAllocation(fn, "dim", dim);
  const cov = toMat(fn, "cov", cov0, dim);
  checkSymmetricPsd(fn, "cov", cov, dim ?? 1);
  if (typeof options.mean === "number") {
    if (!Number.isFinite(options.mean))
      throw new RangeError(`${fn}: mean must be finite, got ${options.mean}`);
    return {
      kind: "gaussian",
      dim,
      mean: dim === undefined ? options.mean : toVector(fn, "mean", options.mean, dim),
      cov,
    };
  }
  if (dim === undefined) throw new TypeError(`${fn}: mean must be a number or a vector`);
  return { kind: "gaussian", dim, mean: toVector(fn, "mean", options.mean, dim), cov };
}

/**
 * The Gaussian's mean and covariance in dimension `dim` (throws naming `fn` if its dimension differs;
 * `context` says whose dimension `dim` is, e.g. "the SDE").
 */
export function gaussianIn(
  fn: string,
  name: string,
  g: Gaussian,
  dim: number,
  context = "the input",
): { mean: Float64Array; cov: Mat } {
  if (g === null || typeof g !== "object" || g.kind !== "gaussian") {
    throw new TypeError(`${fn}: ${name} must be made with gaussian({ mean, cov })`);
  }
  if (g.dim !== undefined && g.dim !== dim) {
    throw new RangeError(
      `${fn}: ${name} has dimension ${g.dim} but ${context} has dimension ${dim}; make it with gaussian({ mean, cov }) in dimension ${dim}`,
    );
  }
  return { mean: toVector(fn, `${name}.mean`, g.mean, dim), cov: g.cov };
}

/**
 * log N(r; 0, Σ) for every row r of a batch of residuals (rows of length d):
 * −½(d·log 2π + log det Σ + rᵀΣ⁻¹r). Σ must be positive definite (throws naming `fn`).
 */
export function logDensityOfResiduals(
  fn: string,
  residuals: Float64Array,
  cov: Mat,
  d: number,
): Float64Array {
  const solver = spdSolver(cov, d, `${fn}: the covariance`);
  const n = residuals.length / d;
  const out = new Float64Array(n);
  const tmp = new Float64Array(d);
  const c = d * Math.log(2 * Math.PI) + solver.logDet;
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) tmp[i] = residuals[r * d + i]!;
    solver.solveInPlace(tmp);
    let q = 0;
    for (let i = 0; i < d; i++) q += residuals[r * d + i]! * tmp[i]!;
    out[r] = -0.5 * (c + q);
  }
  return out;
}

/** log N(x; μ, Σ) for every row of x (length batch·d). */
export function gaussianLogProb(g: Gaussian, x: FloatArray, d: number): Float64Array {
  const fn = "gaussianLogProb";
  checkFloatArray(fn, "x", x);
  const { mean, cov } = gaussianIn(fn, "the Gaussian", g, d);
  if (x.length % d !== 0) throw new RangeError(`${fn}: x has length ${x.length}, not a multiple of dim ${d}`);
  const r = Float64Array.from(x);
  for (let k = 0; k < r.length; k++) r[k]! -= mean[k % d]!;
  return logDensityOfResiduals(fn, r, cov, d);
}

/** x = μ + Σ^{1/2}·z for every row z of standard-normal `noise` (symmetric square root); same type as noise. */
export function gaussianSample<A extends FloatArray>(g: Gaussian, noise: A, d: number, out?: A): A {
  const fn = "gaussianSample";
  checkFloatArray(fn, "noise", noise);
  const { mean, cov } = gaussianIn(fn, "the Gaussian", g, d);
  if (noise.length % d !== 0)
    throw new RangeError(`${fn}: noise has length ${noise.length}, not a multiple of dim ${d}`);
  const o = outFor(fn, noise, out);
  const root = sqrtPsd(cov, d, fn, "cov");
  if (o === noise && root.kind === "dense") return matVecBatch(root, Float64Array.from(noise), d, o, mean);
  return matVecBatch(root, noise, d, o, mean);
}
