/**
 * Heun's method (the explicit trapezoidal rule) on the probability-flow ODE — Karras et al. 2022,
 * Alg. 1 (the deterministic EDM sampler; k-diffusion's sample_heun, diffusers' HeunDiscrete with
 * variable "sigma"), in canonical time or in σ̃ (variable.ts):
 *   dᵢ = f(yᵢ, τᵢ)                                    (evaluate dy/dτ at τᵢ)
 *   yᵢ₊₁ = yᵢ + (τᵢ₊₁ − τᵢ)·dᵢ                         (take Euler step from τᵢ to τᵢ₊₁)
 *   if τᵢ₊₁ ≠ 0:  d'ᵢ = f(yᵢ₊₁, τᵢ₊₁)                   (apply second-order correction)
 *                 yᵢ₊₁ = yᵢ + (τᵢ₊₁ − τᵢ)·(½dᵢ + ½d'ᵢ)
 * The condition τᵢ₊₁ ≠ 0 is the data end (σ = 0): that step is Euler, and in the t variable the
 * denoising jump x = α·D̂ + b (the velocity is singular there). Order 2; 2 NFE per step, 1 on the last.
 */
import { type Sampler, defineSampler, denoiseTo } from "./sampler.js";
import { type OdeVariable, advance, checkVariable, frameAt } from "./variable.js";

/** Options of `heun`. */
export interface HeunOptions {
  /** Integration variable (default "t"; EDM and k-diffusion use "sigma"). */
  readonly variable?: OdeVariable;
}

/** Heun's method (file header). */
export function heun(options: HeunOptions = {}): Sampler {
  const fn = "heun";
  const variable = checkVariable(fn, options.variable ?? "t");
  return defineSampler(
    fn,
    { name: variable === "t" ? "heun" : "heun(sigma)", order: 2, stochastic: false },
    async (run) => {
      const x = run.state.x;
      const from = frameAt(run, variable, run.slice(run.from));
      const to = frameAt(run, variable, run.slice(run.to));
      const p = await run.predict(x, from.slice);
      // Into the data end in t: the denoising jump.
      if (variable === "t" && run.toDataEnd) return run.finish(denoiseTo(to.slice, p.as("data")));
      const y = from.y(x);
      // Euler step.
      const d = from.slope(p);
      const euler = advance(y, from, to, [d]);
      if (run.toDataEnd) return run.finish(to.x(euler));
      // Second-order correction.
      const d2 = to.slope(await run.predict(to.x(euler), to.slice));
      return run.finish(to.x(advance(y, from, to, [d, d2], [0.5, 0.5])));
    },
  );
}
