/**
 * Heun's method (the trapezoidal RK(1)) on the probability-flow ODE — Karras et al. 2022, Alg. 1
 * (deterministic EDM sampler; k-diffusion's sample_heun, diffusers' HeunDiscrete with variable "sigma"):
 *   Euler step.            y* = yᵢ + Δτ·f(yᵢ, τᵢ)
 *   Second-order correction. yᵢ₊₁ = yᵢ + Δτ·(f(yᵢ, τᵢ) + f(y*, τᵢ₊₁))/2
 * Last-step rule (EDM Alg. 1, line 7): into the data end σ = 0 the correction is skipped (Euler; in the
 * t variable the denoising jump). Order 2; 2 NFE per step, 1 on the last.
 */
import { rk2 } from "./rk2.js";
import type { Sampler } from "./sampler.js";
import type { OdeVariable } from "./variable.js";

/** Options of `heun`. */
export interface HeunOptions {
  /** Integration variable (default "t"; EDM and k-diffusion use "sigma"). */
  readonly variable?: OdeVariable;
}

/** Heun's method (file header): RK(α = 1), rk2.ts. */
export function heun(options: HeunOptions = {}): Sampler {
  return rk2({ alpha: 1, variable: options.variable ?? "t", name: "heun" });
}
