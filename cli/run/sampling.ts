/**
 * Sampling from the command line (used by `sample`, `bench-samplers` and `demo`): builds the named
 * sampler and grid, runs the library's `sample` with per-sample seeded noise, follows the steps with
 * a progress bar and, when asked, records the trajectories of the first samples.
 */
import type { GaussianPath, Model } from "../../src/index.js";
import type { ComponentChoice, GRIDS, SAMPLERS } from "../components.js";
import { withContext, withContextAsync } from "../errors.js";
import { startProgress } from "../progress.js";

type Library = typeof import("../../src/node.js");

/** A sampler and grid choice, with the number of grid steps. */
export interface SamplerSettings {
  readonly sampler: ComponentChoice<keyof typeof SAMPLERS>;
  readonly grid: ComponentChoice<keyof typeof GRIDS>;
  readonly steps: number;
}

/** Options of `drawSamples`. */
export interface DrawOptions extends SamplerSettings {
  readonly n: number;
  readonly dim: number;
  readonly seed: number;
  /** Record the states of the first `trajectories` samples at every grid node. */
  readonly trajectories?: number;
  readonly progress: boolean;
  /** Progress-bar label (default "sampling"). */
  readonly label?: string;
}

/** What `drawSamples` returns. */
export interface DrawOutcome {
  /** n × dim samples. */
  readonly x: Float64Array;
  readonly nfe: number;
  readonly seconds: number;
  /** The recorded states (one array of m × dim per grid node), or null. */
  readonly states: Float64Array[] | null;
  /** The sampler's name as the library reports it. */
  readonly samplerName: string;
}

/** The library sampler of a choice. */
export function makeSampler(lib: Library, c: SamplerSettings["sampler"]) {
  const p = c.params;
  switch (c.name) {
    case "euler":
      return lib.euler();
    case "heun":
      return lib.heun();
    case "midpoint":
      return lib.midpoint();
    case "rk4":
      return lib.rk4();
    case "dopri":
      return lib.dopri({ rtol: p.rtol, atol: p.atol });
    case "ddim":
      return lib.ddim({ eta: p.eta });
    case "ddpm":
      return lib.ddpm();
    case "dpm-solver":
      return lib.dpmSolverMultistep({ order: p.order, eta: p.eta });
    case "dpm-solver-2s":
      return lib.dpmSolverSinglestep({ eta: p.eta });
    case "deis":
      return lib.deis({ order: p.order });
    case "unipc":
      return lib.unipc({ order: p.order });
    case "lms":
      return lib.lms({ order: p.order });
    case "euler-ancestral":
      return lib.eulerAncestral({ eta: p.eta });
    case "edm-stochastic":
      return lib.edmStochastic({ sChurn: p.sChurn, sTmin: p.sTmin, sTmax: p.sTmax, sNoise: p.sNoise });
    case "euler-maruyama":
      return lib.eulerMaruyama();
  }
}

/** The library grid of a choice on `path` with `steps` steps. */
export function makeGrid(lib: Library, c: SamplerSettings["grid"], path: GaussianPath, steps: number) {
  const p = c.params;
  switch (c.name) {
    case "uniform":
      return lib.uniformTimeGrid(path, steps);
    case "quadratic":
      return lib.timeQuadraticGrid(path, steps);
    case "karras":
      return lib.karrasGrid(path, steps, { rho: p.rho });
    case "log-snr":
      return lib.uniformLogSnrGrid(path, steps);
    case "exponential":
      return lib.exponentialGrid(path, steps);
    case "polyexponential":
      return lib.polyexponentialGrid(path, steps, { rho: p.rho });
  }
}

/**
 * Draws `o.n` samples from `model` (see the file header). Sample i's noise depends only on the seed
 * and i, not on n.
 */
export async function drawSamples(model: Model, o: DrawOptions): Promise<DrawOutcome> {
  const lib = await import("../../src/node.js");
  const sampler = withContext("--sampler", () => makeSampler(lib, o.sampler));
  const grid = withContext("--grid", () => makeGrid(lib, o.grid, model.path, o.steps));
  const m = Math.min(o.trajectories ?? 0, o.n);
  // sample() reports the initial state first, so the trajectories start at it.
  const states: Float64Array[] | null = m > 0 ? [] : null;
  const bar = startProgress(o.progress, o.label ?? "sampling", grid.times.length - 1);
  const began = Date.now();
  try {
    const r = await withContextAsync("sampling", () =>
      lib.sample(model, {
        sampler,
        grid,
        batch: o.n,
        dim: o.dim,
        seed: o.seed,
        onStep: (state) => {
          if (states !== null) states.push(state.x.slice(0, m * o.dim));
          bar.update(state.index);
        },
      }),
    );
    return { x: r.x, nfe: r.nfe, seconds: (Date.now() - began) / 1000, states, samplerName: sampler.name };
  } finally {
    bar.stop();
  }
}

/**
 * Grid steps that spend about `budgets[k]` function evaluations: NFE(steps) = a·steps + b is
 * measured with 1 and 2 steps on one sample (a sampler's cost per step is constant after the first).
 */
export async function stepsForNfe(
  model: Model,
  sampler: SamplerSettings["sampler"],
  grid: SamplerSettings["grid"],
  dim: number,
  budgets: readonly number[],
): Promise<number[]> {
  const nfeAt = async (steps: number) =>
    (await drawSamples(model, { sampler, grid, steps, n: 1, dim, seed: 0, progress: false })).nfe;
  const one = await nfeAt(1);
  const two = await nfeAt(2);
  const a = Math.max(1, two - one);
  const b = one - a;
  return budgets.map((target) => Math.max(1, Math.floor((target - b) / a)));
}
