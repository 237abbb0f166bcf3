/**
 * DPM-Solver++(2S) (Lu et al. 2022, "DPM-Solver++", Alg. 1) and its ancestral variant (k-diffusion's
 * sample_dpmpp_2s_ancestral). Per coordinate, with the ancestral split to (α', σ_down) (η = 0: none):
 *   h = ℓ_down − ℓᵢ;  stage s at λ̄ = λ̄ᵢ + r·(λ̄_down − λ̄ᵢ) (r = ½), hₛ = ℓₛ − ℓᵢ, rᵢ = hₛ/h;
 *   First-order step to the stage:  uₛ − bₛ = (σₛ/σ)(xᵢ − b) + αₛ(1 − e^{−hₛ})·D̂ᵢ
 *   Second-order step:              x_down − b' = (σ_down/σ)(xᵢ − b) + α'(1 − e^{−h})·((1 − 1/(2rᵢ))·D̂ᵢ + D̂ₛ/(2rᵢ))
 *   Add noise:                      xᵢ₊₁ = x_down + σ_up·z.
 * The stage time comes from the path's (mean) log-SNR (levels.ts), so it runs on affine paths and
 * diagonal bridges. Into the data end (σ_down = 0) the step is the denoising jump. Order 2; 2 NFE.
 */
import { ancestralSplit, anyPositive, coord, halfLogSnr } from "./exponential.js";
import type { CoordinateLevels } from "../path/path.js";
import type { LogSnr } from "../time.js";
import { perCoordinate as at } from "./levels.js";
import { dpmSolverUpdate } from "./dpmSolverMultistep.js";
import { type Sampler, checkEta, defineSampler, denoiseTo } from "./sampler.js";

/** Options of `dpmSolverSinglestep`. */
export interface DpmSolverSinglestepOptions {
  /** Ancestral noise η ≥ 0 (default 0: deterministic 2S; k-diffusion's 2S ancestral uses 1). */
  readonly eta?: number;
  /** Stage position r ∈ (0, 1) in log-SNR (default ½). */
  readonly r?: number;
}

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
      const { down, up } = ancestralSplit(from, to, eta);
      // The target of the deterministic part: (α', σ_down).
      const target: CoordinateLevels = {
        ...to,
        size: down.length,
        alpha: broadcast(to.alpha, down.length),
        sigma: down,
      };
      const ell = halfLogSnr(from);
      const ellDown = halfLogSnr(target);
      const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
      // Stage at fraction r of the step in log-SNR (on VE/EDM an ancestral target cleaner than σmin can
      // put it beyond t = 1: it is clamped to the path's end; rᵢ below uses the stage's actual level).
      const lambdaS = 2 * (mean(ell) + r * (mean(ellDown) - mean(ell)));
      const top = state.grid.path.logSnr(1);
      const stageSlice = run.sliceAt(lambdaS >= top ? 1 : state.grid.path.timeAtLogSnr(lambdaS as LogSnr));
      const stage = run.levelsOf(stageSlice);
      const ellS = halfLogSnr(stage);
      // First-order step to the stage.
      const first = (data: Float64Array, target2: CoordinateLevels) =>
        dpmSolverUpdate(state.x, from, target2, [{ ell, data }], ODE, null, dim);
      const u = first(d0, stage);
      const ds = (await run.predict(u, stageSlice)).as("data");
      // Second-order step to (α', σ_down) with D = (1 − 1/(2r))·D̂ᵢ + D̂ₛ/(2r).
      const m = Math.max(ell.length, ellS.length, ellDown.length);
      const mix = new Float64Array(d0.length);
      for (let i = 0; i < mix.length; i++) {
        const c = coord(m, i, dim);
        const ri = (at(ellS, c) - at(ell, c)) / (at(ellDown, c) - at(ell, c));
        mix[i] = (1 - 1 / (2 * ri)) * d0[i]! + ds[i]! / (2 * ri);
      }
      const xDown = first(mix, target);
      // Add noise.
      if (anyPositive(up)) {
        const z = run.normals();
        for (let i = 0; i < xDown.length; i++) xDown[i]! += up[coord(up.length, i, dim)]! * z[i]!;
      }
      return run.finish(xDown);
    },
  );
}

const ODE = { eta: 0, solverType: "midpoint", thirdOrder: "taylor" } as const;

function broadcast(a: Float64Array, m: number): Float64Array {
  return a.length === m ? a : Float64Array.from({ length: m }, (_, c) => at(a, c));
}
