/**
 * Annealed Langevin dynamics (Song & Ermon 2019, NCSN, Alg. 1): for each noise level of the grid, from
 * noisiest to cleanest, T Langevin steps with step size εᵢ = ε·σᵢ²/σ_L² (σ_L the smallest level):
 *   x ← x + (εᵢ/2)·∇log p_{tᵢ}(x) + √εᵢ·z.
 * Step i moves the state to node i + 1 and runs the T updates there; σᵢ² is the mean conditional
 * variance of the node (σ² on an affine path, tr Σ_p/d on a bridge). Into the data end the step is the
 * denoising jump x = α·D̂ + b (Jolicoeur-Martineau et al. 2021's final denoising). Works on every path.
 */
import { langevinUpdate, meanVariance } from "./predictorCorrector.js";
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
      // Into the data end: the denoising jump.
      if (run.toDataEnd)
        return run.finish(
          denoiseTo(run.slice(run.to), (await run.predict(state.x, run.slice(run.from))).as("data")),
        );
      // Langevin steps at the next level, εᵢ = ε·σᵢ²/σ_L².
      const slices = state.grid.slices;
      const lastNoisy = slices[slices.length - (state.grid.dataEnd ? 2 : 1)]!;
      const size = (eps * meanVariance(run.slice(run.to), dim)) / meanVariance(lastNoisy, dim);
      // x + (ε/2)·s + √ε·z is langevinUpdate's x + ε'·s + √(2ε')·z with ε' = ε/2.
      return run.finish(await langevinUpdate(run, state.x, run.slice(run.to), rounds, size / 2));
    },
  );
}
