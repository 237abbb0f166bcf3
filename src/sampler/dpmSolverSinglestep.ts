/**
 * DPM-Solver++(2S) (Lu et al. 2022, "DPM-Solver++", Alg. 1) and its ancestral variant (k-diffusion's
 * sample_dpmpp_2s_ancestral). Per coordinate (exponential.ts), with the ancestral split to
 * (α', σ_down) (η = 0: none, σ_down = σ'):
 *   h = ℓ_down − ℓᵢ;  the stage s at λ̄ₛ = λ̄ᵢ + r·(λ̄_down − λ̄ᵢ) (r = ½), rᵢ = (ℓₛ − ℓᵢ)/h
 *   uₛ − bₛ = (σₛ/σ)(xᵢ − b) + αₛ(1 − e^{−rᵢh})·D̂ᵢ                             (first-order step to s)
 *   Dᵢ = (1 − 1/(2rᵢ))·D̂ᵢ + 1/(2rᵢ)·D̂(uₛ, s)
 *   x_down − b' = (σ_down/σ)(xᵢ − b) + α'(1 − e^{−h})·Dᵢ                        (second-order step)
 *   xᵢ₊₁ = x_down + σ_up·z                                                     (add noise)
 * The stage time comes from the path's (mean) log-SNR, so it runs on affine paths and diagonal
 * bridges (rᵢ is each coordinate's actual fraction). Into the data end (σ_down = 0) the step is the
 * denoising jump. Order 2; 2 NFE per step.
 */
import type { CoordinateLevels } from "../path/path.js";
import type { LogSnr } from "../time.js";
import {
  addNoise,
  ancestralSplit,
  anyPositive,
  exponentialStep,
  firstOrder,
  halfLogSnr,
} from "./exponential.js";
import { perCoordinate as at } from "./levels.js";
import { type Sampler, checkEta, defineSampler, denoiseTo } from "./sampler.js";

/** Options of `dpmSolverSinglestep`. */
export interface DpmSolverSinglestepOptions {
  /** Ancestral noise η ≥ 0 (default 0: deterministic 2S; k-diffusion's 2S ancestral uses 1). */
  readonly eta?: number;
  /** Stage position r ∈ (0, 1) in log-SNR (default ½). */
  readonly r?: number;
}

const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;

/** DPM-Solver++(2S) (file header). */
export function dpmSolverSinglestep(options: DpmSolverSinglestepOptions = {}): Sampler {
  const fn = "dpmSolverSinglestep";
  const eta = checkEta(fn, options.eta ?? 0);
  const r = options.r ?? 0.5;
  if (!(r > 0 && r < 1)) throw new RangeError(`${fn}: r must lie in (0, 1), got ${r}`);
  return defineSampler(
    fn,
    { name: eta === 0 ? "dpmpp-2s" : `dpmpp-2s-ancestral(eta=${eta})`, order: 2, stochastic: eta > 0 },
    async (run) => {
      const { state } = run;
      const dim = state.shape.dim;
      const { from, to, p } = await run.begin();
      const d0 = p.as("data");
      // Into the data end: the denoising jump.
      if (run.toDataEnd) return run.finish(denoiseTo(run.slice(run.to), d0));
      // The deterministic part's target (α', σ_down), and σ_up.
      const { down, up } = ancestralSplit(from, to, eta);
      const target: CoordinateLevels = {
        ...to,
        size: down.length,
        alpha: Float64Array.from(down, (_, c) => at(to.alpha, c)),
        sigma: down,
      };
      // The stage at fraction r of the step in log-SNR (on VE/EDM an ancestral target cleaner than σmin
      // can put it beyond t = 1: it is clamped to the path's end; rᵢ uses the stage's actual level).
      const ell = halfLogSnr(from);
      const ellDown = halfLogSnr(target);
      const lambdaS = 2 * (mean(ell) + r * (mean(ellDown) - mean(ell)));
      const path = state.grid.path;
      const stageSlice = run.sliceAt(lambdaS >= path.logSnr(1) ? 1 : path.timeAtLogSnr(lambdaS as LogSnr));
      const stage = run.levelsOf(stageSlice);
      // First-order step to the stage.
      const u = exponentialStep(state.x, from, stage, [{ ell, data: d0 }], null, dim, firstOrder);
      const ds = (await run.predict(u, stageSlice)).as("data");
      // Dᵢ = (1 − 1/(2rᵢ))·D̂ᵢ + 1/(2rᵢ)·D̂ₛ with rᵢ = (ℓₛ − ℓᵢ)/(ℓ_down − ℓᵢ) per coordinate.
      const ellS = halfLogSnr(stage);
      const m = Math.max(ell.length, ellS.length, ellDown.length);
      const rs = Float64Array.from(
        { length: m },
        (_, c) => (at(ellS, c) - at(ell, c)) / (at(ellDown, c) - at(ell, c)),
      );
      const D = d0.map((v, i) => {
        const ri = rs[m === 1 ? 0 : i % dim]!;
        return (1 - 1 / (2 * ri)) * v + ds[i]! / (2 * ri);
      });
      // Second-order step to (α', σ_down).
      const x = exponentialStep(state.x, from, target, [{ ell, data: D }], null, dim, firstOrder);
      // Add noise.
      return run.finish(anyPositive(up) ? addNoise(x, up, run.normals(), dim) : x);
    },
  );
}
