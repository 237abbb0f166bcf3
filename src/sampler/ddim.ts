/**
 * DDIM (Song, Meng & Ermon 2021, eq. 12 and 16), generalized to any path with a per-coordinate view:
 *   D̂, ε̂ = the prediction as data and noise at xᵢ;
 *   xᵢ₊₁ = α'·D̂ + b' + √(σ'² − σ_η²)·ε̂ + σ_η·z,   σ_η = η·σ'·√(1 − e^{−2h})  (h = ℓᵢ₊₁ − ℓᵢ),
 * which for VP is DDIM's σ_η(τ) = η·√((1 − ᾱ')/(1 − ᾱ))·√(1 − ᾱ/ᾱ'). η = 0 is deterministic (Euler in
 * σ̃, DPM-Solver++ of order 1); η = 1 is DDPM's ancestral step (fixed_small). Into the data end σ' = 0 the
 * step is the denoising jump. A step draws noise only when it injects some (η > 0 and σ' > 0).
 */
import { ancestralSplit, anyPositive, renoise } from "./exponential.js";
import { type Sampler, checkEta, defineSampler } from "./sampler.js";

/** Options of `ddim`. */
export interface DdimOptions {
  /** Stochasticity η ≥ 0 (default 0). */
  readonly eta?: number;
}

/** The DDIM-η sampler under the name `fn` (DDIM, and Euler ancestral which is the same update). */
export function ddimSampler(fn: string, name: string, eta: number): Sampler {
  checkEta(fn, eta);
  return defineSampler(fn, { name, order: 1, stochastic: eta > 0 }, async (run) => {
    // DDIM-η step from node i to node i + 1.
    const { from, to, p } = await run.begin();
    const { down, up } = ancestralSplit(from, to, eta);
    const z = anyPositive(up) ? run.normals() : null;
    return run.finish(renoise(to, p.as("data"), p.as("noise"), down, up, z, run.state.shape.dim));
  });
}

/** DDIM (file header). */
export function ddim(options: DdimOptions = {}): Sampler {
  const eta = options.eta ?? 0;
  return ddimSampler("ddim", eta === 0 ? "ddim" : `ddim(eta=${eta})`, eta);
}
