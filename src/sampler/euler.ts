/**
 * Euler's method on the probability-flow ODE, in canonical time or in σ̃ (variable.ts):
 *   "t":      xᵢ₊₁ = xᵢ + (tᵢ₊₁ − tᵢ)·u(xᵢ, tᵢ)   (flow matching's Euler; diffusers' FlowMatchEuler).
 *   "sigma":  x̃ᵢ₊₁ = x̃ᵢ + (σ̃ᵢ₊₁ − σ̃ᵢ)·ε̂(xᵢ, tᵢ)   (Karras et al. 2022, Alg. 1 without the 2nd-order
 *             correction; k-diffusion's sample_euler; identical to DDIM, Song et al. 2021, eq. 13).
 * Last step: into the data end (σ = 0) the t-variable step is the denoising jump x = α·D̂ + b (the
 * velocity is singular there); in σ̃ Euler itself lands on D̂. Order 1.
 */
import { type Sampler, defineSampler, denoiseTo } from "./sampler.js";
import { type OdeVariable, advance, beginOde, checkVariable } from "./variable.js";

/** Options of `euler`. */
export interface EulerOptions {
  /** Integration variable (default "t"). */
  readonly variable?: OdeVariable;
}

/** Euler's method (file header). */
export function euler(options: EulerOptions = {}): Sampler {
  const fn = "euler";
  const variable = checkVariable(fn, options.variable ?? "t");
  return defineSampler(
    fn,
    { name: variable === "t" ? "euler" : "euler(sigma)", order: 1, stochastic: false },
    async (run) => {
      const { from, to, p } = await beginOde(run, variable);
      // Into the data end in t (the velocity is singular there): the denoising jump.
      if (variable === "t" && run.toDataEnd) return run.finish(denoiseTo(to.slice, p.as("data")));
      // Euler step: yᵢ₊₁ = yᵢ + (τᵢ₊₁ − τᵢ)·f(yᵢ, τᵢ).
      const d = from.slope(p);
      return run.finish(to.x(advance(from.y(run.state.x), from, to, [d])));
    },
  );
}
