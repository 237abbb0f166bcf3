/**
 * Discrete data and bits per dimension, with every setting explicit (nothing hard-coded).
 *
 * A `Quantization` says how discrete values sit in model space: `levels` values per coordinate,
 * value k ↔ the bin [lo + k·Δ, lo + (k + 1)·Δ), Δ = (hi − lo)/levels over `range` = [lo, hi].
 * (8-bit images in [−1, 1] with centres k/127.5 − 1, as in Ho et al. 2020: levels 256,
 * range [−1 − 1/255, 1 + 1/255]; "(k + u)/256" in [0, 1] as in Song et al. 2021: range [0, 1].)
 * Dequantization: "uniform" y = lo + (k + u)·Δ, u ~ U[0, 1)ᵈ (seeded per sample), for which
 *   log P(k) ≥ E_u[log p(y)] + d·log Δ   (Theis et al. 2016, §3.1; Jensen),
 * or "none": y = lo + (k + ½)·Δ (the bin centre; log P(k) ≈ log p(y) + d·log Δ, midpoint rule).
 * Bits per dimension: bpd = −(log p(y) + d·log Δ)/(d·ln 2); without a quantization (continuous
 * data) bpd = −log p(y)/(d·ln 2).
 */
import { type FloatArray, checkFinite, checkFloatArray } from "../array.js";
import { normalCdf } from "../math/scalar.js";
import { perSampleNormals } from "../random/rng.js";
import { type LogLikelihoodOptions, logLikelihood } from "./logLikelihood.js";
import type { JacobianModel } from "./divergence.js";

/** How discrete values map to model space (file header). */
export interface Quantization {
  /** Number of discrete values per coordinate (e.g. 256 for 8 bits). */
  readonly levels: number;
  /** [lo, hi]: the model-space interval the `levels` bins tile. */
  readonly range: readonly [number, number];
}

/** "uniform": y = lo + (k + u)·Δ with u from per-sample streams; "none": the bin centre. */
export type Dequantization =
  | {
      readonly kind: "uniform";
      readonly seed: number;
      /** Which draw (default 0): draws are independent streams of the same seed. */
      readonly draw?: number;
      /** Index of the batch's first sample in a larger data set (default 0). */
      readonly rowOffset?: number;
    }
  | { readonly kind: "none" };

/** The validated quantization: levels, lo, hi and the bin width Δ. */
export function binWidth(quantization: Quantization, fn = "binWidth"): number {
  if (quantization === null || typeof quantization !== "object") {
    throw new TypeError(`${fn}: quantization must be { levels, range: [lo, hi] }`);
  }
  const { levels, range } = quantization;
  if (!(Number.isInteger(levels) && levels >= 2)) {
    throw new RangeError(`${fn}: quantization.levels must be an integer ≥ 2, got ${levels}`);
  }
  if (
    !Array.isArray(range) ||
    range.length !== 2 ||
    !(Number.isFinite(range[0]) && Number.isFinite(range[1]) && range[0] < range[1])
  ) {
    throw new RangeError(
      `${fn}: quantization.range must be [lo, hi] with finite lo < hi, got ${JSON.stringify(range)}`,
    );
  }
  return (range[1] - range[0]) / levels;
}

/** Bin index of each model-space value: k = clamp(⌊(y − lo)/Δ⌋, 0, levels − 1). */
export function quantize(y: FloatArray, quantization: Quantization): Float64Array {
  const fn = "quantize";
  checkFloatArray(fn, "y", y);
  checkFinite(fn, "y", y);
  const width = binWidth(quantization, fn);
  return Float64Array.from(y, (v) => binIndex(v, quantization, width));
}

/** The bin of one model-space value: clamp(⌊(y − lo)/Δ⌋, 0, levels − 1) (Δ from `binWidth`). */
export function binIndex(y: number, quantization: Quantization, width: number): number {
  return Math.min(quantization.levels - 1, Math.max(0, Math.floor((y - quantization.range[0]) / width)));
}

/**
 * Model-space values of discrete data `k` (batch × dim integers in [0, levels)): lo + (k + u)·Δ
 * with u ~ U[0, 1) from per-sample streams (uniform), or lo + (k + ½)·Δ (none).
 * The uniforms are Φ(z) of `perSampleNormals(seed, draw, rowOffset + i)`, so sample i's noise does not
 * depend on the batch. Throws naming `dequantize` on non-integer or out-of-range values.
 */
export function dequantize(
  k: FloatArray,
  dim: number,
  quantization: Quantization,
  dequantization: Dequantization,
): Float64Array {
  const fn = "dequantize";
  checkFloatArray(fn, "k", k);
  const width = binWidth(quantization, fn);
  if (!(Number.isInteger(dim) && dim >= 1 && k.length % dim === 0)) {
    throw new RangeError(`${fn}: k has length ${k.length}, not a multiple of dim = ${dim}`);
  }
  for (let i = 0; i < k.length; i++) {
    const v = k[i]!;
    if (!(Number.isInteger(v) && v >= 0 && v < quantization.levels)) {
      throw new RangeError(
        `${fn}: k[${i}] = ${v} is not an integer in [0, ${quantization.levels}); pass bin indices (quantize(y) makes them)`,
      );
    }
  }
  const lo = quantization.range[0];
  if (dequantization?.kind === "none") return Float64Array.from(k, (v) => lo + (v + 0.5) * width);
  if (dequantization?.kind !== "uniform") {
    throw new TypeError(`${fn}: dequantization must be { kind: "uniform", seed } or { kind: "none" }`);
  }
  const u = perSampleNormals(
    dequantization.seed,
    dequantization.draw ?? 0,
    dequantization.rowOffset ?? 0,
    k.length / dim,
    dim,
    new Float64Array(k.length),
  );
  return Float64Array.from(k, (v, i) => lo + (v + normalCdf(u[i]!)) * width);
}

