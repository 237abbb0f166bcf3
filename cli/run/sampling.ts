/**
 * Sampling from the command line (used by `sample`, `bench-samplers` and `demo`): builds the named
 * sampler and grid, runs the library's `sample` with per-sample seeded noise, follows the steps with
 * a progress bar and, when asked, records the trajectories of the first samples.
 */
import {
  type Choice,
  type Conditioning,
  type Grid,
  type Model,
  registry,
  type Sampler,
  type SamplerState,
} from "difflux";
import { messageOf, RunFailedError, UsageError, withContext } from "../errors.js";
import { startProgress } from "../progress.js";

/** A sampler and grid choice (canonical, see the registry), with the number of grid steps. */
export interface SamplerSettings {
  readonly sampler: Choice;
  readonly grid: Choice;
  readonly steps: number;
}

/** Options of `drawSamples`. */
export interface DrawOptions extends SamplerSettings {
  readonly n: number;
  readonly dim: number;
  readonly seed: number;
  /** Record the states of the first `trajectories` samples at every grid node. */
  readonly trajectories?: number;
  /** Progress label (default "sampling"); false: no progress report. */
  readonly label?: string | false;
  /** Per-row conditioning (class labels) passed to every model call. */
  readonly condition?: Conditioning;
  /** A sampler and grid built elsewhere (a diffusers scheduler config), used instead of the choices. */
  readonly built?: { readonly sampler: Sampler<SamplerState>; readonly grid: Grid };
  /**
   * Model rows → data units, applied to the samples and the recorded states (a checkpoint's
   * `unstandardize`; default: none).
   */
  readonly toData?: (x: Float64Array) => Float64Array;
}

/** What `drawSamples` returns. */
export interface DrawOutcome {
  /** n × dim samples (in data units when `toData` is given). */
  readonly x: Float64Array;
  readonly nfe: number;
  readonly seconds: number;
  /** The recorded states (one array of m × dim per grid node), or null. */
  readonly states: Float64Array[] | null;
  /** Whether the sampler draws noise. */
  readonly stochastic: boolean;
}

/**
 * Runs the sampler: a model that returns non-finite predictions (the library's finiteness check)
 * fails the run (`RunFailedError`, exit 3; nothing is written); any other error names sampling.
 */
async function nonFiniteFails<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    const message = messageOf(err);
    if (/non-finite prediction/.test(message))
      throw new RunFailedError(`sampling: ${message} (nothing was written)`);
    throw new UsageError(`sampling: ${message}`);
  }
}

/**
 * Draws `o.n` samples from `model` (see the file header). Sample i's noise depends only on the seed
 * and i, not on n.
 */
export async function drawSamples(model: Model, o: DrawOptions): Promise<DrawOutcome> {
  const lib = await import("difflux/node");
  const sampler =
    o.built?.sampler ?? withContext("--sampler", () => registry.samplers.build(o.sampler, undefined));
  const grid =
    o.built?.grid ??
    withContext("--grid", () => registry.grids.build(o.grid, { path: model.path, steps: o.steps }));
  const m = Math.min(o.trajectories ?? 0, o.n);
  // sample() reports the initial state first, so the trajectories start at it.
  const states: Float64Array[] | null = m > 0 ? [] : null;
  const bar =
    o.label === false ? startProgress("", 0) : startProgress(o.label ?? "sampling", grid.times.length - 1);
  const began = Date.now();
  try {
    const r = await nonFiniteFails(() =>
      lib.sample(model, {
        sampler,
        grid,
        batch: o.n,
        dim: o.dim,
        seed: o.seed,
        ...(o.condition === undefined ? {} : { condition: o.condition }),
        onStep: (state) => {
          if (states !== null) states.push(state.x.slice(0, m * o.dim));
          bar.update(state.index);
        },
      }),
    );
    const toData = o.toData ?? ((x: Float64Array) => x);
    return {
      x: toData(r.x),
      nfe: r.nfe,
      seconds: (Date.now() - began) / 1000,
      states: states === null ? null : states.map(toData),
      stochastic: sampler.stochastic,
    };
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
  sampler: Choice,
  grid: Choice,
  dim: number,
  budgets: readonly number[],
): Promise<number[]> {
  const nfeAt = async (steps: number) =>
    (await drawSamples(model, { sampler, grid, steps, n: 1, dim, seed: 0, label: false })).nfe;
  const one = await nfeAt(1);
  const two = await nfeAt(2);
  const a = Math.max(1, two - one);
  const b = one - a;
  return budgets.map((target) => Math.max(1, Math.floor((target - b) / a)));
}
