/**
 * The discrete-time variational bound of a DDPM table (Ho et al. 2020, eq. 5), for any model on an
 * affine path whose schedule is a `discreteSchedule` (table entry k ↔ Ho's step k + 1 ↔ canonical
 * time 1 − (k + 1)/N; ᾱ₋₁ = 1):
 *   −log p(x₀) ≤ L_prior + Σ_{k=1}^{N−1} L_k + L_dec,
 *   L_prior = KL(q(x_{N−1} | x₀) ‖ N(0, σ(0)²·I))   (the path's prior; σ(0)² = 1 − ᾱ_{N−1}),
 *   L_k = KL(q(x_{k−1} | x_k, x₀) ‖ p(x_{k−1} | x_k)) with x_k = √ᾱ_k·x₀ + √(1 − ᾱ_k)·ε:
 *     q mean μ̃ = c₀·x₀ + c_k·x_k,  c₀ = √ᾱ_{k−1}·β_k/(1 − ᾱ_k),  c_k = √(1 − β_k)·(1 − ᾱ_{k−1})/(1 − ᾱ_k),
 *     q variance β̃_k = (1 − ᾱ_{k−1})·β_k/(1 − ᾱ_k);  p mean c₀·x̂₀ + c_k·x_k (x̂₀ the model's data
 *     prediction), p variance s_k² = β̃_k ("posterior") or β_k ("beta"):
 *     L_k = (d/2)·(β̃_k/s_k² − 1 − log(β̃_k/s_k²)) + c₀²·‖x₀ − x̂₀‖²/(2s_k²);
 *   L_dec = −log p(x₀ | x_0-entry) with mean x̂₀ and variance s₀² = β₀ ("beta") or β̃₁ ("posterior",
 *     since β̃₀ = 0; the clipped choice of Nichol & Dhariwal 2021): a Gaussian density ("gaussian",
 *     bounds −log p(x₀) of continuous data) or its integral over x₀'s bin with the outer bins open
 *     ("discretized", Ho et al. eq. 13; bounds −log P(x₀) of discrete data).
 * (x₀ is Ho's index for the clean data, x̂₀ the model's prediction of it: `data` and `dataHat` below.)
 * One noise draw per table entry per sample, from per-sample streams (seed, draw = k); one model call
 * per table entry.
 */
import { type FloatArray, checkFinite, checkFloatArray } from "../array.js";
import { logDensityOfResiduals } from "../math/gaussian.js";
import { scalarMat } from "../math/matrix.js";
import { normalCdf } from "../math/scalar.js";
import { predict } from "../model/model.js";
import { perSampleNormals } from "../random/rng.js";
import type { TrainStep } from "../time.js";
import { type Quantization, binIndex, binWidth, bitsPerDim } from "./bitsPerDim.js";
import type { JacobianModel } from "./divergence.js";

/** The decoder term: continuous Gaussian density, or discretized over the quantization's bins. */
export type VlbDecoder =
  | { readonly kind: "gaussian" }
  | { readonly kind: "discretized"; readonly quantization: Quantization };

/** Options of `discreteVariationalBound`. */
export interface DiscreteVlbOptions {
  readonly dim: number;
  readonly decoder: VlbDecoder;
  /** Reverse-process variance: β̃ ("posterior", default) or β ("beta"). */
  readonly variance?: "posterior" | "beta";
  /** Seed of the per-sample noise streams. */
  readonly seed: number;
  /** Index of the batch's first sample in a larger data set (default 0). */
  readonly rowOffset?: number;
}

/** Result of `discreteVariationalBound` (nats per sample). */
export interface DiscreteVlbResult {
  /** The bound on −log p(data) (gaussian decoder) or −log P(data) (discretized). */
  readonly bound: Float64Array;
  /** L_prior per sample. */
  readonly prior: Float64Array;
  /** Σ_k L_k per sample. */
  readonly diffusion: Float64Array;
  /** L_dec per sample. */
  readonly decoder: Float64Array;
  /** bound/(d·ln 2): bits per dimension of discrete data (discretized), of a density (gaussian). */
  readonly bitsPerDim: Float64Array;
  /** Model calls (one per table entry). */
  readonly nfe: number;
}

/**
 * The DDPM variational bound of `data` (batch × dim) under `model` (file header). Throws naming
 * `discreteVariationalBound` unless the model's path is an affine path over a `discreteSchedule`.
 * Source: Ho et al. (2020), eqs. 5–7, 13; Sohl-Dickstein et al. (2015), App. B.
 */
