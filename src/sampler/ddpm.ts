/**
 * DDPM ancestral sampling (Ho, Jain & Abbeel 2020, Alg. 2) on any grid of a path with a per-coordinate
 * view. The mean is the posterior mean of q(xᵢ₊₁ | xᵢ, data = D̂):
 *   μ = α'·D̂ + b' + σ'·e^{−h}·ε̂                     (h = ℓᵢ₊₁ − ℓᵢ; for VP: the paper's eq. 7 mean)
 *   xᵢ₊₁ = μ + s·z with s² = "fixedSmall": σ'²·(1 − e^{−2h})   (the posterior variance β̃)
 *                           "fixedLarge": σ² − (α/α')²·σ'²      (the forward variance β of the step)
 * and no noise on the grid's last step (Alg. 2: z = 0 at t = 1). fixedSmall equals DDIM with η = 1.
 */
import { anyPositive, renoise, shrink2 } from "./exponential.js";
import { perCoordinate as at } from "./levels.js";
import { type Sampler, defineSampler } from "./sampler.js";

/** DDPM's reverse-process variance choice. */
export type DdpmVariance = "fixedSmall" | "fixedLarge";

/** Options of `ddpm`. */
export interface DdpmOptions {
  /** Default "fixedSmall". */
  readonly variance?: DdpmVariance;
}

/** DDPM ancestral sampling (file header). */
export function ddpm(options: DdpmOptions = {}): Sampler {
  const fn = "ddpm";
  const variance = options.variance ?? "fixedSmall";
  if (variance !== "fixedSmall" && variance !== "fixedLarge") {
    throw new RangeError(
      `${fn}: variance must be "fixedSmall" or "fixedLarge", got ${JSON.stringify(variance)}`,
    );
  }
  return defineSampler(fn, { name: `ddpm(${variance})`, order: 1, stochastic: true }, async (run) => {
    const { state } = run;
    const dim = state.shape.dim;
    const { from, to, p } = await run.begin();
    // Posterior mean: α'·D̂ + b' + σ'e^{−h}·ε̂.
    const e2 = shrink2(from, to);
    const m = e2.length;
    const down = Float64Array.from(e2, (v, c) => at(to.sigma, c) * Math.sqrt(v));
    // Variance of the added noise (none on the last step).
    const up = new Float64Array(m);
    if (!run.last) {
      for (let c = 0; c < m; c++) {
        const s2 = at(to.sigma, c);
        const r = at(from.alpha, c) / at(to.alpha, c);
        up[c] =
          variance === "fixedSmall"
            ? s2 * Math.sqrt(Math.max(1 - e2[c]!, 0))
            : Math.sqrt(Math.max(at(from.sigma, c) ** 2 - (r * s2) ** 2, 0));
      }
    }
    const z = anyPositive(up) ? run.normals() : null;
    return run.finish(renoise(to, p.as("data"), p.as("noise"), down, up, z, dim));
  });
}
