/**
 * Learned adaptive loss weights: K log-weights θ over K equal bins of canonical time, softmax-normalized,
 *   w(t) = K·softmax(θ)_{k(t)},   k(t) = min(K − 1, ⌊K·t⌋)   (the bin weights average to 1).
 * Update rule (the uncertainty weighting of Kendall et al. 2018 as used by EDM2, Karras et al. 2024,
 * "Analyzing and improving the training dynamics of diffusion models", with θ = −u): minimize
 *   J(θ) = (1/B) Σᵢ [e^{θ_{k(i)}}·ℓᵢ − θ_{k(i)}],
 * where ℓᵢ is sample i's unweighted loss (‖model − target‖²/dim) and k(i) its bin. J is convex with
 *   ∂J/∂θ_k = (1/B) Σ_{i ∈ bin k} (e^{θ_k}·ℓᵢ − 1),
 * stationary at θ_k = −log ℓ̄_k (ℓ̄_k the bin's mean loss), so w_k ∝ 1/ℓ̄_k: every bin contributes equally
 * to the weighted loss. The softmax only fixes the overall scale (J pins θ itself); bins with no sample
 * in a batch have zero gradient. Pure: an update returns a new weighting.
 */
import { type FloatArray, checkAllocation, checkFloatArray, checkSameLength } from "../array.js";
import { logSumExp } from "../math/scalar.js";
import type { TimeWeighting } from "./weighting.js";

/** A learned per-time-bin weighting (file header). */
export interface AdaptiveWeighting extends TimeWeighting {
  readonly bins: number;
  /** θ, one per bin (not normalized). */
  readonly logWeights: Float64Array;
  /** The weight of each bin, K·softmax(θ) (averages to 1). */
  readonly weights: Float64Array;
}

/** The bin of canonical time t among `bins` equal bins of [0, 1]: min(bins − 1, ⌊bins·t⌋). */
export function timeBin(t: number, bins: number): number {
  return Math.min(bins - 1, Math.max(0, Math.floor(bins * t)));
}

/**
 * An adaptive weighting with `bins` bins (default 32) and log-weights θ (default 0: uniform).
 * w(t) = K·softmax(θ)_{k(t)}.
 */
export function adaptiveWeighting(
  options: { bins?: number; logWeights?: ArrayLike<number> } = {},
): AdaptiveWeighting {
  const fn = "adaptiveWeighting";
  const bins = options.bins ?? options.logWeights?.length ?? 32;
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`${fn}: bins must be a positive integer, got ${bins}`);
  checkAllocation(fn, "bins", bins);
  const theta =
    options.logWeights === undefined ? new Float64Array(bins) : Float64Array.from(options.logWeights);
  if (theta.length !== bins) {
    throw new RangeError(
      `${fn}: logWeights has ${theta.length} entries but bins = ${bins}; pass one log-weight per bin`,
    );
  }
  theta.forEach((x, k) => {
    if (!Number.isFinite(x)) throw new RangeError(`${fn}: logWeights[${k}] = ${x} must be finite`);
  });
  const logZ = logSumExp(theta);
  const weights = Float64Array.from(theta, (x) => bins * Math.exp(x - logZ));
  return {
    type: "time",
    name: `adaptive(bins=${bins})`,
    spec: { name: "adaptive", bins, logWeights: Array.from(theta) },
    bins,
    logWeights: theta,
    weights,
    weight: (t) => weights[timeBin(t, bins)]!,
  };
}

function checkBatch(fn: string, t: FloatArray, loss: FloatArray): void {
  checkFloatArray(fn, "t", t);
  checkFloatArray(fn, "loss", loss);
  checkSameLength(fn, "t", t, "loss", loss);
  if (t.length === 0) throw new RangeError(`${fn}: the batch is empty; pass at least one (t, loss) pair`);
  for (let i = 0; i < loss.length; i++) {
    if (!(loss[i]! >= 0) || !Number.isFinite(loss[i]!)) {
      throw new RangeError(
        `${fn}: loss[${i}] = ${loss[i]}; per-sample losses must be finite and ≥ 0 (unweighted ‖model − target‖²/dim)`,
      );
    }
  }
}

/** J(θ) = (1/B) Σᵢ [e^{θ_{k(i)}}·ℓᵢ − θ_{k(i)}] for per-sample times `t` and unweighted losses `loss`. */
export function adaptiveWeightingObjective(
  weighting: AdaptiveWeighting,
  t: FloatArray,
  loss: FloatArray,
): number {
  checkBatch("adaptiveWeightingObjective", t, loss);
  let j = 0;
  for (let i = 0; i < t.length; i++) {
    const theta = weighting.logWeights[timeBin(t[i]!, weighting.bins)]!;
    j += Math.exp(theta) * loss[i]! - theta;
  }
  return j / t.length;
}

/** ∂J/∂θ_k = (1/B) Σ_{i ∈ bin k} (e^{θ_k}·ℓᵢ − 1) (file header). */
export function adaptiveWeightingGradient(
  weighting: AdaptiveWeighting,
  t: FloatArray,
  loss: FloatArray,
): Float64Array {
  checkBatch("adaptiveWeightingGradient", t, loss);
  const grad = new Float64Array(weighting.bins);
  for (let i = 0; i < t.length; i++) {
    const k = timeBin(t[i]!, weighting.bins);
    grad[k]! += Math.exp(weighting.logWeights[k]!) * loss[i]! - 1;
  }
  for (let k = 0; k < grad.length; k++) grad[k]! /= t.length;
  return grad;
}

/** One gradient step θ ← θ − η·∂J/∂θ on a batch; returns the new weighting (the input is unchanged). */
export function updateAdaptiveWeighting(
  weighting: AdaptiveWeighting,
  t: FloatArray,
  loss: FloatArray,
  options: { learningRate: number },
): AdaptiveWeighting {
  const eta = options?.learningRate;
  if (typeof eta !== "number" || !(eta > 0) || !Number.isFinite(eta)) {
    throw new RangeError(
      `updateAdaptiveWeighting: learningRate must be a finite number > 0, got ${String(eta)}`,
    );
  }
  const grad = adaptiveWeightingGradient(weighting, t, loss);
  return adaptiveWeighting({
    bins: weighting.bins,
    logWeights: weighting.logWeights.map((x, k) => x - eta * grad[k]!),
  });
}
