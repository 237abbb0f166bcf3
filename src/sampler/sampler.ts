/**
 * The sampler contract (diffrax-style, pure): `init(x, grid, options) → state` and
 * `step(model, state) → state` advance a batch from grid node `index` to `index + 1`; every piece of
 * history a multistep method needs lives in the returned state, never in a hidden field. A step
 * converts the model's prediction through the path slice (`Prediction.as`), so any kind on any path
 * works; noise comes from a `NoiseSource` indexed by draw number, so runs are reproducible and a
 * sample's noise does not depend on the batch size.
 */
import { type FloatArray, type Shape, checkFloatArray } from "../array.js";
import type { Kind } from "../convert/kernel.js";
import { type Conditioning, type Model, checkConditioning, predict } from "../model/model.js";
import type { CoordinateLevels, PathSlice } from "../path/path.js";
import { perSampleNormals } from "../random/rng.js";
import { checkFiniteStep } from "./finite.js";
import type { Grid } from "./grid.js";
import { coordinateLevels } from "./levels.js";

/**
 * Standard normals for draw number `draw` (0 = the initial state, k ≥ 1 = the k-th draw of a run),
 * written into `out` (batch × dim).
 */
export type NoiseSource = (draw: number, out: Float64Array, shape: Shape) => void;

/**
 * Per-sample seeded noise: row i of draw k is `perSampleNormals(seed, k, firstRow + i, …)`, so a
 * sample's noise never depends on the batch size or the other rows. `firstRow` numbers the batch's
 * first sample when a large run is split into batches.
 */
export function seededNoise(seed: number, firstRow = 0): NoiseSource {
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new RangeError(`seededNoise: seed must be a non-negative safe integer, got ${seed}`);
  if (!Number.isSafeInteger(firstRow) || firstRow < 0) {
    throw new RangeError(`seededNoise: firstRow must be a non-negative safe integer, got ${firstRow}`);
  }
  return (draw, out, shape) => {
    perSampleNormals(seed, draw, firstRow, shape.batch, shape.dim, out);
  };
}

/**
 * Caller-supplied noise: `draws[k]` is draw k (draws[0] the initial noise). Throws naming the missing
 * draw when a run needs more than were given.
 */
export function recordedNoise(draws: readonly FloatArray[]): NoiseSource {
  if (!Array.isArray(draws))
    throw new TypeError("recordedNoise: draws must be an array of Float32Array/Float64Array");
  draws.forEach((d, k) => {
    checkFloatArray("recordedNoise", `draws[${k}]`, d);
  });
  return (draw, out) => {
    const d = draws[draw];
    if (d === undefined) {
      throw new RangeError(
        `recordedNoise: draw ${draw} was requested but only ${draws.length} were given; supply one array per draw (draws[0] = initial noise)`,
      );
    }
    if (d.length !== out.length)
      throw new RangeError(`recordedNoise: draws[${draw}] has length ${d.length}, expected ${out.length}`);
    out.set(d);
  };
}

/** What every sampler state carries. */
export interface SamplerState {
  /** The batch at grid node `index` (batch × dim). */
  readonly x: Float64Array;
  /** Grid node of `x`. */
  readonly index: number;
  readonly grid: Grid;
  readonly shape: Shape;
  /** Model evaluations so far. */
  readonly nfe: number;
  /** Noise draws consumed so far (the next step's first draw is `draws + 1`). */
  readonly draws: number;
  readonly noise: NoiseSource | undefined;
  /** Per-row conditioning passed to every model call (undefined: unconditional model). */
  readonly condition?: Conditioning;
}

/** Options of `Sampler.init`. */
export interface InitOptions {
  /** Dimension of one sample (default: the path's, which bridge paths fix). */
  readonly dim?: number;
  /** Noise for stochastic steps (required by stochastic samplers). */
  readonly noise?: NoiseSource;
  /** Per-row conditioning for every model call (class labels or embeddings; see Conditioning). */
  readonly condition?: Conditioning;
}

/** A sampler: one algorithm (file header). */
export interface Sampler<S extends SamplerState = SamplerState> {
  readonly name: string;
  /** Declared order of accuracy (the ODE order for stochastic samplers' deterministic part). */
  readonly order: number;
  /** Whether `step` draws noise. */
  readonly stochastic: boolean;
  init(x: Float64Array, grid: Grid, options?: InitOptions): S;
  step(model: Model, state: S): Promise<S>;
}

