/**
 * The exact Gaussian-mixture oracle: data ~ Σₖ wₖ N(μₖ, Cₖ). On any Gaussian path with
 * xₜ | data ~ N(A·data + b, Σ) every quantity is closed form:
 *   component marginal  xₜ | k ~ N(mₖ, Mₖ),  mₖ = A μₖ + b,  Mₖ = A Cₖ Aᵀ + Σ;
 *   responsibilities    rₖ ∝ wₖ N(xₜ; mₖ, Mₖ)  (log-sum-exp, float64);
 *   denoiser            E[data | xₜ] = Σₖ rₖ eₖ,  eₖ = μₖ + Gₖ (xₜ − mₖ),  Gₖ = Cₖ Aᵀ Mₖ⁻¹;
 *   score               ∇ log pₜ(xₜ) = Σₖ rₖ sₖ,  sₖ = −Mₖ⁻¹ (xₜ − mₖ);
 *   divergence          tr ∂E[data|xₜ]/∂xₜ = Σₖ rₖ tr Gₖ + Σₖ rₖ (eₖ − E)ᵀ sₖ.
 * It is the reference model for samplers, likelihood and benchmarks.
 */
import { type FloatArray, type Shape, checkAllocation, checkFloatArray, checkShape } from "../array.js";
import { logSumExp } from "../math/scalar.js";
import { checkSymmetricPsd } from "../math/dense.js";
import {
  type Mat,
  type SpdSolver,
  choleskyDense,
  congruence,
  matAdd,
  matDim,
  matMul,
  matVec,
  scalarMat,
  spdSolver,
  toDense,
  toMat,
  transpose,
} from "../math/matrix.js";
import type { Model } from "../model/model.js";
import type { GaussianPath } from "../path/path.js";
import type { Rng } from "../random/rng.js";

/** A component covariance: variance (isotropic), per-coordinate variances (diagonal), or full rows. */
export type CovarianceSpec = number | readonly number[] | readonly (readonly number[])[];

/** Options of `gaussianMixture`. */
export interface GaussianMixtureOptions {
  readonly weights: readonly number[];
  readonly means: readonly (readonly number[])[];
  /** One spec per component, or a single variance shared by all (isotropic). */
  readonly covariances: readonly CovarianceSpec[] | number;
}

/** The mixture's exact quantities on one path. */
export interface MixtureOnPath {
  /** A `data`-kind Model returning E[data | xₜ] exactly. */
  readonly denoiser: Model;
  /** log pₜ(x) per row. */
  logProb(t: number, x: FloatArray): Float64Array;
  /** ∇ₓ log pₜ(x). */
  score(t: number, x: FloatArray): Float64Array;
  /** E[data | xₜ]. */
  posteriorMean(t: number, x: FloatArray): Float64Array;
  /** tr ∂E[data | xₜ]/∂xₜ per row (for exact probability-flow divergences). */
  posteriorMeanDivergence(t: number, x: FloatArray): Float64Array;
}

/** A Gaussian mixture in dimension `dim` (see the file header for the formulas). */
export interface GaussianMixture {
  readonly dim: number;
  readonly weights: Float64Array;
  readonly means: readonly Float64Array[];
  readonly covariances: readonly Mat[];
  /** n samples (n × dim), drawn sequentially from `rng`. */
  sample(rng: Rng, n: number): Float64Array;
  /** log p(x) per row of the data distribution itself. */
  logProb(x: FloatArray): Float64Array;
  /** Exact quantities on a Gaussian path. */
  on(path: GaussianPath): MixtureOnPath;
  /** Shortcut for `on(path).denoiser`. */
  denoiser(path: GaussianPath): Model;
}

/** Cₖ from its spec, validated: finite, dimension `dim`, symmetric positive definite. */
function covarianceMat(spec: CovarianceSpec, dim: number, k: number): Mat {
  const fn = "gaussianMixture";
  const name = `covariances[${k}]`;
  const m = toMat(fn, name, spec, dim);
  checkSymmetricPsd(fn, name, m, dim, true);
  return m;
}

