/** Bundle-size entry: training in the browser (trainer, jax-js engine, networkModel, checkpoints as bytes). */
import {
  affinePath,
  datasetBatches,
  decodeCheckpoint,
  encodeCheckpoint,
  jaxEngine,
  linearSchedule,
  mlpConfig,
  networkModel,
  optimizerConfig,
  train,
  uniformTime,
} from "../../src/index.js";

export async function run(data: Float32Array): Promise<unknown> {
  const path = affinePath(linearSchedule({ sigmaMin: 0 } as never));
  const model = mlpConfig({ dim: 2, width: 32, depth: 2 });
  const optimizer = optimizerConfig({ lr: 1e-3 });
  const batchSource = datasetBatches(path, data, {
    kind: "velocity",
    timeDensity: uniformTime(),
    batchSize: 64,
    dim: 2,
  });
  const result = await train({ model, optimizer, steps: 10, batchSource, engine: await jaxEngine() });
  const bytes = encodeCheckpoint({
    meta: { path: path.spec, kind: "velocity", schedule: null },
    model,
    optimizer,
    dtype: "float32",
    adaptive: null,
    state: result.state,
    rng: result.rng,
  });
  const back = decodeCheckpoint(bytes);
  return networkModel(back.state.params, model, path, "velocity");
}