/** Validates `init`'s arguments and builds the common state. */
export function initState(fn: string, x: Float64Array, grid: Grid, options: InitOptions = {}): SamplerState {
  if (!(x instanceof Float64Array))
    throw new TypeError(`${fn}.init: x must be a Float64Array (use Float64Array.from(x))`);
  if (grid === null || typeof grid !== "object" || !(grid.times instanceof Float64Array)) {
    throw new TypeError(`${fn}.init: grid must be a Grid (e.g. uniformTimeGrid(path, 20))`);
  }
  const dim = options.dim ?? grid.path.dim;
  if (dim === undefined || !Number.isInteger(dim) || dim < 1) {
    throw new RangeError(
      `${fn}.init: options.dim must be a positive integer (the path does not fix the dimension), got ${dim}`,
    );
  }
  if (x.length % dim !== 0)
    throw new RangeError(`${fn}.init: x has length ${x.length}, not a multiple of dim = ${dim}`);
  if (options.noise !== undefined && typeof options.noise !== "function") {
    throw new TypeError(
      `${fn}.init: options.noise must be a NoiseSource (seededNoise(seed) or recordedNoise(draws))`,
    );
  }
  const shape = { batch: x.length / dim, dim };
  checkConditioning(`${fn}.init`, options.condition, shape.batch);
  const base = { x, index: 0, grid, shape, nfe: 0, draws: 0, noise: options.noise };
  return options.condition === undefined ? base : { ...base, condition: options.condition };
}

/** Name, declared order and stochasticity of a sampler. */
export interface SamplerInfo {
  readonly name: string;
  readonly order: number;
  readonly stochastic: boolean;
}

/**
 * A sampler from its step body: `init` validates and builds the common state (then `extend` adds the
 * sampler's own fields), and `step` runs `body` on a fresh StepRun named `fn`.
 */
export function defineSampler<S extends SamplerState = SamplerState>(
  fn: string,
  info: SamplerInfo,
  body: (run: StepRun<S>) => Promise<S>,
  extend: (base: SamplerState) => S = (base) => base as S,
): Sampler<S> {
  return {
    ...info,
    init: (x: Float64Array, grid: Grid, options?: InitOptions) => extend(initState(fn, x, grid, options)),
    step: async (model: Model, state: S) => body(new StepRun(fn, model, state)),
  };
}

/** A model prediction at (x, slice), converted on demand to any kind through the slice. */
export class Prediction {
  readonly model: Model;
  readonly value: Float64Array;
  readonly x: Float64Array;
  readonly slice: PathSlice;
  #cache = new Map<string, Float64Array>();

  constructor(model: Model, value: Float64Array, x: Float64Array, slice: PathSlice) {
    this.model = model;
    this.value = value;
    this.x = x;
    this.slice = slice;
  }

  /** The prediction as `kind` (not drift: use `drift`). */
  as(kind: Exclude<Kind, "drift">): Float64Array {
    let v = this.#cache.get(kind);
    if (v === undefined) {
      const m = this.model;
      v =
        m.kind === kind
          ? this.value
          : this.slice.convert(
              this.value,
              m.kind,
              kind,
              this.x,
              m.kind === "drift" ? { g2: m.g2(this.slice.t) } : {},
            );
      this.#cache.set(kind, v);
    }
    return v;
  }

  /** The generative SDE drift velocity + (g²/2)·score for this g². */
  drift(g2: number): Float64Array {
    const key = `drift:${g2}`;
    let v = this.#cache.get(key);
    if (v === undefined) {
      const m = this.model;
      v =
        m.kind === "drift" && m.g2(this.slice.t) === g2
          ? this.value
          : m.kind === "drift"
            ? this.slice.convert(this.as("velocity"), "velocity", "drift", this.x, { g2 })
            : this.slice.convert(this.value, m.kind, "drift", this.x, { g2 });
      this.#cache.set(key, v);
    }
    return v;
  }
}

/**
 * One step in progress: counts model calls and noise draws, and builds the next state. Local to a
 * single `step` call (the step stays pure).
 */
export class StepRun<S extends SamplerState> {
  readonly fn: string;
  readonly model: Model;
  readonly state: S;
  nfe = 0;
  draws = 0;

  constructor(fn: string, model: Model, state: S) {
    this.fn = fn;
    this.model = model;
    this.state = state;
    checkStep(fn, model, state);
  }

  /** Grid node index of the step's start (i) and end (i + 1). */
  get from(): number {
    return this.state.index;
  }
  get to(): number {
    return this.state.index + 1;
  }
  /** Whether this is the grid's last step. */
  get last(): boolean {
    return this.to === this.state.grid.times.length - 1;
  }
  /** Whether the step ends on the data end (σ = 0: no model evaluation there). */
  get toDataEnd(): boolean {
    return this.last && this.state.grid.dataEnd;
  }
  /** The path slice at grid node `i`. */
  slice(i: number): PathSlice {
    return this.state.grid.slices[i]!;
  }
  /** The per-coordinate levels at grid node `i` (throws on dense bridges). */
  levels(i: number): CoordinateLevels {
    return coordinateLevels(this.fn, this.slice(i));
  }
  /** The per-coordinate levels of an arbitrary slice. */
  levelsOf(slice: PathSlice): CoordinateLevels {
    return coordinateLevels(this.fn, slice);
  }
  /** The path slice at an arbitrary canonical time t (an intermediate stage). */
  sliceAt(t: number): PathSlice {
    return this.state.grid.path.slice(t);
  }

