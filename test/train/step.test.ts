import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/random/rng.js";
import { jaxEngine } from "../../src/train/engine.js";
import type { Batch } from "../../src/train/loss.js";
import { mlpConfig } from "../../src/train/mlp.js";
import { optimizerConfig } from "../../src/train/optim.js";
import { initTrainState } from "../../src/train/state.js";
import { disposeState, downloadState, trainStep, uploadState } from "../../src/train/step.js";
import { TrainSession } from "../../src/train/trainer.js";

const model = mlpConfig({ dim: 2, width: 8, depth: 1, timeEmbedding: { dim: 4 } });
const optimizer = optimizerConfig({ lr: 1e-2, clipNorm: 1, emaDecay: 0.9 });

function batch(rng: Rng): Batch {
  return {
    xt: rng.fillNormal(new Float32Array(16)),
    t: rng.fillUniform(new Float32Array(8)),
    target: rng.fillNormal(new Float32Array(16)),
    weight: new Float32Array(8).fill(1),
  };
}

test("update is pure: the same params, optState and batch give bit-identical outputs and leave the inputs as they were", async () => {
  const engine = await jaxEngine();
  const step = trainStep(engine, model, optimizer);
  const state = initTrainState(model, optimizer, new Rng(1, 1));
  const { params, optState } = uploadState(engine, step, state);
  const b = batch(new Rng(2));
  const first = step.update(params, optState, b);
  const second = step.update(params, optState, b);
  assert.equal(first.loss, second.loss, "the loss depends only on the inputs");
  assert.equal(first.optState.count, 1, "the count advances in the returned state");
  assert.equal(optState.count, 0, "the input state keeps its count");
  assert.deepEqual(
    downloadState(engine, first.params, first.optState),
    downloadState(engine, second.params, second.optState),
  );
  assert.deepEqual(downloadState(engine, params, optState), state, "the inputs are unchanged");
  for (const out of [first, second]) disposeState(out.params, out.optState);
  disposeState(params, optState);
  step.dispose();
});

test("TrainSession.run is update applied in sequence, bit for bit (on the jax-js engine; the fused kernels are compared with update in kernels/kernel.test.ts)", async () => {
  const engine = await jaxEngine({ kernels: false });
  const state = initTrainState(model, optimizer, new Rng(3, 1));
  const batches = [0, 1, 2].map((k) => batch(new Rng(10 + k)));
  const session = new TrainSession(engine, model, optimizer, state);
  for (const b of batches) session.run(b);
  const step = trainStep(engine, model, optimizer);
  let { params, optState } = uploadState(engine, step, state);
  for (const b of batches) {
    const next = step.update(params, optState, b);
    disposeState(params, optState);
    ({ params, optState } = next);
  }
  assert.deepEqual(downloadState(engine, params, optState), session.state());
  disposeState(params, optState);
  session.dispose();
  step.dispose();
});
