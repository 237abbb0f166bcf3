/**
 * Linear multistep (Adams–Bashforth with variable steps) on the probability-flow ODE, in canonical
 * time or in σ̃ (variable.ts): the slope history kᵢ, kᵢ₋₁, … at τᵢ, τᵢ₋₁, … is interpolated by the
 * Lagrange polynomial and integrated exactly over the step:
 *   yᵢ₊₁ = yᵢ + Σⱼ cⱼ·kᵢ₋ⱼ,   cⱼ = ∫_{τᵢ}^{τᵢ₊₁} ℓⱼ(τ) dτ,   ℓⱼ(τ) = Πₘ≠ⱼ (τ − τᵢ₋ₘ)/(τᵢ₋ⱼ − τᵢ₋ₘ),
 * of order q = min(order, i + 1) (the first steps start up at lower order). In σ̃ this is
 * k-diffusion's sample_lms and diffusers' LMSDiscrete (they integrate with scipy's quad; here
 * Gauss–Legendre, exact for these polynomials). Last step: in the t variable, into the data end, the
 * denoising jump; in σ̃ the polynomial is integrated down to σ̃ = 0.
 * Source: Hairer, Nørsett & Wanner, Solving ODEs I, §III.5 (variable step size Adams methods);
 * Karras et al. 2022 (σ̃ variable).
 */
import { type Sampler, checkOrder, defineSampler, denoiseTo, stepOrder } from "./sampler.js";
import {
  type OdeVariable,
  type SlopeHistoryState,
  adamsCoefficients,
  checkVariable,
  frameAt,
  multistepAdvance,
} from "./variable.js";

/** Options of `lms`. */
export interface LmsOptions {
  /** Largest order (1–6, default 4). */
  readonly order?: number;
  /** Integration variable (default "t"). */
  readonly variable?: OdeVariable;
}

/** LMS state: the common fields plus the slope history (most recent last). */
export type LmsState = SlopeHistoryState;

/** Linear multistep, orders 1–6 (file header). */
export function lms(options: LmsOptions = {}): Sampler<LmsState> {
  const fn = "lms";
  const order = checkOrder(fn, options.order ?? 4, 6);
  const variable = checkVariable(fn, options.variable ?? "t");
  return defineSampler<LmsState>(
    fn,
    { name: `lms(order=${order}${variable === "t" ? "" : ", sigma"})`, order, stochastic: false },
    async (run) => {
      const { state } = run;
      const from = frameAt(run, variable, run.slice(run.from));
      const to = frameAt(run, variable, run.slice(run.to));
      const p = await run.predict(state.x, from.slice);
      const records = [...state.history, { tau: from.tau, k: from.slope(p) }].slice(-order);
      const history = order > 1 ? records.slice(-(order - 1)) : [];
      // Into the data end in t: the denoising jump.
      if (variable === "t" && run.toDataEnd)
        return run.finish(denoiseTo(to.slice, p.as("data")), { history });
      // Adams–Bashforth step of order q: yᵢ₊₁ = yᵢ + Σⱼ cⱼ·kᵢ₋ⱼ, cⱼ = ∫_{τᵢ}^{τᵢ₊₁} ℓⱼ(τ) dτ.
      const q = stepOrder(order, records.length, state, false);
      const used = records.slice(-q).reverse();
      const y = multistepAdvance(from.y(state.x), used, adamsCoefficients(from, to, used, "linear"));
      return run.finish(to.x(y), { history });
    },
    (base) => ({ ...base, history: [] }),
  );
}
