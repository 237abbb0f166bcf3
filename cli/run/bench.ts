/**
 * Sampler error against NFE on an exact Gaussian mixture (used by `bench-samplers`): the model is
 * the mixture's exact denoiser on the path (no training), so every error is the sampler's own.
 * Two errors per run:
 *   ODE error  — RMS distance to the probability-flow solution from the same initial noise, that of
 *                the first seed (reference: RK4 on 1000 steps of the same grid family, whose last
 *                step to the data end is the same denoising jump as every sampler's, ~1e-6 away;
 *                4000 mixture evaluations, most of the work in 64-D); deterministic samplers only;
 *   sliced W₂  — to fresh exact samples of the mixture (every sampler), repeated over `seeds` seeds
 *                (noise, exact samples and projections change with the seed) and reported as mean
 *                and standard deviation, with the floor between two independent exact sample sets
 *                of the same size for scale.
 */
import type { Choice, GaussianMixture, GaussianPath } from "difflux";
import { registry } from "difflux";
import { startProgress } from "../progress.js";
import { type Spread, spreadOf } from "./metrics.js";
import { drawSamples, stepsForNfe } from "./sampling.js";

/** One sampler at one NFE budget, over the seeds. */
export interface BenchRow {
  /** Canonical sampler and grid (registry names, accepted as input). */
  readonly sampler: string;
  readonly grid: string;
  readonly stochastic: boolean;
  /** The NFE budget asked for and the NFE used. */
  readonly targetNfe: number;
  readonly nfe: number;
  readonly steps: number;
  /** RMS distance to the reference ODE solution from the first seed's noise (null for stochastic samplers). */
  readonly odeError: number | null;
  readonly slicedW2: Spread;
  /** Mean wall time of one run. */
  readonly seconds: number;
}

/** A sampler to benchmark with its grid. */
export interface BenchSampler {
  readonly sampler: Choice;
  readonly grid: Choice;
}

/** Options of `benchSamplers`. */
export interface BenchSettings {
  readonly dim: 2 | 64;
  readonly nfe: readonly number[];
  readonly samplers: readonly BenchSampler[];
  readonly path: GaussianPath;
  readonly n: number;
  /** First seed and number of seeds. */
  readonly seed: number;
  readonly seeds: number;
}

/** The benchmark's result. */
export interface BenchOutcome {
  readonly rows: readonly BenchRow[];
  /** Sliced W₂ between two independent exact sample sets of size n (the metric's noise floor). */
  readonly floor: Spread;
  readonly mixture: { readonly components: number; readonly dim: number };
  readonly seeds: readonly number[];
}

type Library = typeof import("difflux/node");

/**
 * The benchmark mixtures: in 2-D the reference 3-component mixture of the fixtures; in 64-D eight
 * components with N(0, 1.5²·I) means (seed 64), unequal weights and variances 0.1 … 0.8.
 */
function mixture(lib: Library, dim: 2 | 64): GaussianMixture {
  if (dim === 2) {
    const g = lib.REFERENCE_GMM;
    return lib.gaussianMixture({
      weights: [...g.weights],
      means: g.means.map((m) => [...m]),
      covariances: g.std ** 2,
    });
  }
  const rng = new lib.Rng(64, 0);
  return lib.gaussianMixture({
    weights: [3, 1, 2, 1, 1, 2, 1, 1],
    means: Array.from({ length: 8 }, () => Array.from({ length: 64 }, () => 1.5 * rng.normal())),
    covariances: Array.from({ length: 8 }, (_, k) => 0.1 * (k + 1)),
  });
}

/** Runs the benchmark (see the file header). */
export async function benchSamplers(s: BenchSettings): Promise<BenchOutcome> {
  const lib = await import("difflux/node");
  const mix = mixture(lib, s.dim);
  const model = mix.denoiser(s.path);
  const seeds = Array.from({ length: s.seeds }, (_, k) => s.seed + k);
  const exact = seeds.map((seed) => mix.sample(new lib.Rng(seed, 1), s.n));
  const directions = (seed: number) => ({ rng: new lib.Rng(seed, 3) });
  const floor = spreadOf(
    seeds.map((seed, k) =>
      lib.slicedWasserstein(exact[k]!, mix.sample(new lib.Rng(seed, 2), s.n), s.dim, directions(seed)),
    ),
  );
  // The reference ODE solution from the first seed's noise per grid family of the deterministic
  // samplers, computed before the timed runs (its own progress report: in 64-D it is most of the work).
  const references = new Map<string, Float64Array>();
  const grids = new Map<string, Choice>();
  for (const c of s.samplers) {
    if (!registry.samplers.build(c.sampler, undefined).stochastic)
      grids.set(registry.grids.format(c.grid), c.grid);
  }
  for (const [key, grid] of grids) {
    const r = await drawSamples(model, {
      sampler: { name: "rk4", params: {} },
      grid,
      steps: 1000,
      n: s.n,
      dim: s.dim,
      seed: s.seed,
      label: "ODE reference",
    });
    references.set(key, r.x);
  }
  const plan = await Promise.all(s.samplers.map((c) => stepsForNfe(model, c.sampler, c.grid, s.dim, s.nfe)));
  const bar = startProgress("benchmark", s.samplers.length * s.nfe.length * seeds.length);
  const rows: BenchRow[] = [];
  let done = 0;
  try {
    for (const [i, c] of s.samplers.entries()) {
      for (const [j, target] of s.nfe.entries()) {
        const steps = plan[i]![j]!;
        let ode: number | null = null;
        const w2: number[] = [];
        let seconds = 0;
        let nfe = 0;
        let stochastic = false;
        for (const [k, seed] of seeds.entries()) {
          const r = await drawSamples(model, {
            sampler: c.sampler,
            grid: c.grid,
            steps,
            n: s.n,
            dim: s.dim,
            seed,
            label: false,
          });
          stochastic = r.stochastic;
          nfe = r.nfe;
          seconds += r.seconds;
          if (!stochastic && k === 0)
            ode = lib.rmsDistance(r.x, references.get(registry.grids.format(c.grid))!, s.dim);
          w2.push(lib.slicedWasserstein(r.x, exact[k]!, s.dim, directions(seed)));
          bar.update(++done);
        }
        rows.push({
          sampler: registry.samplers.format(c.sampler),
          grid: registry.grids.format(c.grid),
          stochastic,
          targetNfe: target,
          nfe,
          steps,
          odeError: ode,
          slicedW2: spreadOf(w2),
          seconds: seconds / seeds.length,
        });
      }
    }
  } finally {
    bar.stop();
  }
  return { rows, floor, mixture: { components: mix.weights.length, dim: s.dim }, seeds };
}
