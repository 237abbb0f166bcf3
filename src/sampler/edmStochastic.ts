/**
 * EDM's stochastic sampler (Karras et al. 2022, Alg. 2; k-diffusion's sample_heun/sample_euler with
 * churn). Per step i of N, with σ̃ᵢ the node's noise level:
 *   γᵢ = min(S_churn/N, √2 − 1) if S_tmin ≤ σ̃ᵢ ≤ S_tmax, else 0;   σ̃̂ = (1 + γᵢ)·σ̃ᵢ
 *   Increase noise temporarily:  x̂ = x̃ᵢ + √(σ̃̂² − σ̃ᵢ²)·S_noise·z   (in x: the forward transition
 *                                from tᵢ back to t̂, x̂ = b̂ + (α̂/α)(x − b) + √(σ̂² − (α̂σ/α)²)·S_noise·z)
 *   Heun step from t̂ to tᵢ₊₁ (heun.ts; Euler into the data end).
 * t̂ is the time of log-SNR λ̂ = λᵢ − 2·log(1 + γᵢ) (clamped to the path's start). S_churn = 0 is the
 * deterministic Heun sampler exactly (no noise is drawn). Default variable "sigma" as in EDM.
 */
import type { LogSnr } from "../time.js";
import { perCoordinate as at } from "./levels.js";
import { rk2Update } from "./rk2.js";
import { type Sampler, defineSampler } from "./sampler.js";
import { type OdeVariable, checkVariable, frameOf } from "./variable.js";

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
      const { state } = run;
      const dim = state.shape.dim;
      const grid = state.grid;
      const n = grid.times.length - 1;
      const sigma = grid.sigmas[run.from]!;
      const gamma = sigma >= sTmin && sigma <= sTmax ? Math.min(sChurn / n, Math.SQRT2 - 1) : 0;
      let x = state.x;
      let fromSlice = run.slice(run.from);
      if (gamma > 0) {
        // Increase noise temporarily: back along the forward process to t̂.
        const path = grid.path;
        const lambdaHat = Math.max(grid.logSnrs[run.from]! - 2 * Math.log1p(gamma), path.logSnr(0));
        fromSlice = run.sliceAt(path.timeAtLogSnr(lambdaHat as LogSnr));
        const a = run.levels(run.from);
        const h = run.levelsOf(fromSlice);
        const z = run.normals();
        const out = new Float64Array(x.length);
        for (let i = 0; i < x.length; i++) {
          const j = i % dim;
          const r = at(h.alpha, j) / at(a.alpha, j);
          const spread = Math.sqrt(Math.max(at(h.sigma, j) ** 2 - (r * at(a.sigma, j)) ** 2, 0));
          const b = a.offset === null ? 0 : a.offset[j]!;
          const bh = h.offset === null ? 0 : h.offset[j]!;
          out[i] = bh + r * (x[i]! - b) + spread * sNoise * z[i]!;
        }
        x = out;
      }
      // Heun step from t̂ to tᵢ₊₁.
      const from = frameOf(fn, variable, fromSlice);
      const stage = run.toDataEnd ? undefined : run.slice(run.to);
      return run.finish(await rk2Update(run, variable, 1, x, from, stage));
    },
  );
}
