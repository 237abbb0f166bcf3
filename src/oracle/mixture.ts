/**
 * The exact Gaussian-mixture oracle: data ~ Σₖ wₖ N(μₖ, Cₖ). On any Gaussian path with
 * xₜ | data ~ N(A·data + b, Σ) every quantity is closed form:
 *   component marginal  xₜ | k ~ N(mₖ, Mₖ),  mₖ = A μₖ + b,  Mₖ = A Cₖ Aᵀ + Σ;
 *   responsibilities    rₖ ∝ wₖ N(xₜ; mₖ, Mₖ)  (log-sum-exp, float64; qₖ − qⱼ formed without
 *                       cancellation, and rescaled by a power of two where qₖ would overflow);
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
  readonly cls: number; // the first component whose Mₖ equals this one's (shared covariances)
}

function sameMat(a: Mat, b: Mat): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "scalar") return a.value === (b as typeof a).value;
  const bv = (b as typeof a).values;
  return a.values.length === bv.length && a.values.every((v, i) => v === bv[i]);
}

/** For each matrix, the index of the first equal one. */
function classes(ms: readonly Mat[]): number[] {
  return ms.map((m, k) => {
    for (let j = 0; j < k; j++) if (sameMat(m, ms[j]!)) return j;
    return k;
  });
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
  const Ms = C.map((c) => matAdd(congruence(A, c), cov));
  const cls = classes(Ms);
  return mu.map((m, k) => {
    const mean = new Float64Array(dim);
    matVec(A, m, mean);
    if (b) for (let i = 0; i < dim; i++) mean[i]! += b[i]!;
    const M = Ms[k]!;
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
    return { mean, solver, gain, traceG, cls: cls[k]! };
  });
}

/** Scratch arrays of `evaluate` (per call, reused across rows). */
interface RowWork {
  readonly a: Float64Array; // log wₖ − ½ d log 2π − ½ log|Mₖ|
  readonly quad: Float64Array; // q̃ₖ = d̃ₖᵀ Mₖ⁻¹ d̃ₖ
  readonly d: Float64Array; // d̃ₖ = x/S − mₖ/S
  readonly s: Float64Array; // s̃ₖ = Mₖ⁻¹ d̃ₖ
  readonly e: Float64Array; // eₖ = μₖ + S·Gₖ s̃ₖ
  readonly u: Float64Array; // Mₖ⁻¹ d̃ⱼ
  readonly logR: Float64Array;
}

/**
 * Row i's per-component terms at scale S (a power of two: x/S and mₖ/S are exact, and for S large
 * enough nothing overflows for any finite x): d̃ₖ = (x − mₖ)/S, s̃ₖ = Mₖ⁻¹ d̃ₖ, q̃ₖ = d̃ₖᵀ s̃ₖ and
 * eₖ = μₖ + Gₖ (x − mₖ). Returns whether every term is finite.
 */
