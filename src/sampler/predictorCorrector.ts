/**
 * Predictor–corrector sampling (Song et al. 2021, "Score-based generative modeling through SDEs",
 * Alg. 1 and the corrector of Alg. 4/5): after each predictor step to tᵢ₊₁ (any sampler; default
 * Euler–Maruyama on the reverse SDE), M Langevin corrector steps at tᵢ₊₁:
 *   for j = 1 … M:  g = ∇log p_{tᵢ₊₁}(x),  z ~ N(0, I),  ε = 2·(r·‖z‖/‖g‖)² ≈ 2·(r·σ̄)²,  x ← x + ε·g + √(2ε)·z.
 * The ratio ‖z‖/‖g‖ is replaced by its typical value σ̄ = √(mean conditional variance) (‖z‖² ≈ d and
 * ‖∇log p‖² ≈ d/σ̄²): the reference code estimates it with norms averaged over the batch, which couples
 * the samples, and per-sample norms diverge for a sample at a mode (‖∇log p‖ ≈ 0); the expected value
 * keeps ε stable and every sample independent of the batch. No correction at the data end (σ = 0: the
 * score is singular there).
 */
import type { Model } from "../model/model.js";
import { meanVariance } from "./exponential.js";
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

/** Predictor–corrector with the default predictor, Euler–Maruyama on the reverse SDE (file header). */
export function predictorCorrector(options?: PredictorCorrectorOptions<SamplerState>): Sampler;
/** Predictor–corrector around `options.predictor` (file header). */
export function predictorCorrector<S extends SamplerState>(
  options: PredictorCorrectorOptions<S> & { readonly predictor: Sampler<S> },
): Sampler<S>;
export function predictorCorrector(options: PredictorCorrectorOptions<SamplerState> = {}): Sampler {
  const fn = "predictorCorrector";
  const predictor = options.predictor ?? eulerMaruyama();
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
    async step(model: Model, state: SamplerState): Promise<SamplerState> {
      // Predictor step to tᵢ₊₁.
      const predicted = await predictor.step(model, state);
      const atEnd = predicted.index === predicted.grid.times.length - 1 && predicted.grid.dataEnd;
      if (atEnd || rounds === 0) return predicted;
      // Corrector: M Langevin steps at tᵢ₊₁ with ε = 2(r·σ̄)².
      const run = new StepRun(fn, model, { ...predicted, index: state.index });
      const slice = run.slice(run.to);
      const eps = 2 * snr * snr * meanVariance(slice, predicted.shape.dim);
      const noise = Math.sqrt(2 * eps);
      let x = predicted.x;
      for (let j = 0; j < rounds; j++) {
        const g = (await run.predict(x, slice)).as("score");
        const z = run.normals();
        x = x.map((v, i) => v + eps * g[i]! + noise * z[i]!);
      }
      return run.finish(x);
    },
  };
}
