import type { FloatArray } from "../array.js";
import type { NoiseLevel } from "../schedule/schedule.js";
import { affineCombine, type Basis, checkLevel } from "./kernel.js";

/**
 * The `data` kind (clean data; x₀-prediction; EDM denoiser output; linsdex y1).
 * In the (data, noise) basis: data = 1·data + 0·noise. Defined at every level.
 */
export function dataBasis(_level: NoiseLevel): Basis {
  return [1, 0];
}

/**
 * Noising: xₜ = α·data + σ·noise (Ho et al. 2020, eq. 4; Lipman et al. 2023, eq. 20 in canonical time).
 */
export function dataAndNoiseToXt<A extends FloatArray>(data: A, noise: A, level: NoiseLevel, out?: A): A {
  checkLevel("dataAndNoiseToXt", level);
  return affineCombine("dataAndNoiseToXt", data, noise, level.alpha, level.sigma, out);
}
