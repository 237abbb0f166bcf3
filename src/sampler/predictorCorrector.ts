/**
 * Predictor–corrector sampling (Song et al. 2021, "Score-based generative modeling through SDEs",
 * Alg. 1 and Alg. 4/5): after each predictor step to tᵢ₊₁ (any sampler; default Euler–Maruyama on the
 * reverse SDE), M Langevin corrector steps at tᵢ₊₁:
 *   s = ∇log p(x), z ~ N(0, I),  ε = 2·(snr·‖z‖/‖s‖)²,  x ← x + ε·s + √(2ε)·z.
 * ε is computed per sample (the reference code averages the norms over the batch, which would make a
 * sample depend on the batch; per-sample ε keeps samples batch-independent). No correction at the data
 * end (σ = 0: the score is singular there).
 */
import type { Model } from "../model.js";
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
 * `rounds` Langevin updates x ← x + εᵣ·s + √(2εᵣ)·z at `slice`, with εᵣ = size(r, ‖sᵣ‖², ‖zᵣ‖²) per
 * sample r. Counts model calls and draws on `run`.
 */
export async function langevinUpdate(
  run: StepRun<SamplerState>,
  x: Float64Array,
  slice: PathSlice,
  rounds: number,
  size: (row: number, score2: number, noise2: number) => number,
): Promise<Float64Array> {
  const { batch, dim } = run.state.shape;
  let cur = x;
  for (let k = 0; k < rounds; k++) {
    const s = (await run.predict(cur, slice)).as("score");
    const z = run.normals();
    const next = new Float64Array(cur.length);
    for (let r = 0; r < batch; r++) {
      let s2 = 0;
      let z2 = 0;
      for (let j = 0; j < dim; j++) {
        s2 += s[r * dim + j]! ** 2;
        z2 += z[r * dim + j]! ** 2;
      }
      const eps = size(r, s2, z2);
      const noise = Math.sqrt(2 * eps);
      for (let j = 0; j < dim; j++) {
        const i = r * dim + j;
        next[i] = cur[i]! + eps * s[i]! + noise * z[i]!;
      }
    }
    cur = next;
  }
  return cur;
}

/** Predictor–corrector (file header). */
export function predictorCorrector<S extends SamplerState = SamplerState>(options: PredictorCorrectorOptions<S> = {}): Sampler<S> {
  const fn = "predictorCorrector";
  const predictor = options.predictor ?? (eulerMaruyama() as unknown as Sampler<S>);
  const snr = options.snr ?? 0.16;
  const rounds = options.steps ?? 1;
  if (!(snr > 0 && Number.isFinite(snr))) throw new RangeError(`${fn}: snr must be a positive number, got ${snr}`);
  if (!Number.isInteger(rounds) || rounds < 0) throw new RangeError(`${fn}: steps must be a non-negative integer, got ${rounds}`);
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
      const x = await langevinUpdate(run, predicted.x, slice, rounds, (_, s2, z2) => 2 * (snr * snr * z2) / s2);
      return run.finish(x);
    },
  };
}
