/**
 * Log-likelihood of data under a trained model (used by `likelihood` and `demo`): the library's
 * probability-flow `logLikelihood`, in chunks so a progress bar can follow, with the exact
 * divergence or Hutchinson's estimator; bits per dimension by the library's `bitsPerDim`. Discrete
 * data (a quantization given) goes through the library's `discreteLogLikelihood` instead: log P of
 * the pixels by dequantization, and its bits per dimension.
 */
import type { FloatArray, Model, Quantization } from "difflux";
import { withContextAsync } from "../errors.js";
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
  /** Rows per chunk (default 250). */
  readonly chunk?: number;
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
  readonly nfe: number;
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
  const chunk = s.chunk ?? 250;
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
      const x = Float64Array.from(data.subarray(start * dim, end * dim));
      const divergence =
        s.divergence.kind === "exact"
          ? ({ kind: "exact" } as const)
          : ({ kind: "hutchinson", probes: s.divergence.probes, seed: s.seed, rowOffset: start } as const);
      if (discrete === null) {
        const r = await withContextAsync("likelihood", () =>
          lib.logLikelihood(model, x, { dim, divergence }),
        );
        logp.set(r.logLikelihood, start);
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
    seconds: (Date.now() - began) / 1000,
  };
}
