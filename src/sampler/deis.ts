/**
 * DEIS (Zhang & Chen 2023, "Fast sampling of diffusion models with exponential integrator"), the
 * multistep variant diffusers ships (algorithm "deis", solver "logrho"): in x̃ = x/α and ρ = σ̃ the
 * probability-flow ODE is dx̃/dρ = ε̂ (variable.ts), and
 *   x̃ᵢ₊₁ = x̃ᵢ + Σⱼ cⱼ·ε̂ᵢ₋ⱼ,   cⱼ = ∫_{ρᵢ}^{ρᵢ₊₁} ℓⱼ(log ρ) dρ,
 * with the Lagrange basis ℓⱼ on log ρᵢ, log ρᵢ₋₁, … — linear multistep in σ̃ with a log-σ̃ basis (lms.ts).
 * Orders 1–3 (order 1 is DDIM). Near the end the order is lowered (`lowerOrderFinal`); the step into the
 * data end (ρ = 0, log ρ = −∞) is first order (the denoising jump).
 */
import { type LmsState, multistepSampler } from "./lms.js";
import { type Sampler, checkLowerOrderFinal, checkOrder } from "./sampler.js";

/** Options of `deis`. */
export interface DeisOptions {
  /** Solver order 1–3 (default 2). */
  readonly order?: number;
  /** Use lower orders in the final steps (default true; diffusers: only below 15 steps). */
  readonly lowerOrderFinal?: boolean | { readonly belowSteps: number };
}

/** DEIS multistep (file header). */
export function deis(options: DeisOptions = {}): Sampler<LmsState> {
  const fn = "deis";
  const order = checkOrder(fn, options.order ?? 2, 3);
  return multistepSampler(
    fn,
    `deis(order=${order})`,
    order,
    "sigma",
    "log",
    checkLowerOrderFinal(fn, options.lowerOrderFinal ?? true),
  );
}
