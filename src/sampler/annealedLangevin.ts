/**
 * Annealed Langevin dynamics (Song & Ermon 2019, NCSN, Alg. 1): for each noise level of the grid, from
 * noisiest to cleanest,
 *   αᵢ = ε·σᵢ²/σ_L²                                  (σ_L the smallest level)
 *   for t = 1 … T:  z ~ N(0, I),  x ← x + (αᵢ/2)·∇log p_{tᵢ}(x) + √αᵢ·z.
 * Step i moves the state to node i + 1 and runs the T updates there; σᵢ² is the mean conditional
 * variance of the node (σ² on an affine path, tr Σ_p/d on a bridge; exponential.ts). Into the data end
 * the step is the denoising jump x = α·D̂ + b (Jolicoeur-Martineau et al. 2021's final denoising).
 * Works on every path.
 */
import { meanVariance } from "./exponential.js";
import { type Sampler, defineSampler, denoiseTo } from "./sampler.js";

/** Options of `annealedLangevin`. */
export interface AnnealedLangevinOptions {
  /** Langevin steps T per level (default 100). */
  readonly steps?: number;
  /** Base step size ε (default 2e-5, NCSN's CIFAR-10 value). */
  readonly stepSize?: number;
}

/** Annealed Langevin dynamics (file header). */
export function annealedLangevin(options: AnnealedLangevinOptions = {}): Sampler {
  const fn = "annealedLangevin";
  const rounds = options.steps ?? 100;
  const eps = options.stepSize ?? 2e-5;
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new RangeError(`${fn}: steps must be a positive integer, got ${rounds}`);
  if (!(eps > 0 && Number.isFinite(eps)))
    throw new RangeError(`${fn}: stepSize must be a positive number, got ${eps}`);
  return defineSampler(
    fn,
    { name: `annealed-langevin(T=${rounds}, eps=${eps})`, order: 1, stochastic: true },
    async (run) => {
      const { state } = run;
      const dim = state.shape.dim;
      const slice = run.slice(run.to);
      // Into the data end: the denoising jump.
      if (run.toDataEnd)
        return run.finish(denoiseTo(slice, (await run.predict(state.x, run.slice(run.from))).as("data")));
      // αᵢ = ε·σᵢ²/σ_L².
      const slices = state.grid.slices;
      const lastNoisy = slices[slices.length - (state.grid.dataEnd ? 2 : 1)]!;
      const alpha = (eps * meanVariance(slice, dim)) / meanVariance(lastNoisy, dim);
      const noise = Math.sqrt(alpha);
      // T Langevin steps at the level: x ← x + (αᵢ/2)·∇log p(x) + √αᵢ·z.
      let x = state.x;
      for (let t = 0; t < rounds; t++) {
        const score = (await run.predict(x, slice)).as("score");
        const z = run.normals();
        x = x.map((v, i) => v + (alpha / 2) * score[i]! + noise * z[i]!);
      }
      return run.finish(x);
    },
  );
}
