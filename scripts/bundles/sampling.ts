/** Bundle-size entry: schedules, conversions, two samplers and grids on the mixture oracle. */
import {
  affinePath,
  convert,
  cosineSchedule,
  dpmSolverMultistep,
  gaussianMixture,
  heun,
  karrasGrid,
  linearSchedule,
  sample,
  uniformTimeGrid,
  vpSchedule,
} from "../../src/index.js";

export async function run(): Promise<Float64Array[]> {
  const path = affinePath(cosineSchedule());
  const gmm = gaussianMixture({
    weights: [1, 1],
    means: [
      [-1, 0],
      [1, 0],
    ],
    covariances: [0.1, 0.1],
  });
  const level = path.slice(0.5 as never).level!;
  const v = convert(new Float64Array(2), "data", "velocity", new Float64Array(2), level);
  const model = gmm.denoiser(path);
  const a = await sample(model, {
    sampler: dpmSolverMultistep(),
    grid: uniformTimeGrid,
    steps: 10,
    batch: 4,
    seed: 0,
    dim: 2,
  });
  const b = await sample(model, { sampler: heun(), grid: karrasGrid, steps: 10, batch: 4, seed: 0, dim: 2 });
  void [linearSchedule, vpSchedule];
  return [v, a.x, b.x];
}
