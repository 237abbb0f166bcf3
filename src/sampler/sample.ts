/**
 * The one sampling entry point: `sample(model, { sampler, grid, steps, seed | noise, onStep })` draws
 * the initial state at the grid's first node, runs `sampler.step` to the last node, and returns the
 * samples with the work done. `onStep` observes each state without affecting the math.
 */
import { type FloatArray, checkAllocation, checkCount, checkFloatArray } from "../array.js";
import type { Conditioning, Model } from "../model/model.js";
import { type Grid, type GridFunction, resolveGrid } from "./grid.js";
import { type NoiseSource, type Sampler, type SamplerState, recordedNoise, seededNoise } from "./sampler.js";

/** Options of `sample`. */
export interface SampleOptions<S extends SamplerState> {
  readonly sampler: Sampler<S>;
  /** A Grid on model.path, or a grid function with `steps` (default uniformTimeGrid). */
  readonly grid?: Grid | GridFunction;
  /** Number of steps when `grid` is a function. */
  readonly steps?: number;
  /** Number of samples (needed with `seed`). */
  readonly batch?: number;
  /** Dimension of one sample (default the path's). */
  readonly dim?: number;
  /** Per-sample seeded noise (seededNoise): draw 0 is the initial noise. */
  readonly seed?: number;
  /** Index of the batch's first sample within a larger run (with `seed`; default 0). */
  readonly firstRow?: number;
  /** Caller-supplied noise: a NoiseSource, or the draws themselves (draws[0] = initial noise). */
  readonly noise?: NoiseSource | readonly FloatArray[];
  /** The initial state itself (overrides draw 0). */
  readonly x?: FloatArray;
  /** Per-row conditioning passed to every model call (class labels or embeddings). */
  readonly condition?: Conditioning;
  /** Called with the initial state (index 0), then after every step with the new state. */
  readonly onStep?: (state: S) => void;
}

/** What `sample` returns. */
export interface SampleResult<S extends SamplerState> {
  /** The samples at the grid's last node (batch × dim). */
  readonly x: Float64Array;
  /** Model evaluations. */
  readonly nfe: number;
  readonly grid: Grid;
  readonly state: S;
}

/**
 * Runs `options.sampler` on `model` over the grid (file header). The initial state is `options.x`, or
 * the first node's conditional with data 0 applied to draw 0 — σ(t₀)·z on an affine path (neglecting
 * α(t₀)·data, as samplers starting from noise do), the prior at t = 0 on a bridge.
 */
export async function sample<S extends SamplerState>(
  model: Model,
  options: SampleOptions<S>,
): Promise<SampleResult<S>> {
  const fn = "sample";
  if (model === null || typeof model !== "object" || typeof model.predict !== "function") {
    throw new TypeError(`${fn}: model must be a Model { kind, path, predict }`);
  }
  if (options === null || typeof options !== "object" || options.sampler === undefined) {
    throw new TypeError(`${fn}: options.sampler is required (e.g. dpmSolverMultistep())`);
  }
  const { sampler } = options;
  const grid = resolveGrid(fn, options.grid, model.path, options.steps);
  let noise: NoiseSource | undefined;
  if (options.noise !== undefined) {
    if (options.seed !== undefined) throw new RangeError(`${fn}: pass either seed or noise, not both`);
    noise = typeof options.noise === "function" ? options.noise : recordedNoise(options.noise);
  } else if (options.seed !== undefined) {
    noise = seededNoise(options.seed, options.firstRow ?? 0);
  }
  const dim = options.dim ?? model.path.dim;
  if (dim === undefined)
    throw new RangeError(`${fn}: options.dim is required (the path does not fix the dimension)`);
  checkCount(fn, "dim", dim, 1);
  let x: Float64Array;
  if (options.x !== undefined) {
    checkFloatArray(fn, "options.x", options.x);
    x = Float64Array.from(options.x);
  } else {
    if (noise === undefined)
      throw new RangeError(`${fn}: pass seed (with batch), noise, or the initial state x`);
    let batch = options.batch;
    if (batch === undefined) {
      if (typeof options.noise === "object" && options.noise[0] !== undefined) {
        const length = options.noise[0].length;
        if (length % dim !== 0)
          throw new RangeError(
            `${fn}: options.noise[0] has length ${length}, not a multiple of dim = ${dim}; draws are batch × dim`,
          );
        batch = length / dim;
      } else throw new RangeError(`${fn}: options.batch (number of samples) is required with seed`);
    }
    if (!Number.isInteger(batch) || batch < 1)
      throw new RangeError(`${fn}: batch must be a positive integer, got ${batch}`);
    checkAllocation(fn, "batch × dim", batch * dim);
    const z = new Float64Array(batch * dim);
    noise(0, z, { batch, dim });
    x = grid.slices[0]!.sample(new Float64Array(z.length), z);
  }
  let state = sampler.init(x, grid, {
    dim,
    ...(noise ? { noise } : {}),
    ...(options.condition ? { condition: options.condition } : {}),
  });
  options.onStep?.(state);
  const last = grid.times.length - 1;
  while (state.index < last) {
    state = await sampler.step(model, state);
    options.onStep?.(state);
  }
  return { x: state.x, nfe: state.nfe, grid, state };
}
