/**
 * Heun's method (the trapezoidal RK(1)) on the probability-flow ODE — Karras et al. 2022, Alg. 1
 * (deterministic EDM sampler; k-diffusion's sample_heun, diffusers' HeunDiscrete with variable "sigma"):
 *   Euler step.            y* = yᵢ + Δτ·f(yᵢ, τᵢ)
 *   Second-order correction. yᵢ₊₁ = yᵢ + Δτ·(f(yᵢ, τᵢ) + f(y*, τᵢ₊₁))/2
 * Last-step rule (EDM Alg. 1, line 7): into the data end σ = 0 the correction is skipped (Euler; in the
 * t variable the denoising jump). Order 2; 2 NFE per step, 1 on the last.
 */
import type { Model } from "../model.js";
import type { Grid } from "./grid.js";
import { rk2Update } from "./rk2.js";
import { type InitOptions, type Sampler, type SamplerState, StepRun, initState } from "./sampler.js";
import { type OdeVariable, checkVariable, frameOf } from "./variable.js";

/** Options of `heun`. */
export interface HeunOptions {
  /** Integration variable (default "t"; EDM and k-diffusion use "sigma"). */
  readonly variable?: OdeVariable;
}

/** Heun's method (file header). */
export function heun(options: HeunOptions = {}): Sampler {
  const fn = "heun";
  const variable = checkVariable(fn, options.variable ?? "t");
  return {
    name: variable === "t" ? "heun" : "heun(sigma)",
    order: 2,
    stochastic: false,
    init: (x: Float64Array, grid: Grid, init?: InitOptions) => initState(fn, x, grid, init),
    async step(model: Model, state: SamplerState): Promise<SamplerState> {
      const run = new StepRun(fn, model, state);
      const from = frameOf(fn, variable, run.slice(run.from), state.shape.dim);
      const stage = run.toDataEnd ? undefined : run.slice(run.to);
      return run.finish(await rk2Update(run, variable, 1, state.x, from, stage));
    },
  };
}
