/**
 * Sampler error against NFE on an exact Gaussian mixture (used by `bench-samplers`): the model is
 * the mixture's exact denoiser on the path (no training), so every error is the sampler's own.
 * Two errors per run:
 *   ODE error  — RMS distance to the probability-flow solution from the same initial noise
 *                (reference: RK4 on 1000 steps of the same grid family, whose last step to the data
 *                end is the same denoising jump as every sampler's, ~1e-6 away);
 *                deterministic samplers only;
 *   sliced W₂  — to fresh exact samples of the mixture (every sampler), with the floor between two
 *                independent exact sample sets of the same size for scale.
 */
import type { GaussianMixture, GaussianPath } from "../../src/index.js";
import type { ComponentChoice, GRIDS, SAMPLERS } from "../components.js";
import { withContext } from "../errors.js";
import { startProgress } from "../progress.js";
import { drawSamples, makeSampler, stepsForNfe } from "./sampling.js";

/** One sampler run at one NFE budget. */
export interface BenchRow {
  readonly sampler: string;
  readonly label: string;
  readonly stochastic: boolean;
  /** The NFE budget asked for and the NFE used. */
  readonly targetNfe: number;
  readonly nfe: number;
  readonly steps: number;
  /** RMS distance to the reference ODE solution (null for stochastic samplers). */
  readonly odeError: number | null;
  readonly slicedW2: number;
  readonly seconds: number;
}

/** Options of `benchSamplers`. */
export interface BenchSettings {
  readonly dim: 2 | 64;
  readonly nfe: readonly number[];
  readonly samplers: readonly ComponentChoice<keyof typeof SAMPLERS>[];
  readonly grid: ComponentChoice<keyof typeof GRIDS>;
  readonly path: GaussianPath;
  readonly n: number;
  readonly seed: number;
  readonly progress: boolean;
}

/** The benchmark's result. */
export interface BenchOutcome {
  readonly rows: readonly BenchRow[];
  /** Sliced W₂ between two independent exact sample sets of size n (the metric's noise floor). */
  readonly floor: number;
  readonly mixture: { readonly components: number; readonly dim: number };
}

type Library = typeof import("../../src/node.js");

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
  const lib = await import("../../src/node.js");
  const mix = mixture(lib, s.dim);
  const model = mix.denoiser(s.path);
  const exact = mix.sample(new lib.Rng(s.seed, 1), s.n);
  const floor = lib.slicedWasserstein(exact, mix.sample(new lib.Rng(s.seed, 2), s.n), s.dim, {
    rng: new lib.Rng(s.seed, 3),
  });
  const reference = await drawSamples(model, {
    sampler: { name: "rk4", params: {} },
    grid: s.grid,
    steps: 1000,
    n: s.n,
    dim: s.dim,
    seed: s.seed,
    progress: false,
  });
  const plan = await Promise.all(s.samplers.map((c) => stepsForNfe(model, c, s.grid, s.dim, s.nfe)));
  const bar = startProgress(s.progress, "benchmark", s.samplers.length * s.nfe.length);
  const rows: BenchRow[] = [];
  try {
    for (const [k, choice] of s.samplers.entries()) {
      const sampler = withContext("--samplers", () => makeSampler(lib, choice));
      for (const [j, target] of s.nfe.entries()) {
        const steps = plan[k]![j]!;
        const r = await drawSamples(model, {
          sampler: choice,
          grid: s.grid,
          steps,
          n: s.n,
          dim: s.dim,
          seed: s.seed,
          progress: false,
        });
        rows.push({
          sampler: sampler.name,
          label:
            Object.keys(choice.params).length > 0
              ? `${choice.name}:${Object.entries(choice.params)
                  .map(([p, v]) => `${p}=${v}`)
                  .join(",")}`
              : choice.name,
          stochastic: sampler.stochastic,
          targetNfe: target,
          nfe: r.nfe,
          steps,
          odeError: sampler.stochastic ? null : lib.rmsDistance(r.x, reference.x, s.dim),
          slicedW2: lib.slicedWasserstein(r.x, exact, s.dim, { rng: new lib.Rng(s.seed, 3) }),
          seconds: r.seconds,
        });
        bar.update(rows.length);
      }
    }
  } finally {
    bar.stop();
  }
  return { rows, floor, mixture: { components: mix.weights.length, dim: s.dim } };
}
