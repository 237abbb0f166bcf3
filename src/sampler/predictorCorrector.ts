/**
 * Predictor–corrector sampling (Song et al. 2021, "Score-based generative modeling through SDEs",
 * Alg. 1 and Alg. 4/5): after each predictor step to tᵢ₊₁ (any sampler; default Euler–Maruyama on the
 * reverse SDE), M Langevin corrector steps at tᵢ₊₁:
 *   s = ∇log p(x), z ~ N(0, I),  ε = 2·(snr·‖z‖/‖s‖)² ≈ 2·(snr·σ̄)²,  x ← x + ε·s + √(2ε)·z.
 * The ratio ‖z‖/‖s‖ is replaced by its typical value σ̄ = √(mean conditional variance) (‖z‖² ≈ d and
 * ‖∇log p‖² ≈ d/σ̄²): the reference code estimates it with norms averaged over the batch, which couples
 * the samples, and per-sample norms diverge for a sample at a mode (‖∇log p‖ ≈ 0); the expected value
 * keeps ε stable and every sample independent of the batch. No correction at the data end (σ = 0: the
 * score is singular there).
 */
import type { Model } from "../model/model.js";
import type { PathSlice } from "../path/path.js";
import { eulerMaruyama } from "./eulerMaruyama.js";
import { type Sampler, type SamplerState, StepRun } from "./sampler.js";

/** Options of `predictorCorrector`. */
export interface PredictorCorrectorOptions<S extends SamplerState> {
  /** The predictor (default eulerMaruyama(): the reverse SDE). */
  readonly predictor?: Sampler<S>;
  /** Target signal-to-noise ratio r of the corrector (default 0.16, Song et al.'s CIFAR-10 value). */
  readonly snr?: number;
  /** Corrector steps M per node (default 1). */
  readonly steps?: number;
}

/**
 * `rounds` Langevin updates x ← x + ε·∇log p(x) + √(2ε)·z at `slice` (z fresh each round). Counts
 * model calls and draws on `run`.
 */
export async function langevinUpdate(
  run: StepRun<SamplerState>,
  x: Float64Array,
  slice: PathSlice,
  rounds: number,
  eps: number,
): Promise<Float64Array> {
  let cur = x;
  const noise = Math.sqrt(2 * eps);
  for (let k = 0; k < rounds; k++) {
    const s = (await run.predict(cur, slice)).as("score");
    const z = run.normals();
    const next = new Float64Array(cur.length);
    for (let i = 0; i < next.length; i++) next[i] = cur[i]! + eps * s[i]! + noise * z[i]!;
    cur = next;
  }
  return cur;
}

/** Mean conditional variance of xₜ | data at a slice: σ² (affine), tr Σ_p/d (bridge). */
export function meanVariance(slice: PathSlice, dim: number): number {
  const cov = slice.conditional.cov;
  if (cov.kind === "scalar") return cov.value;
  if (cov.kind === "diagonal") return cov.values.reduce((a, v) => a + v, 0) / cov.values.length;
  let s = 0;
  for (let i = 0; i < cov.dim; i++) s += cov.values[i * cov.dim + i]!;
  return s / Math.max(cov.dim, dim);
}

/** Predictor–corrector (file header). */
export function predictorCorrector<S extends SamplerState = SamplerState>(
  options: PredictorCorrectorOptions<S> = {},
): Sampler<S> {
  const fn = "predictorCorrector";
  const predictor = options.predictor ?? (eulerMaruyama() as unknown as Sampler<S>);
  const snr = options.snr ?? 0.16;
  const rounds = options.steps ?? 1;
  if (!(snr > 0 && Number.isFinite(snr)))
    throw new RangeError(`${fn}: snr must be a positive number, got ${snr}`);
  if (!Number.isInteger(rounds) || rounds < 0)
    throw new RangeError(`${fn}: steps must be a non-negative integer, got ${rounds}`);
  return {
    name: `pc(${predictor.name}, langevin snr=${snr} × ${rounds})`,
    order: predictor.order,
    stochastic: true,
    init: (x, grid, init) => predictor.init(x, grid, init),
    async step(model: Model, state: S): Promise<S> {
      const predicted = await predictor.step(model, state);
      const atEnd = predicted.index === predicted.grid.times.length - 1 && predicted.grid.dataEnd;
      if (atEnd || rounds === 0) return predicted;
      // Corrector: Langevin steps at the new node.
      const run = new StepRun(fn, model, { ...predicted, index: state.index });
      const slice = run.slice(run.to);
      const eps = 2 * snr * snr * meanVariance(slice, predicted.shape.dim);
      const x = await langevinUpdate(run, predicted.x, slice, rounds, eps);
      return run.finish(x);
    },
  };
}
