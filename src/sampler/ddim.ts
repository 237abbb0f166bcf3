/**
 * DDIM (Song, Meng & Ermon 2021, eq. 12 and 16), generalized to any path with a per-coordinate view
 * (exponential.ts):
 *   D̂, ε̂ = the prediction as data and noise at xᵢ
 *   σ_η = η·σ'·√(1 − e^{−2h})   (h = ℓᵢ₊₁ − ℓᵢ; for VP DDIM's σ_η(τ) = η·√((1 − ᾱ')/(1 − ᾱ))·√(1 − ᾱ/ᾱ'))
 *   xᵢ₊₁ = α'·D̂ + b' + √(σ'² − σ_η²)·ε̂ + σ_η·z
 * η = 0 is deterministic (Euler in σ̃, DPM-Solver++ of order 1); η = 1 is DDPM's ancestral step
 * (fixed_small). Into the data end σ' = 0 the step is the denoising jump. A step draws noise only when
 * it injects some (η > 0 and σ' > 0). Order 1.
 */
import { ancestralSplit, anyPositive, renoise } from "./exponential.js";
import { type Sampler, checkEta, defineSampler } from "./sampler.js";

/** Options of `ddim`. */
export interface DdimOptions {
  /** Stochasticity η ≥ 0 (default 0). */
  readonly eta?: number;
}

/** DDIM (file header). */
export function ddim(options: DdimOptions = {}): Sampler {
  const fn = "ddim";
  const eta = checkEta(fn, options.eta ?? 0);
  return defineSampler(
    fn,
    { name: eta === 0 ? "ddim" : `ddim(eta=${eta})`, order: 1, stochastic: eta > 0 },
    async (run) => {
      const { from, to, p } = await run.begin();
      // σ_η and the direction's scale √(σ'² − σ_η²).
      const { down, up } = ancestralSplit(from, to, eta);
      // xᵢ₊₁ = α'·D̂ + b' + √(σ'² − σ_η²)·ε̂ + σ_η·z.
      const z = anyPositive(up) ? run.normals() : null;
      return run.finish(renoise(to, p.as("data"), p.as("noise"), down, up, z, run.state.shape.dim));
    },
  );
}
