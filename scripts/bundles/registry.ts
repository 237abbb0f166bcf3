/** Bundle-size entry: every named sampler, grid and path, sampling the mixture oracle by name. */
import { gaussianMixture, registry, sample, samplerByName } from "../../src/index.js";

export async function run(name: string): Promise<Float64Array> {
  const path = registry.paths.build("cosine", undefined);
  const { sampler, grid } = samplerByName(name);
  const gmm = gaussianMixture({ weights: [1], means: [[0, 0]], covariances: [1] });
  const r = await sample(gmm.denoiser(path), {
    sampler,
    grid: grid ?? registry.grids.build("uniform", { path, steps: 10 }),
    steps: 10,
    batch: 4,
    seed: 0,
    dim: 2,
  });
  return r.x;
}