export async function discreteVariationalBound(
  model: JacobianModel,
  data: FloatArray,
  options: DiscreteVlbOptions,
): Promise<DiscreteVlbResult> {
  const fn = "discreteVariationalBound";
  if (model === null || typeof model !== "object" || typeof model.predict !== "function") {
    throw new TypeError(`${fn}: model must be a Model { kind, path, predict }`);
  }
  const path = model.path;
  const table = path?.trainSteps;
  if (table === undefined) {
    throw new TypeError(
      `${fn}: the model's path must be affinePath(discreteSchedule(…)), got ${path.name}; the bound needs a DDPM table`,
    );
  }
  checkFloatArray(fn, "data", data);
  const { dim, decoder } = options ?? ({} as DiscreteVlbOptions);
  if (!(Number.isInteger(dim) && dim >= 1 && data.length % dim === 0)) {
    throw new RangeError(`${fn}: data has length ${data.length}, not a multiple of options.dim = ${dim}`);
  }
  checkFinite(fn, "data", data);
  if (decoder?.kind !== "gaussian" && decoder?.kind !== "discretized") {
    throw new TypeError(
      `${fn}: options.decoder must be { kind: "gaussian" } or { kind: "discretized", quantization }`,
    );
  }
  const width = decoder.kind === "discretized" ? binWidth(decoder.quantization, fn) : 0;
  const variance = options.variance ?? "posterior";
  if (variance !== "posterior" && variance !== "beta") {
    throw new RangeError(
      `${fn}: options.variance must be "posterior" or "beta", got ${JSON.stringify(variance)}`,
    );
  }
  const { seed } = options;
  const rowOffset = options.rowOffset ?? 0;
  const n = data.length / dim;
  const abar = table.alphasCumprod;
  const betas = table.betas;
  const N = abar.length;
  const abarPrev = (k: number): number => (k === 0 ? 1 : abar[k - 1]!);
  const posteriorVariance = (k: number): number => ((1 - abarPrev(k)) * betas[k]!) / (1 - abar[k]!);
  /** ‖a_i − b_i‖² of row i (b = null: ‖a_i‖²). */
  const rowSquaredNorm = (a: FloatArray, b: FloatArray | null, i: number): number => {
    let q = 0;
    for (let j = i * dim; j < (i + 1) * dim; j++) q += (a[j]! - (b === null ? 0 : b[j]!)) ** 2;
    return q;
  };

  // L_prior: KL(N(√ᾱ·data, (1 − ᾱ)I) ‖ N(0, σ0²I)), ᾱ = ᾱ_{N−1}.
  const s0 = path.slice(0).level!.sigma ** 2;
  const aT = abar[N - 1]!;
  const prior = new Float64Array(n);
  for (let i = 0; i < n; i++) prior[i] = isotropicKl(dim, 1 - aT, s0, aT * rowSquaredNorm(data, null, i));

  const diffusion = new Float64Array(n);
  const dec = new Float64Array(n);
  const eps = new Float64Array(n * dim);
  const xk = new Float64Array(n * dim);
  for (let k = 0; k < N; k++) {
    const t = table.timeOf(k as TrainStep);
    perSampleNormals(seed, k, rowOffset, n, dim, eps);
    const a = Math.sqrt(abar[k]!);
    const s = Math.sqrt(1 - abar[k]!);
    for (let i = 0; i < xk.length; i++) xk[i] = a * data[i]! + s * eps[i]!;
    const pred = await predict(model, xk, t, { batch: n, dim });
    const g2 = model.kind === "drift" ? model.g2(t) : undefined;
    const dataHat = path.slice(t).convert(pred, model.kind, "data", xk, g2 === undefined ? {} : { g2 });
    if (k === 0) {
      const v0 = variance === "beta" ? betas[0]! : posteriorVariance(1);
      if (decoder.kind === "gaussian") {
        const residuals = Float64Array.from(dataHat, (mean, i) => data[i]! - mean);
        const logp = logDensityOfResiduals(fn, residuals, scalarMat(v0), dim);
        for (let i = 0; i < n; i++) dec[i] = -logp[i]!;
      } else {
        for (let i = 0; i < n; i++)
          dec[i] = discretizedNll(decoder.quantization, data, dataHat, i * dim, dim, v0, width);
      }
      continue;
    }
    const c0 = (Math.sqrt(abarPrev(k)) * betas[k]!) / (1 - abar[k]!);
    const bt = posteriorVariance(k);
    const v = variance === "beta" ? betas[k]! : bt;
    for (let i = 0; i < n; i++)
      diffusion[i]! += isotropicKl(dim, bt, v, c0 * c0 * rowSquaredNorm(data, dataHat, i));
  }
  const bound = Float64Array.from(prior, (p, i) => p + diffusion[i]! + dec[i]!);
  const bpd = bitsPerDim(
    Float64Array.from(bound, (b) => -b),
    dim,
  );
  return { bound, prior, diffusion, decoder: dec, bitsPerDim: bpd, nfe: N };
}

/**
 * KL(N(μ_q, v_q·I) ‖ N(μ_p, v_p·I)) in d dimensions from meanSq = ‖μ_q − μ_p‖²:
 *   ½[d·(r − 1 − log r) + meanSq/v_p],  r = v_q/v_p.
 */
function isotropicKl(d: number, vq: number, vp: number, meanSq: number): number {
  const r = vq / vp;
  return 0.5 * (d * (r - 1 - Math.log(r)) + meanSq / vp);
}

/** −log P(data | ·) for one row: the Gaussian mass of each coordinate's bin (outer bins open). */
function discretizedNll(
  quantization: Quantization,
  data: FloatArray,
  mean: Float64Array,
  offset: number,
  dim: number,
  variance: number,
  width: number,
): number {
  const sd = Math.sqrt(variance);
  const { levels, range } = quantization;
  let nll = 0;
  for (let j = 0; j < dim; j++) {
    const mu = mean[offset + j]!;
    const bin = binIndex(data[offset + j]!, quantization, width);
    const lower = bin === 0 ? Number.NEGATIVE_INFINITY : (range[0] + bin * width - mu) / sd;
    const upper = bin === levels - 1 ? Number.POSITIVE_INFINITY : (range[0] + (bin + 1) * width - mu) / sd;
    // Φ(upper) − Φ(lower), from the tail nearer the bin to avoid cancellation.
    const mass = lower > 0 ? normalCdf(-lower) - normalCdf(-upper) : normalCdf(upper) - normalCdf(lower);
    nll -= Math.log(Math.max(mass, Number.MIN_VALUE));
  }
  return nll;
}
