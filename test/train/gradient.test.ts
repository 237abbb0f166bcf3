import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/random/rng.js";
import { jaxEngine } from "../../src/train/engine.js";
import { ACTIVATIONS, initMlpParams, mlpConfig } from "../../src/train/mlp.js";
import { hostOps } from "../../src/train/tensor.js";
import { type Batch, batchTensors, lossAndGradient, trainingLoss } from "../../src/train/loss.js";

/** A float64 batch with distinct times and non-uniform weights. */
function batch64(rows: number, dim: number, rng: Rng): Batch {
  return {
    xt: rng.fillNormal(new Float64Array(rows * dim)),
    t: rng.fillUniform(new Float64Array(rows)),
    target: rng.fillNormal(new Float64Array(rows * dim)),
    weight: Float64Array.from({ length: rows }, () => 0.2 + rng.uniform()),
  };
}

test("the training step's gradient matches fourth-order central finite differences in float64 for every activation", async (t) => {
  const engine = await jaxEngine();
  const ops = hostOps("float64");
  for (const activation of ACTIVATIONS) {
    const model = mlpConfig({ dim: 3, width: 8, depth: 2, activation, timeEmbedding: { dim: 4, scale: 5 } });
    const params = initMlpParams(model, new Rng(5, 1), "float64");
    const batch = batch64(6, 3, new Rng(21));
    const { loss, grads } = lossAndGradient(engine, model, params, batch);
    // Independent reference: the loss on host float64 arrays, differentiated by central differences.
    const [features, target, weight] = batchTensors("test", model, batch, "float64");
    const hostLoss = () =>
      trainingLoss(ops, model, params, { features: features!, target: target!, weight: weight!, batch: 6 })
        .data[0]!;
    assert.ok(
      Math.abs(loss - hostLoss()) <= 1e-14 * Math.abs(loss),
      `${activation}: engine loss ${loss} and host loss ${hostLoss()} differ`,
    );
    // Fourth-order central difference: (−L(θ+2h) + 8L(θ+h) − 8L(θ−h) + L(θ−2h))/(12h).
    const h = 1e-4;
    let worst = 0;
    let scale = 0;
    params.forEach((p, i) => {
      for (let j = 0; j < p.data.length; j++) {
        const saved = p.data[j]!;
        const at = (delta: number) => {
          p.data[j] = saved + delta;
          return hostLoss();
        };
        const fd = (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h);
        p.data[j] = saved;
        worst = Math.max(worst, Math.abs(grads[i]!.data[j]! - fd));
        scale = Math.max(scale, Math.abs(fd));
      }
    });
    const relative = worst / scale;
    t.diagnostic(
      `${activation}: max |autodiff − finite difference| / max |gradient| = ${relative.toExponential(2)}`,
    );
    assert.ok(relative < 1e-9, `${activation}: relative gradient error ${relative}`);
    // Padding columns of the first layer see zero inputs: their gradient is exactly 0.
    const w0 = grads[0]!;
    for (let r = 0; r < w0.shape[0]!; r++) assert.equal(w0.data[r * 8 + 7], 0);
  }
});

test("a training step whose pre-activations lie far below −88.7 has a finite loss and gradient for every activation in float32", async () => {
  const engine = await jaxEngine();
  for (const activation of ACTIVATIONS) {
    const model = mlpConfig({ dim: 2, width: 8, depth: 2, activation, timeEmbedding: { dim: 4 } });
    const params = initMlpParams(model, new Rng(2, 1));
    // A first-layer bias of −1e4 puts every hidden pre-activation of layer 0 near −1e4.
    params[1]!.data.fill(-1e4);
    const rng = new Rng(7);
    const batch = {
      xt: rng.fillNormal(new Float32Array(8)),
      t: rng.fillUniform(new Float32Array(4)),
      target: rng.fillNormal(new Float32Array(8)),
      weight: new Float32Array(4).fill(1),
    };
    const { loss, grads } = lossAndGradient(engine, model, params, batch);
    assert.ok(Number.isFinite(loss), `${activation}: loss ${loss}`);
    const bad = grads.flatMap((g) => [...g.data]).find((x) => !Number.isFinite(x));
    assert.equal(bad, undefined, `${activation}: a gradient entry is ${bad}`);
  }
});