/**
 * A Gaussian mixture Σₖ wₖ N(μₖ, Cₖ); weights are normalized; covariances isotropic, diagonal or full.
 */
export function gaussianMixture(options: GaussianMixtureOptions): GaussianMixture {
  const fn = "gaussianMixture";
  const { weights, means, covariances } = options ?? ({} as GaussianMixtureOptions);
  if (!Array.isArray(weights) || weights.length === 0)
    throw new TypeError(`${fn}: weights must be a non-empty array`);
  if (!Array.isArray(means) || means.length !== weights.length) {
    throw new RangeError(
      `${fn}: means must have one row per weight (${weights.length}), got ${Array.isArray(means) ? means.length : typeof means}`,
    );
  }
  const isRow = (m: unknown): m is ArrayLike<number> =>
    Array.isArray(m) || (ArrayBuffer.isView(m) && !(m instanceof DataView));
  means.forEach((m, k) => {
    if (!isRow(m))
      throw new TypeError(`${fn}: means[${k}] must be an array of numbers (one mean vector per component)`);
  });
  const dim = means[0]!.length;
  if (dim < 1) throw new RangeError(`${fn}: means must have at least one coordinate`);
  const K = weights.length;
  let total = 0;
  weights.forEach((w, k) => {
    if (typeof w !== "number" || !(w >= 0) || !Number.isFinite(w))
      throw new RangeError(`${fn}: weights[${k}] = ${w} must be a finite number ≥ 0`);
    total += w;
  });
  if (!(total > 0)) throw new RangeError(`${fn}: weights must not all be 0`);
  const w = Float64Array.from(weights, (x) => x / total);
  const mu = means.map((m, k) => {
    if (m.length !== dim)
      throw new RangeError(`${fn}: means[${k}] has ${m.length} coordinates, expected ${dim}`);
    const row = Float64Array.from(m);
    row.forEach((v, a) => {
      if (typeof m[a] !== "number" || !Number.isFinite(v))
        throw new RangeError(`${fn}: means[${k}][${a}] = ${String(m[a])} must be a finite number`);
    });
    return row;
  });
  let covSpecs: readonly CovarianceSpec[];
  if (typeof covariances === "number") covSpecs = Array<CovarianceSpec>(K).fill(covariances);
  else if (Array.isArray(covariances) && covariances.length === K)
    covSpecs = covariances as readonly CovarianceSpec[];
  else {
    throw new RangeError(
      `${fn}: covariances must be one variance shared by all components, or one spec per component (${K}); got ${Array.isArray(covariances) ? `${covariances.length} entries` : typeof covariances}`,
    );
  }
  const C = covSpecs.map((s, k) => covarianceMat(s, dim, k));
  // Cholesky factors of Cₖ for sampling.
  const factors = C.map((c) => choleskyDense(toDense(c, dim), dim, fn));
  const logW = Array.from(w, Math.log);

  const sample = (rng: Rng, n: number): Float64Array => {
    if (!Number.isInteger(n) || n < 0)
      throw new RangeError(`${fn}.sample: n must be a non-negative integer, got ${n}`);
    checkAllocation(`${fn}.sample`, "n × dim", n * dim);
    const out = new Float64Array(n * dim);
    const z = new Float64Array(dim);
    for (let i = 0; i < n; i++) {
      let u = rng.uniform();
      let k = 0;
      while (k < K - 1 && u >= w[k]!) u -= w[k++]!;
      rng.fillNormal(z);
      const l = factors[k]!;
      for (let a = 0; a < dim; a++) {
        let s = mu[k]![a]!;
        for (let b = 0; b <= a; b++) s += l[a * dim + b]! * z[b]!;
        out[i * dim + a] = s;
      }
    }
    return out;
  };

  const onPath = (path: GaussianPath): MixtureOnPath => onPathImpl(path, dim, logW, mu, C);
  const dataPath = identityPathQuantities(dim, logW, mu, C);

  return {
    dim,
    weights: w,
    means: mu,
    covariances: C,
    sample,
    logProb: (x) => dataPath(x).logProb,
    on: onPath,
    denoiser: (path) => onPath(path).denoiser,
  };
}

