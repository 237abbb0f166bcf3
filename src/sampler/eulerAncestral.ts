/**
 * Euler ancestral (k-diffusion's sample_euler_ancestral, diffusers' EulerAncestralDiscrete): split the
 * move to σ̃ᵢ₊₁ into a deterministic part and fresh noise (exponential.ts, ancestral split with η):
 *   Euler step in σ̃ to σ̃_down:  x̃ ← x̃ + (σ̃_down − σ̃ᵢ)·ε̂ = D̂ + σ̃_down·ε̂   (= DDIM's update)
 *   Add noise:                  x̃ ← x̃ + σ̃_up·z
 * i.e. exactly DDIM with η (ddim.ts); η = 1 by default. Into the data end the step is the denoising jump.
 */
import { ddimSampler } from "./ddim.js";
import type { Sampler } from "./sampler.js";

/** Options of `eulerAncestral`. */
export interface EulerAncestralOptions {
  /** Ancestral noise scale η (default 1). */
  readonly eta?: number;
}

/** Euler ancestral (file header). */
export function eulerAncestral(options: EulerAncestralOptions = {}): Sampler {
  const eta = options.eta ?? 1;
  return ddimSampler("eulerAncestral", `euler-ancestral(eta=${eta})`, eta);
}
