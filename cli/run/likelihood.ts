/**
 * Log-likelihood of data under a trained model (used by `likelihood` and `demo`): the library's
 * probability-flow `logLikelihood` (its default per-sample Dormand–Prince, rtol = atol = 1e-3), in
 * chunks of 1000 rows with progress inside each chunk, with the exact divergence or Hutchinson's
 * estimator; bits per dimension by the library's `bitsPerDim`. A model trained on standardised data
 * z = (x − μ)/s is evaluated on z and the change of variables log p_x(x) = log p_z(z) − Σⱼ log sⱼ
 * (`logDet`) keeps the result in data units. Discrete
 * data (a quantization given) goes through the library's `discreteLogLikelihood` instead: log P of
 * the pixels by dequantization, and its bits per dimension.
 */
import type { FloatArray, Model, Quantization } from "difflux";
import { UsageError, withContextAsync } from "../errors.js";
import { startProgress } from "../progress.js";

/** How the divergence is computed: exactly, or by Hutchinson's estimator with `probes` probes. */
export type DivergenceChoice =
  | { readonly kind: "exact" }
  | { readonly kind: "hutchinson"; readonly probes: number };

/** Discrete data: its quantization, the dequantization and the number of dequantization draws. */
export interface DiscreteChoice {
  readonly quantization: Quantization;
  readonly dequantization: "uniform" | "none";
  readonly draws: number;
}

/** Options of `evaluateLikelihood`. */
export interface LikelihoodSettings {
  readonly divergence: DivergenceChoice;
  /** Discrete data (log P by dequantization), or null for continuous data (log p). */
  readonly discrete?: DiscreteChoice | null;
  /** Seed of Hutchinson's probes; the dequantization noise uses seed + 1 (independent of the probes). */
  readonly seed: number;
  /** Rows per chunk (default 1000). */
  readonly chunk?: number;
  /** Rows in data units → the model's units (default: the rows themselves). */
  readonly toModel?: (x: Float64Array) => Float64Array;
  /** log|det ∂z/∂x| of `toModel`, added to every row's log-likelihood (default 0). */
  readonly logDet?: number;
}

/** Per-sample results and their summary. */
export interface LikelihoodOutcome {
  /** log p(x) per sample, nats; for discrete data log P(pixels) (a lower bound with uniform dequantization). */
  readonly logLikelihood: Float64Array;
  /** Per-sample standard error (0 exact; Hutchinson: over probes; several draws: over draws). */
  readonly standardError: Float64Array;
  /** −log p/(d·ln 2) per sample (discrete: −log P/(d·ln 2)). */
  readonly bitsPerDim: Float64Array;
  /** Mean log-likelihood and its standard error over samples (`meanAndStandardError`; NaN for one sample). */
  readonly mean: number;
  readonly meanStandardError: number;
  readonly meanBitsPerDim: number;
  /** Right-hand-side calls of the solves, summed over chunks (rows evaluated together share a call). */
  readonly nfe: number;
  /**
   * Mean function evaluations per point (the mean of each row's own count under per-row step
   * control); null for discrete data, whose library call reports only the stacked total.
   */
  readonly nfePerPoint: number | null;
  readonly seconds: number;
}

/**
 * log p(x) of every row of `data` (n × dim) under `model` (see the file header). Rows are evaluated
 * in chunks; Hutchinson probes come from per-sample streams (`rowOffset`), so the result does not
 * depend on the chunk size.
 */
export async function evaluateLikelihood(
  model: Model,
  data: FloatArray,
  dim: number,
  s: LikelihoodSettings,
): Promise<LikelihoodOutcome> {
  const lib = await import("difflux/node");
  const n = data.length / dim;
  const chunk = s.chunk ?? 1000;
  const toModel = s.toModel ?? ((x: Float64Array) => x);
  const logDet = s.logDet ?? 0;
  if (s.discrete && logDet !== 0) {
    throw new UsageError(
      "likelihood: the model was trained on standardised data, so it cannot evaluate discrete (quantised) data — evaluate continuous data, or a model trained on the image data's own scale",
    );
  }
  let evaluations = 0;
  const logp = new Float64Array(n);
  const se = new Float64Array(n);
  const discreteBits = new Float64Array(n);
  const discrete = s.discrete ?? null;
  let nfe = 0;
  const bar = startProgress("likelihood", n);
  const began = Date.now();
  try {
    for (let start = 0; start < n; start += chunk) {
      const end = Math.min(n, start + chunk);
      const x = toModel(Float64Array.from(data.subarray(start * dim, end * dim)));
      const onProgress = ({ fraction }: { fraction: number }) =>
        bar.update(Math.floor(start + fraction * (end - start)));
      const divergence =
        s.divergence.kind === "exact"
          ? ({ kind: "exact" } as const)
          : ({ kind: "hutchinson", probes: s.divergence.probes, seed: s.seed, rowOffset: start } as const);
      if (discrete === null) {
        const r = await withContextAsync("likelihood", () =>
          lib.logLikelihood(model, x, { dim, divergence, onProgress }),
        );
        logp.set(
          r.logLikelihood.map((v) => v + logDet),
          start,
        );
        for (const e of r.evaluations) evaluations += e;
        se.set(r.standardError, start);
        nfe += r.nfe;
      } else {
        const { quantization, draws } = discrete;
        const dequantization =
          discrete.dequantization === "none"
            ? ({ kind: "none" } as const)
            : ({ kind: "uniform", seed: s.seed + 1, rowOffset: start } as const);
        const r = await withContextAsync("likelihood", async () =>
          lib.discreteLogLikelihood(model, lib.quantize(x, quantization), {
            dim,
            divergence,
            quantization,
            dequantization,
            draws,
          }),
        );
        logp.set(r.logProbability, start);
        se.set(r.standardError, start);
        discreteBits.set(r.bitsPerDim, start);
        nfe += r.nfe;
      }
      bar.update(end);
    }
  } finally {
    bar.stop();
  }
  const bpd = discrete === null ? lib.bitsPerDim(logp, dim) : discreteBits;
  const { mean, standardError: meanStandardError } = lib.meanAndStandardError(logp);
  return {
    logLikelihood: logp,
    standardError: se,
    bitsPerDim: bpd,
    mean,
    meanStandardError,
    meanBitsPerDim: lib.meanAndStandardError(bpd).mean,
    nfe,
    nfePerPoint: discrete === null ? evaluations / n : null,
    seconds: (Date.now() - began) / 1000,
  };
}
