/**
 * EDM's stochastic sampler (Karras et al. 2022, Alg. 2; k-diffusion's sample_heun/sample_euler with
 * churn), in σ̃ (default) or canonical time (variable.ts). Per step i of N, with σ̃ᵢ the node's level:
 *   γᵢ = min(S_churn/N, √2 − 1) if σ̃ᵢ ∈ [S_tmin, S_tmax], else 0
 *   t̂ᵢ: σ̃(t̂ᵢ) = (1 + γᵢ)·σ̃ᵢ                               (increase noise temporarily)
 *   x̂ᵢ = xᵢ + √(σ̃(t̂ᵢ)² − σ̃ᵢ²)·S_noise·z   (in x: the forward transition from tᵢ to t̂ᵢ,
 *        x̂ = b̂ + (α̂/α)(x − b) + √(σ̂² − (α̂σ/α)²)·S_noise·z, exponential.ts)
 *   dᵢ = f(ŷᵢ, τ̂ᵢ);  yᵢ₊₁ = ŷᵢ + (τᵢ₊₁ − τ̂ᵢ)·dᵢ                (Euler step from t̂ᵢ to tᵢ₊₁)
 *   if τᵢ₊₁ ≠ 0:  d'ᵢ = f(yᵢ₊₁, τᵢ₊₁);  yᵢ₊₁ = ŷᵢ + (τᵢ₊₁ − τ̂ᵢ)·(½dᵢ + ½d'ᵢ)   (second-order correction)
 * t̂ᵢ is the time of log-SNR λ̂ = λᵢ − 2·log(1 + γᵢ) (clamped to the path's start). S_churn = 0 is the
 * deterministic Heun sampler (heun.ts) exactly; no noise is drawn then. In the t variable the step
 * into the data end is the denoising jump. Order 2 (of the deterministic part).
 */
import type { LogSnr } from "../time.js";
import { noiseUp } from "./exponential.js";
import { type Sampler, defineSampler, denoiseTo } from "./sampler.js";
import { type OdeVariable, beginOde, checkVariable, heunStep } from "./variable.js";

/** Options of `edmStochastic` (EDM's names; S_tmin, S_tmax bound σ̃). */
export interface EdmStochasticOptions {
  readonly sChurn?: number;
  readonly sTmin?: number;
  readonly sTmax?: number;
  readonly sNoise?: number;
  /** Integration variable of the Heun step (default "sigma"). */
  readonly variable?: OdeVariable;
}

/** EDM's stochastic Heun sampler (file header). */
export function edmStochastic(options: EdmStochasticOptions = {}): Sampler {
  const fn = "edmStochastic";
  const { sChurn = 0, sTmin = 0, sTmax = Number.POSITIVE_INFINITY, sNoise = 1 } = options;
  for (const [k, v] of Object.entries({ sChurn, sTmin, sNoise })) {
    if (!(v >= 0 && Number.isFinite(v)))
      throw new RangeError(`${fn}: ${k} must be a finite number ≥ 0, got ${v}`);
  }
  if (!(sTmax >= sTmin)) throw new RangeError(`${fn}: sTmax (${sTmax}) must be ≥ sTmin (${sTmin})`);
  const variable = checkVariable(fn, options.variable ?? "sigma");
  return defineSampler(
    fn,
    { name: `edm-stochastic(sChurn=${sChurn})`, order: 2, stochastic: sChurn > 0 },
    async (run) => {
      const { grid, shape } = run.state;
      const n = grid.times.length - 1;
      const sigma = grid.sigmas[run.from]!;
      const gamma = sigma >= sTmin && sigma <= sTmax ? Math.min(sChurn / n, Math.SQRT2 - 1) : 0;
      // Increase noise temporarily: back along the forward process from tᵢ to t̂ᵢ.
      let x = run.state.x;
      let hat = run.slice(run.from);
      if (gamma > 0) {
        const lambdaHat = Math.max(grid.logSnrs[run.from]! - 2 * Math.log1p(gamma), grid.path.logSnr(0));
        hat = run.sliceAt(grid.path.timeAtLogSnr(lambdaHat as LogSnr));
        x = noiseUp(x, run.levels(run.from), run.levelsOf(hat), run.normals(), sNoise, shape.dim);
      }
      const { from, to, p } = await beginOde(run, variable, x, hat);
      // Into the data end in t: the denoising jump.
      if (variable === "t" && run.toDataEnd) return run.finish(denoiseTo(to.slice, p.as("data")));
      // Euler step from t̂ᵢ to tᵢ₊₁, then the second-order correction unless τᵢ₊₁ = 0 (heunStep).
      return run.finish(await heunStep(run, from, to, x, p));
    },
  );
}
