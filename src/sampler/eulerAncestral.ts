/**
 * Euler ancestral (k-diffusion's sample_euler_ancestral, diffusers' EulerAncestralDiscrete): split the
 * move to σ̃ᵢ₊₁ into a deterministic Euler step in σ̃ and fresh noise (exponential.ts, ancestral split):
 *   σ̃_up = min(σ̃ᵢ₊₁, η·√(σ̃ᵢ₊₁²(σ̃ᵢ² − σ̃ᵢ₊₁²)/σ̃ᵢ²)),   σ̃_down = √(σ̃ᵢ₊₁² − σ̃_up²)
 *   Euler step to σ̃_down:  x̃ ← x̃ᵢ + (σ̃_down − σ̃ᵢ)·ε̂ = D̂ + σ̃_down·ε̂
 *   Add noise:             x̃ᵢ₊₁ = x̃ + σ̃_up·z
 * (per coordinate, in x = α·x̃ + b; on VP paths the σ̃ split is the general e^{−2h} one). The same update
 * as DDIM with η; η = 1 by default. Into the data end the step is the denoising jump. Order 1.
 */
import { ancestralSplit, anyPositive, renoise } from "./exponential.js";
import { type Sampler, checkEta, defineSampler } from "./sampler.js";

/** Options of `eulerAncestral`. */
export interface EulerAncestralOptions {
  /** Ancestral noise scale η (default 1). */
  readonly eta?: number;
}

/** Euler ancestral (file header). */
export function eulerAncestral(options: EulerAncestralOptions = {}): Sampler {
  const fn = "eulerAncestral";
  const eta = checkEta(fn, options.eta ?? 1);
  return defineSampler(
    fn,
    { name: `euler-ancestral(eta=${eta})`, order: 1, stochastic: eta > 0 },
    async (run) => {
      const { from, to, p } = await run.begin();
      // σ_down, σ_up (get_ancestral_step).
      const { down, up } = ancestralSplit(from, to, eta);
      // Euler step to σ_down (x̃ + (σ̃_down − σ̃ᵢ)·ε̂ = D̂ + σ̃_down·ε̂), then add noise σ_up·z.
      const z = anyPositive(up) ? run.normals() : null;
      return run.finish(renoise(to, p.as("data"), p.as("noise"), down, up, z, run.state.shape.dim));
    },
  );
}
