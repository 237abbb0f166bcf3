/**
 * DEIS (Zhang & Chen 2023, "Fast sampling of diffusion models with exponential integrator", §4 and
 * eq. 15), the multistep variant diffusers ships (algorithm "deis", solver "logrho", i.e. ρAB-DEIS with
 * a log ρ basis). In x̃ = (x − b)/α and ρ = σ̃ = σ/α the probability-flow ODE is dx̃/dρ = ε̂ (variable.ts),
 * and the noise history ε̂ᵢ, ε̂ᵢ₋₁, … at ρᵢ, ρᵢ₋₁, … is extrapolated by the Lagrange polynomial in log ρ:
 *   x̃ᵢ₊₁ = x̃ᵢ + Σⱼ cⱼ·ε̂ᵢ₋ⱼ,   cⱼ = ∫_{ρᵢ}^{ρᵢ₊₁} ℓⱼ(log ρ) dρ,   ℓⱼ(v) = Πₘ≠ⱼ (v − log ρᵢ₋ₘ)/(log ρᵢ₋ⱼ − log ρᵢ₋ₘ).
 * Orders 1–3 (order 1 is DDIM). Near the end the order is lowered (`lowerOrderFinal`); the step into
 * the data end (ρ = 0, log ρ = −∞) is the denoising jump. diffusers evaluates the cⱼ in closed form in
 * float32; compat/diffusers.ts reproduces that arithmetic.
 */
import {
  type Sampler,
  checkLowerOrderFinal,
  checkOrder,
  defineSampler,
  denoiseTo,
  stepOrder,
} from "./sampler.js";
import { type SlopeHistoryState, adamsCoefficients, frameAt, multistepAdvance } from "./variable.js";

/** Options of `deis`. */
export interface DeisOptions {
  /** Solver order 1–3 (default 2). */
  readonly order?: number;
  /** Use lower orders in the final steps (default true; diffusers: only below 15 steps). */
  readonly lowerOrderFinal?: boolean | { readonly belowSteps: number };
}

/** DEIS state: the common fields plus the history of ε̂ at ρ (most recent last). */
export type DeisState = SlopeHistoryState;

/** DEIS multistep (file header). */
export function deis(options: DeisOptions = {}): Sampler<DeisState> {
  const fn = "deis";
  const order = checkOrder(fn, options.order ?? 2, 3);
  const lowerOrderFinal = checkLowerOrderFinal(fn, options.lowerOrderFinal ?? true);
  return defineSampler<DeisState>(
    fn,
    { name: `deis(order=${order})`, order, stochastic: false },
    async (run) => {
      const { state } = run;
      const from = frameAt(run, "sigma", run.slice(run.from));
      const to = frameAt(run, "sigma", run.slice(run.to));
      const p = await run.predict(state.x, from.slice);
      const records = [...state.history, { tau: from.tau, k: p.as("noise") }].slice(-order);
      const history = order > 1 ? records.slice(-(order - 1)) : [];
      // Into the data end (log ρ = −∞): the denoising jump.
      if (run.toDataEnd) return run.finish(denoiseTo(to.slice, p.as("data")), { history });
      // ρAB-DEIS step of order q: x̃ᵢ₊₁ = x̃ᵢ + Σⱼ cⱼ·ε̂ᵢ₋ⱼ, cⱼ = ∫_{ρᵢ}^{ρᵢ₊₁} ℓⱼ(log ρ) dρ.
      const q = stepOrder(order, records.length, state, lowerOrderFinal);
      const used = records.slice(-q).reverse();
      const x = multistepAdvance(from.y(state.x), used, adamsCoefficients(from, to, used, "log"));
      return run.finish(to.x(x), { history });
    },
    (base) => ({ ...base, history: [] }),
  );
}