interface Component {
  readonly mean: Float64Array; // mₖ
  readonly solver: SpdSolver; // Mₖ⁻¹
  readonly gain: Mat; // Cₖ Aᵀ (applied after Mₖ⁻¹)
  readonly traceG: number; // tr(Cₖ Aᵀ Mₖ⁻¹)
}

/** Per-row results of the mixture at one conditional N(A·data + b, Σ). */
interface RowQuantities {
  readonly logProb: Float64Array;
  readonly score: Float64Array;
  readonly mean: Float64Array;
  readonly divergence: Float64Array;
}

function components(
  A: Mat,
  b: Float64Array | null,
  cov: Mat,
  dim: number,
  mu: readonly Float64Array[],
  C: readonly Mat[],
  fn: string,
): Component[] {
  const At = transpose(A);
  return mu.map((m, k) => {
    const mean = new Float64Array(dim);
    matVec(A, m, mean);
    if (b) for (let i = 0; i < dim; i++) mean[i]! += b[i]!;
    const M = matAdd(congruence(A, C[k]!), cov);
    const solver = spdSolver(M, dim, `${fn}: component ${k} marginal covariance`);
    const gain = matMul(C[k]!, At);
    // tr(Gₖ) = tr(Cₖ Aᵀ Mₖ⁻¹) = Σᵢ (Cₖ Aᵀ Mₖ⁻¹ eᵢ)ᵢ.
    let traceG = 0;
    const e = new Float64Array(dim);
    const g = new Float64Array(dim);
    if (gain.kind !== "dense" && M.kind !== "dense") {
      const gd = gain.kind === "scalar" ? null : gain.values;
      const md = M.kind === "scalar" ? null : M.values;
      for (let i = 0; i < dim; i++)
        traceG +=
          (gd ? gd[i]! : (gain as { value: number }).value) / (md ? md[i]! : (M as { value: number }).value);
    } else {
      for (let i = 0; i < dim; i++) {
        e.fill(0);
        e[i] = 1;
        solver.solveInPlace(e);
        matVec(gain, e, g);
        traceG += g[i]!;
      }
    }
    return { mean, solver, gain, traceG };
  });
}

/**
 * Row i's per-component terms into logTerms (log wₖ + log N(x; mₖ, Mₖ), or with `scale` S ≠ 1 the
 * finite part log wₖ − ½ log|2πMₖ| while quad receives (x − mₖ)ᵀ Mₖ⁻¹ (x − mₖ)/S²), sₖ = −Mₖ⁻¹ (x − mₖ)
 * and eₖ = μₖ + Gₖ (x − mₖ). S is a power of two, so x/S and mₖ/S are exact and nothing overflows for
 * any finite x. Returns whether every term is finite.
 */