/**
 * Bits per dimension from log-densities (nats) of `dim`-dimensional samples:
 * bpd = −(log p + d·log Δ)/(d·ln 2) with a quantization, −log p/(d·ln 2) without.
 */
export function bitsPerDim(
  logLikelihood: Float64Array,
  dim: number,
  quantization?: Quantization,
): Float64Array {
  const fn = "bitsPerDim";
  checkFloatArray(fn, "logLikelihood", logLikelihood);
  if (!(Number.isInteger(dim) && dim >= 1))
    throw new RangeError(`${fn}: dim must be a positive integer, got ${dim}`);
  const volume = quantization === undefined ? 0 : dim * Math.log(binWidth(quantization, fn));
  return Float64Array.from(logLikelihood, (l) => -(l + volume) / (dim * Math.LN2));
}

/** Options of `discreteLogLikelihood`: the likelihood's options plus the discretization. */
export interface DiscreteLogLikelihoodOptions extends LogLikelihoodOptions {
  readonly dim: number;
  readonly quantization: Quantization;
  readonly dequantization: Dequantization;
  /** Dequantization draws averaged per sample (default 1; "none" uses 1). */
  readonly draws?: number;
}

/** Result of `discreteLogLikelihood`. */
export interface DiscreteLogLikelihoodResult {
  /** Lower bound (uniform) or midpoint estimate (none) of log P(k) per sample, in nats. */
  readonly logProbability: Float64Array;
  /** −logProbability/(d·ln 2). */
  readonly bitsPerDim: Float64Array;
  /** Standard error of `logProbability` over draws (and Hutchinson probes); 0 when deterministic. */
  readonly standardError: Float64Array;
  /** Total NFE over all draws. */
  readonly nfe: number;
}

/**
 * log P(k) of discrete data k (batch × dim bin indices) under a continuous model:
 * mean over draws of logLikelihood(model, dequantize(k)) + d·log Δ (file header), in nats and bits/dim.
 * Draw r uses `dequantization.draw = r` of the same seed; Hutchinson probes need another seed (the
 * probe streams are the same per-sample normal streams, so one seed would correlate them).
 */
export async function discreteLogLikelihood(
  model: JacobianModel,
  k: FloatArray,
  options: DiscreteLogLikelihoodOptions,
): Promise<DiscreteLogLikelihoodResult> {
  const fn = "discreteLogLikelihood";
  const { dim, quantization, dequantization } = options ?? ({} as DiscreteLogLikelihoodOptions);
  const width = binWidth(quantization, fn);
  if (dequantization?.kind !== "uniform" && dequantization?.kind !== "none") {
    throw new TypeError(
      `${fn}: options.dequantization must be { kind: "uniform", seed } or { kind: "none" }, got ${JSON.stringify(dequantization)}`,
    );
  }
  const draws = dequantization.kind === "uniform" ? (options.draws ?? 1) : 1;
  if (!(Number.isInteger(draws) && draws >= 1))
    throw new RangeError(`${fn}: options.draws must be a positive integer, got ${draws}`);
  const probes = options.divergence;
  if (
    dequantization?.kind === "uniform" &&
    probes?.kind === "hutchinson" &&
    probes.seed === dequantization.seed
  ) {
    throw new RangeError(
      `${fn}: the dequantization and the Hutchinson probes both use seed ${probes.seed}, so probe k would be built from the normals of dequantization draw k (correlated with the point it probes); give divergence.seed and dequantization.seed different values`,
    );
  }
  const n = k.length / dim;
  const volume = dim * Math.log(width);
  const sum = new Float64Array(n);
  const sumSq = new Float64Array(n);
  const variance = new Float64Array(n);
  let nfe = 0;
  for (let r = 0; r < draws; r++) {
    const deq: Dequantization =
      dequantization.kind === "uniform"
        ? { ...dequantization, draw: (dequantization.draw ?? 0) + r }
        : dequantization;
    const y = dequantize(k, dim, quantization, deq);
    const { onProgress } = options;
    const before = nfe;
    const res = await logLikelihood(
      model,
      y,
      onProgress === undefined
        ? options
        : {
            ...options,
            // Progress over all draws: draw r covers [r/draws, (r + 1)/draws].
            onProgress: (p) => onProgress({ fraction: (r + p.fraction) / draws, nfe: before + p.nfe }),
          },
    );
    nfe += res.nfe;
    for (let i = 0; i < n; i++) {
      const l = res.logLikelihood[i]! + volume;
      sum[i]! += l;
      sumSq[i]! += l * l;
      const se = res.standardError[i]!;
      if (Number.isFinite(se)) variance[i]! += se * se;
    }
  }
  const logProbability = Float64Array.from(sum, (s) => s / draws);
  const standardError = Float64Array.from(logProbability, (mean, i) => {
    // Between-draw spread when there are several draws, else the probe error of the single draw.
    if (draws > 1) return Math.sqrt(Math.max(0, sumSq[i]! / draws - mean * mean) / (draws - 1));
    return Math.sqrt(variance[i]!);
  });
  return { logProbability, bitsPerDim: bitsPerDim(logProbability, dim), standardError, nfe };
}