  /**
   * The exponential-integrator preamble: the per-coordinate levels of the step's start and end nodes,
   * and the model's prediction at the state (one NFE).
   */
  async begin(): Promise<{ from: CoordinateLevels; to: CoordinateLevels; p: Prediction }> {
    const from = this.levels(this.from);
    const to = this.levels(this.to);
    return { from, to, p: await this.predict(this.state.x, this.slice(this.from)) };
  }

  /** Evaluates the model at x on `slice` (one NFE). */
  async predict(x: Float64Array, slice: PathSlice): Promise<Prediction> {
    const value = await predict(this.model, x, slice.t, this.state.shape, this.state.condition);
    checkFiniteStep(this.fn, "prediction", value, this.state, slice.t, x);
    this.nfe++;
    return new Prediction(this.model, value, x, slice);
  }

  /** The next standard-normal draw (batch × dim). */
  normals(): Float64Array {
    const { noise, shape, draws } = this.state;
    if (noise === undefined) {
      throw new RangeError(
        `${this.fn}: this sampler is stochastic; pass seed or noise to sample() (or options.noise to init)`,
      );
    }
    const out = new Float64Array(shape.batch * shape.dim);
    this.draws++;
    noise(draws + this.draws, out, shape);
    return out;
  }

  /** The state after this step: x at node i + 1, plus the sampler's own fields. */
  finish(x: Float64Array, extra: Partial<S> = {}): S {
    checkFiniteStep(this.fn, "state", x, this.state, this.state.grid.times[this.to]!);
    return {
      ...this.state,
      ...extra,
      x,
      index: this.to,
      nfe: this.state.nfe + this.nfe,
      draws: this.state.draws + this.draws,
    };
  }
}

function checkStep(fn: string, model: Model, state: SamplerState): void {
  if (model === null || typeof model !== "object" || typeof model.predict !== "function") {
    throw new TypeError(`${fn}.step: model must be a Model { kind, path, predict }`);
  }
  if (state === null || typeof state !== "object" || !(state.x instanceof Float64Array)) {
    throw new TypeError(`${fn}.step: state must come from ${fn}.init or a previous step`);
  }
  if (model.path !== state.grid.path) {
    throw new RangeError(
      `${fn}.step: the grid is on path ${state.grid.path.name} but the model's path is ${model.path.name}${state.grid.path.name === model.path.name ? " (another object of the same name)" : ""}; build the grid on model.path`,
    );
  }
  if (state.index >= state.grid.times.length - 1) {
    throw new RangeError(
      `${fn}.step: the state is already at the grid's last node (${state.index}); nothing left to integrate`,
    );
  }
}

/**
 * The data-end jump: x_end = α_end·D + b_end (the end slice's conditional mean of the predicted data,
 * noise 0). Exact for the conditional path; equals Euler in σ̃ to σ̃ = 0 (Karras et al. 2022, Alg. 2's
 * last step) and Euler in t on straight paths.
 */
export function denoiseTo(end: PathSlice, data: Float64Array): Float64Array {
  return end.sample(data, new Float64Array(data.length));
}

/** Checks an η ≥ 0 option. */
export function checkEta(fn: string, eta: number): number {
  if (!(eta >= 0 && Number.isFinite(eta)))
    throw new RangeError(`${fn}: eta must be a finite number ≥ 0, got ${eta}`);
  return eta;
}

/** When a multistep solver lowers its order near the end: always, never, or only on grids of fewer than `belowSteps` steps (diffusers). */
export type LowerOrderFinal = boolean | { readonly belowSteps: number };

/** Checks a lowerOrderFinal option. */
export function checkLowerOrderFinal(fn: string, v: unknown): LowerOrderFinal {
  if (typeof v === "boolean") return v;
  if (v !== null && typeof v === "object" && typeof (v as { belowSteps: unknown }).belowSteps === "number")
    return v as { belowSteps: number };
  throw new TypeError(
    `${fn}: lowerOrderFinal must be true, false or { belowSteps: n }, got ${JSON.stringify(v)}`,
  );
}

/**
 * The order of a multistep step from `state`: at most `order` and the `available` history (start-up),
 * and with `lowerOrderFinal` at most the number of steps left.
 */
export function stepOrder(
  order: number,
  available: number,
  state: SamplerState,
  lowerOrderFinal: LowerOrderFinal,
): number {
  const steps = state.grid.times.length - 1;
  const lower =
    lowerOrderFinal === true || (typeof lowerOrderFinal === "object" && steps < lowerOrderFinal.belowSteps);
  return Math.max(1, Math.min(order, available, lower ? steps - state.index : order));
}

/** Checks an integer order in [1, max]. */
export function checkOrder(fn: string, order: number, max: number): number {
  if (!Number.isInteger(order) || order < 1 || order > max)
    throw new RangeError(`${fn}: order must be an integer in [1, ${max}], got ${order}`);
  return order;
}