function rowTerms(
  comps: readonly Component[],
  dim: number,
  logW: readonly number[],
  mu: readonly Float64Array[],
  x: FloatArray,
  i: number,
  scale: number,
  out: { logTerms: Float64Array; quad: Float64Array; s: Float64Array; e: Float64Array; tmp: Float64Array },
): boolean {
  const { logTerms, quad, s, e, tmp } = out;
  const c = -0.5 * dim * Math.log(2 * Math.PI);
  let finite = true;
  for (let k = 0; k < comps.length; k++) {
    const comp = comps[k]!;
    let q = 0;
    const o = k * dim;
    if (scale === 1) for (let a = 0; a < dim; a++) s[o + a] = x[i * dim + a]! - comp.mean[a]!;
    else for (let a = 0; a < dim; a++) s[o + a] = x[i * dim + a]! / scale - comp.mean[a]! / scale;
    // s ← Mₖ⁻¹ (x − mₖ); q = (x − mₖ)ᵀ Mₖ⁻¹ (x − mₖ)   (both / S with scaling, q / S²)
    for (let a = 0; a < dim; a++) tmp[a] = s[o + a]!;
    comp.solver.solveInPlace(s, o);
    for (let a = 0; a < dim; a++) q += tmp[a]! * s[o + a]!;
    quad[k] = q;
    logTerms[k] =
      scale === 1
        ? logW[k]! + c - 0.5 * comp.solver.logDet - 0.5 * q
        : logW[k]! + c - 0.5 * comp.solver.logDet;
    // eₖ = μₖ + Cₖ Aᵀ Mₖ⁻¹ (x − mₖ)
    matVec(comp.gain, s, tmp, o, 0, dim);
    for (let a = 0; a < dim; a++) e[o + a] = mu[k]![a]! + (scale === 1 ? tmp[a]! : tmp[a]! * scale);
    // sₖ = −Mₖ⁻¹ (x − mₖ)
    for (let a = 0; a < dim; a++) s[o + a] = scale === 1 ? -s[o + a]! : -s[o + a]! * scale;
    if (!Number.isFinite(logTerms[k]!)) finite = false;
    for (let a = 0; a < dim && finite; a++) if (!Number.isFinite(e[o + a]! + s[o + a]!)) finite = false;
  }
  return finite;
}

/** The power of two at or above max |row i of x|, max |mₖ| (1 when the row is not finite). */
function rowScale(comps: readonly Component[], dim: number, x: FloatArray, i: number): number {
  let m = 1;
  for (let a = 0; a < dim; a++) m = Math.max(m, Math.abs(x[i * dim + a]!));
  for (const comp of comps) for (let a = 0; a < dim; a++) m = Math.max(m, Math.abs(comp.mean[a]!));
  return Number.isFinite(m) ? 2 ** Math.min(1023, Math.ceil(Math.log2(m))) : 1;
}

function evaluate(
  comps: readonly Component[],
  dim: number,
  logW: readonly number[],
  mu: readonly Float64Array[],
  x: FloatArray,
  fn: string,
): RowQuantities {
  checkFloatArray(fn, "x", x);
  if (x.length % dim !== 0)
    throw new RangeError(`${fn}: x has length ${x.length}, not a multiple of the mixture dimension ${dim}`);
  const n = x.length / dim;
  const K = comps.length;
  const logProb = new Float64Array(n);
  const score = new Float64Array(n * dim);
  const mean = new Float64Array(n * dim);
  const divergence = new Float64Array(n);
  const work = {
    logTerms: new Float64Array(K),
    quad: new Float64Array(K),
    s: new Float64Array(K * dim),
    e: new Float64Array(K * dim),
    tmp: new Float64Array(dim),
  };
  const { logTerms, quad, s, e } = work;
  const resp = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    if (rowTerms(comps, dim, logW, mu, x, i, 1, work)) {
      // The direct form: rₖ = exp(logTermsₖ − LSE).
      const lse = logSumExp(logTerms);
      logProb[i] = lse;
      for (let k = 0; k < K; k++) resp[k] = Math.exp(logTerms[k]! - lse);
    } else {
      // Far out (|x| ≳ 1e154 on unit variance) the quadratic forms overflow. Scaled by S = 2ᵖ:
      // log N(x; mₖ, Mₖ) = finiteₖ − ½ S² q̃ₖ, and rₖ ∝ exp(finiteₖ − ½ S² (q̃ₖ − min q̃)), which
      // cannot overflow; log p = LSE − ½ S² min q̃ (−∞ only when the true value is below −1.8e308).
      const scale = rowScale(comps, dim, x, i);
      rowTerms(comps, dim, logW, mu, x, i, scale, work);
      let qMin = Number.POSITIVE_INFINITY;
      for (let k = 0; k < K; k++) qMin = Math.min(qMin, quad[k]!);
      // (q·S)·S, never S² alone: S² overflows for |x| ≳ 1e154 and 0·∞ would be NaN.
      for (let k = 0; k < K; k++) logTerms[k]! -= 0.5 * ((quad[k]! - qMin) * scale) * scale;
      const lse = logSumExp(logTerms);
      logProb[i] = lse - 0.5 * (qMin * scale) * scale;
      for (let k = 0; k < K; k++) resp[k] = Math.exp(logTerms[k]! - lse);
    }
    let trG = 0;
    for (let k = 0; k < K; k++) {
      const r = resp[k]!;
      if (r === 0) continue;
      trG += r * comps[k]!.traceG;
      for (let a = 0; a < dim; a++) {
        score[i * dim + a]! += r * s[k * dim + a]!;
        mean[i * dim + a]! += r * e[k * dim + a]!;
      }
    }
    let cross = 0;
    for (let k = 0; k < K; k++) {
      const r = resp[k]!;
      if (r === 0) continue;
      let dot = 0;
      for (let a = 0; a < dim; a++) {
        // Skipping an exact 0 changes no sum and keeps 0·∞ (a score that overflows) out.
        const diff = e[k * dim + a]! - mean[i * dim + a]!;
        if (diff !== 0) dot += diff * s[k * dim + a]!;
      }
      cross += r * dot;
    }
    divergence[i] = trG + cross;
  }
  return { logProb, score, mean, divergence };
}