function rowTerms(
  comps: readonly Component[],
  dim: number,
  mu: readonly Float64Array[],
  x: FloatArray,
  i: number,
  scale: number,
  w: RowWork,
): boolean {
  let finite = true;
  for (let k = 0; k < comps.length; k++) {
    const comp = comps[k]!;
    const o = k * dim;
    for (let a = 0; a < dim; a++) {
      const d =
        scale === 1 ? x[i * dim + a]! - comp.mean[a]! : x[i * dim + a]! / scale - comp.mean[a]! / scale;
      w.d[o + a] = d;
      w.s[o + a] = d;
    }
    comp.solver.solveInPlace(w.s, o);
    let q = 0;
    for (let a = 0; a < dim; a++) q += w.d[o + a]! * w.s[o + a]!;
    w.quad[k] = q;
    // eₖ = μₖ + Cₖ Aᵀ Mₖ⁻¹ (x − mₖ)
    matVec(comp.gain, w.s, w.u, o, 0, dim);
    for (let a = 0; a < dim; a++) w.e[o + a] = mu[k]![a]! + (scale === 1 ? w.u[a]! : w.u[a]! * scale);
    if (!Number.isFinite(q)) finite = false;
    for (let a = 0; a < dim && finite; a++) if (!Number.isFinite(w.e[o + a]! + w.s[o + a]!)) finite = false;
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

/**
 * The responsibilities without cancellation. Against the nearest component j (least q̃), the
 * difference of the quadratic forms is
 *   qₖ − qⱼ = (mⱼ − mₖ)ᵀ Mₖ⁻¹ (dₖ + dⱼ) + dⱼᵀ (Mₖ⁻¹ − Mⱼ⁻¹) dⱼ,
 * whose first term grows only linearly in x and whose second vanishes when Mₖ = Mⱼ. Subtracting
 * qₖ and qⱼ themselves loses every digit once |x| ≫ |mⱼ − mₖ|/ε (the two components then get equal
 * weight, and at |x| ≳ 1e154 both overflow to NaN). log rₖ = aₖ − aⱼ − ½(qₖ − qⱼ) − LSE; returns
 * log p(x) = aⱼ − ½ qⱼ + LSE (−∞ only when it is below −1.8e308).
 */
function responsibilities(
  comps: readonly Component[],
  dim: number,
  scale: number,
  w: RowWork,
  r: Float64Array,
): number {
  const K = comps.length;
  let j = 0;
  for (let k = 1; k < K; k++) if (w.quad[k]! < w.quad[j]!) j = k;
  relativeLogWeights(comps, dim, scale, w, j);
  // Far out the scaled q̃ₖ may tie although the components differ (mₖ/S vanishes next to x/S):
  // re-reference to the truly largest weight, which the stable differences identify.
  let best = j;
  for (let k = 0; k < K; k++) if (w.logR[k]! > w.logR[best]!) best = k;
  if (best !== j) {
    j = best;
    relativeLogWeights(comps, dim, scale, w, j);
  }
  const lse = logSumExp(w.logR);
  for (let k = 0; k < K; k++) r[k] = Math.exp(w.logR[k]! - lse);
  return w.a[j]! - 0.5 * (w.quad[j]! * scale) * scale + lse;
}

/** logRₖ = aₖ − aⱼ − ½(qₖ − qⱼ) for every k (0 for j), by the stable difference above. */
function relativeLogWeights(
  comps: readonly Component[],
  dim: number,
  scale: number,
  w: RowWork,
  j: number,
): void {
  const oj = j * dim;
  for (let k = 0; k < comps.length; k++) {
    if (k === j) {
      w.logR[k] = 0;
      continue;
    }
    const comp = comps[k]!;
    const o = k * dim;
    // ũ = Mₖ⁻¹ d̃ⱼ (= s̃ⱼ when Mₖ = Mⱼ).
    const same = comp.cls === comps[j]!.cls;
    if (same) for (let a = 0; a < dim; a++) w.u[a] = w.s[oj + a]!;
    else {
      for (let a = 0; a < dim; a++) w.u[a] = w.d[oj + a]!;
      comp.solver.solveInPlace(w.u);
    }
    let linear = 0;
    for (let a = 0; a < dim; a++) linear += (comps[j]!.mean[a]! - comp.mean[a]!) * (w.s[o + a]! + w.u[a]!);
    let delta = linear * scale;
    if (!same) {
      let quadJ = 0;
      for (let a = 0; a < dim; a++) quadJ += w.d[oj + a]! * w.u[a]!;
      // (q·S)·S, never S² alone: S² overflows for |x| ≳ 1e154 and 0·∞ would be NaN.
      delta += (quadJ - w.quad[j]!) * scale * scale;
    }
    w.logR[k] = w.a[k]! - w.a[j]! - 0.5 * delta;
  }
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
  const c = -0.5 * dim * Math.log(2 * Math.PI);
  const w: RowWork = {
    a: Float64Array.from(comps, (comp, k) => logW[k]! + c - 0.5 * comp.solver.logDet),
    quad: new Float64Array(K),
    d: new Float64Array(K * dim),
    s: new Float64Array(K * dim),
    e: new Float64Array(K * dim),
    u: new Float64Array(dim),
    logR: new Float64Array(K),
  };
  const { s, e } = w;
  const resp = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    // Far out (|x| ≳ 1e154 on unit variance) the quadratic forms overflow: rescale by S = 2ᵖ.
    let scale = 1;
    if (!rowTerms(comps, dim, mu, x, i, 1, w)) {
      scale = rowScale(comps, dim, x, i);
      if (scale !== 1) rowTerms(comps, dim, mu, x, i, scale, w);
    }
    logProb[i] = responsibilities(comps, dim, scale, w, resp);
    // sₖ = −Mₖ⁻¹ (x − mₖ) = −S·s̃ₖ (±∞ only when the true score is beyond the float range).
    let trG = 0;
    for (let k = 0; k < K; k++) {
      const r = resp[k]!;
      if (r === 0) continue;
      trG += r * comps[k]!.traceG;
      for (let a = 0; a < dim; a++) {
        score[i * dim + a]! -= r * (s[k * dim + a]! * scale);
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
        if (diff !== 0) dot -= diff * (s[k * dim + a]! * scale);
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
  const cls = classes(C);
  const comps = mu.map((m, k) => ({
    mean: m,
    solver: spdSolver(C[k]!, dim, "gaussianMixture"),
    gain: scalarMat(0),
    traceG: 0,
    cls: cls[k]!,
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
