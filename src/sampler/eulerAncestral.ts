/**
 * Euler ancestral (k-diffusion's sample_euler_ancestral, diffusers' EulerAncestralDiscrete): split the
 * move to σ̃ᵢ₊₁ into a deterministic part and fresh noise (exponential.ts, ancestral split with η):
 *   Euler step in σ̃ to σ̃_down:  x̃ ← x̃ + (σ̃_down − σ̃ᵢ)·ε̂ = D̂ + σ̃_down·ε̂   (= DDIM's update)
 *   Add noise:                  x̃ ← x̃ + σ̃_up·z
 * i.e. exactly DDIM with η (ddim.ts); η = 1 by default. Into the data end the step is the denoising jump.
 */
import type { Model } from "../model.js";
import { ddimUpdate } from "./ddim.js";
import type { Grid } from "./grid.js";
import { type InitOptions, type Sampler, type SamplerState, StepRun, checkEta, initState } from "./sampler.js";

/** Options of `eulerAncestral`. */
export interface EulerAncestralOptions {
  /** Ancestral noise scale η (default 1). */
  readonly eta?: number;
}

/** Euler ancestral (file header). */
export function eulerAncestral(options: EulerAncestralOptions = {}): Sampler {
  const fn = "eulerAncestral";
  const eta = checkEta(fn, options.eta ?? 1);
  return {
    name: `euler-ancestral(eta=${eta})`,
    order: 1,
    stochastic: eta > 0,
    init: (x: Float64Array, grid: Grid, init?: InitOptions) => initState(fn, x, grid, init),
    async step(model: Model, state: SamplerState): Promise<SamplerState> {
      const run = new StepRun(fn, model, state);
      return run.finish(await ddimUpdate(run, state.x, eta));
    },
  };
}