function identityPathQuantities(
  dim: number,
  logW: readonly number[],
  mu: readonly Float64Array[],
  C: readonly Mat[],
): (x: FloatArray) => RowQuantities {
  // At the data end: A = I, Σ = 0 ⇒ Mₖ = Cₖ.
  const comps = mu.map((m, k) => ({
    mean: m,
    solver: spdSolver(C[k]!, dim, "gaussianMixture"),
    gain: scalarMat(0),
    traceG: 0,
  }));
  return (x) => evaluate(comps, dim, logW, mu, x, "gaussianMixture.logProb");
}

function onPathImpl(
  path: GaussianPath,
  dim: number,
  logW: readonly number[],
  mu: readonly Float64Array[],
  C: readonly Mat[],
): MixtureOnPath {
  if (!path || typeof path.slice !== "function")
    throw new TypeError("gaussianMixture.on: path must be a GaussianPath");
  if (path.dim !== undefined && path.dim !== dim) {
    throw new RangeError(`gaussianMixture.on: the path has dimension ${path.dim} but the mixture has ${dim}`);
  }
  // Cache the component factorizations of the last few times (samplers query each time once or twice).
  const cache = new Map<number, Component[]>();
  const at = (t: number, fn: string): Component[] => {
    let comps = cache.get(t);
    if (!comps) {
      const { A, b, cov } = path.slice(t).conditional;
      const dA = matDim(A);
      if (dA !== undefined && dA !== dim)
        throw new RangeError(`${fn}: the path slice has dimension ${dA}, the mixture ${dim}`);
      comps = components(A, b, cov, dim, mu, C, fn);
      if (cache.size > 8) cache.delete(cache.keys().next().value!);
      cache.set(t, comps);
    }
    return comps;
  };
  const q = (t: number, x: FloatArray, fn: string) => evaluate(at(t, fn), dim, logW, mu, x, fn);
  const denoiser: Model = {
    kind: "data",
    path,
    predict: (xt: Float64Array, t: number, shape: Shape) => {
      checkShape("gaussianMixture.denoiser", "xt", xt, shape);
      if (shape.dim !== dim)
        throw new RangeError(`gaussianMixture.denoiser: shape.dim = ${shape.dim}, the mixture has ${dim}`);
      return q(t, xt, "gaussianMixture.denoiser").mean;
    },
  };
  return {
    denoiser,
    logProb: (t, x) => q(t, x, "gaussianMixture.logProb").logProb,
    score: (t, x) => q(t, x, "gaussianMixture.score").score,
    posteriorMean: (t, x) => q(t, x, "gaussianMixture.posteriorMean").mean,
    posteriorMeanDivergence: (t, x) => q(t, x, "gaussianMixture.posteriorMeanDivergence").divergence,
  };
}
