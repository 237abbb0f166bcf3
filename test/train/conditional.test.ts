/**
 * Class-conditional training: the one-hot label features, label dropout, a conditional MLP that
 * learns each class's mean (closed form at t = 0), guidance scale 1 = plain conditional sampling, and
 * classifier-free guidance through networkModel against the exact class-conditional mixture.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { classifierFreeGuidance } from "../../src/guidance/cfg.js";
import { classConditionalMixture } from "../../src/guidance/mixture.js";
import {
  affinePath,
  euler,
  heun,
  linearSchedule,
  sample,
  uniformTime,
  uniformTimeGrid,
  uniformWeighting,
} from "../../src/index.js";
import { Rng } from "../../src/random/rng.js";
import { jaxEngine } from "../../src/train/engine.js";
import { datasetBatches } from "../../src/train/batches.js";
import {
  type CheckpointMeta,
  checkpointModel,
  loadCheckpoint,
  saveCheckpoint,
} from "../../src/train/checkpoint.js";
import { initTrainState } from "../../src/train/state.js";
import { featureWidth, initMlpParams, mlpConfig, mlpFeatures } from "../../src/train/mlp.js";
import { mlpParamsFromStateDict } from "../../src/train/stateDict.js";
import { networkModel } from "../../src/train/network.js";
import { optimizerConfig } from "../../src/train/optim.js";
import { TrainSession, train } from "../../src/train/trainer.js";

const path = affinePath(linearSchedule());
const MEANS = [
  [-2, 0.5],
  [2, -0.5],
];
const PRIOR = [0.3, 0.7];
const STD = 0.3;

/** n rows of the 2-class mixture (class 0 with probability 0.3) and their labels. */
function mixtureData(n: number, seed: number): { data: Float32Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const data = new Float32Array(2 * n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = rng.uniform() < PRIOR[0]! ? 0 : 1;
    labels[i] = c;
    data[2 * i] = MEANS[c]![0]! + STD * rng.normal();
    data[2 * i + 1] = MEANS[c]![1]! + STD * rng.normal();
  }
  return { data, labels };
}

const MIX = classConditionalMixture({
  weights: PRIOR,
  means: MEANS,
  covariances: [STD * STD, STD * STD],
  classes: [0, 1],
});

describe("conditional MLP features", () => {
  it("appends a one-hot label after the time features, with the null class last", () => {
    const config = mlpConfig({ dim: 2, width: 8, depth: 1, classes: 3, timeEmbedding: { dim: 4 } });
    const width = featureWidth(config);
    assert.equal(width, 12, "2 + 4 + (3 + 1) = 10 real features, padded to 12");
    const xt = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const out = mlpFeatures(
      config,
      xt,
      0.5,
      { batch: 3, dim: 2 },
      new Float64Array(3 * width),
      Int32Array.from([2, -1, 0]),
    );
    const oneHot = (row: number) => Array.from(out.subarray(row * width + 6, row * width + 10));
    assert.deepEqual(oneHot(0), [0, 0, 1, 0], "label 2");
    assert.deepEqual(oneHot(1), [0, 0, 0, 1], "label −1 is the null class, the last column");
    assert.deepEqual(oneHot(2), [1, 0, 0, 0], "label 0");
    assert.deepEqual(Array.from(out.subarray(10, 12)), [0, 0], "padding stays 0");
    const none = mlpFeatures(config, xt, 0.5, { batch: 3, dim: 2 }, new Float64Array(3 * width));
    for (let i = 0; i < 3; i++)
      assert.deepEqual(
        Array.from(none.subarray(i * width + 6, i * width + 10)),
        [0, 0, 0, 1],
        "no labels: every row null",
      );
  });

  it("leaves an unconditional config's features and initial weights as they were", () => {
    const plain = mlpConfig({ dim: 3, width: 8, depth: 1 });
    assert.equal(featureWidth(plain), 20, "3 + 16 = 19 padded to 20");
    assert.equal(plain.classes, undefined, "no classes key on an unconditional config");
    const a = initMlpParams(plain, new Rng(4));
    const b = initMlpParams(mlpConfig({ dim: 3, width: 8, depth: 1 }), new Rng(4));
    assert.deepEqual(a[0]!.data, b[0]!.data, "seeded init is unchanged");
  });

  it("rejects labels outside −1 … C−1, and any label ≥ 0 for an unconditional network", () => {
    const config = mlpConfig({ dim: 2, width: 8, depth: 1, classes: 2 });
    const w = featureWidth(config);
    const xt = new Float64Array(2);
    assert.throws(
      () => mlpFeatures(config, xt, 0.5, { batch: 1, dim: 2 }, new Float64Array(w), Int32Array.from([2])),
      /labels\[0\] = 2 is outside −1 … 1/,
    );
    assert.throws(
      () => mlpFeatures(config, xt, 0.5, { batch: 1, dim: 2 }, new Float64Array(w), Int32Array.from([-2])),
      /outside/,
    );
    const plain = mlpConfig({ dim: 2, width: 8, depth: 1 });
    const net = networkModel(initMlpParams(plain, new Rng(0)), plain, path, "data", { forward: "host" });
    assert.throws(
      () => net.predict(xt, 0.5, { batch: 1, dim: 2 }, { labels: Int32Array.from([0]) }),
      /unconditional/,
    );
    assert.doesNotThrow(
      () => net.predict(xt, 0.5, { batch: 1, dim: 2 }, { labels: Int32Array.from([-1]) }),
      "−1 is fine",
    );
    assert.throws(() => mlpConfig({ dim: 2, classes: 0 }), /classes must be an integer ≥ 1/);
  });

  it("trains a class-conditional network on the fused kernels as on jax-js (losses within float32 accuracy)", async () => {
    const config = mlpConfig({ dim: 2, width: 8, depth: 1, classes: 2 });
    const optimizer = optimizerConfig({ lr: 1e-2 });
    const { data, labels } = mixtureData(64, 1);
    const source = datasetBatches(path, data, {
      batchSize: 32,
      dim: 2,
      kind: "velocity",
      timeDensity: uniformTime(),
      labels,
      labelDropout: 0.2,
    });
    const losses = async (kernels: boolean) => {
      const engine = await jaxEngine({ kernels });
      const session = new TrainSession(
        engine,
        config,
        optimizer,
        initTrainState(config, optimizer, new Rng(2, 1)),
      );
      const rng = new Rng(8);
      const out = [0, 1, 2, 3].map((k) => session.run(source(k, rng)).loss);
      session.dispose();
      return out;
    };
    const [fused, jax] = [await losses(true), await losses(false)];
    fused.forEach((l, k) => {
      assert.ok(
        Math.abs(l - jax[k]!) <= 1e-5 * Math.abs(jax[k]!),
        `step ${k}: ${l} (kernels) vs ${jax[k]} (jax-js)`,
      );
    });
  });
});

describe("label dropout", () => {
  it("drops each label with probability p (binomial 5σ bound) and keeps the drawn row's label otherwise", () => {
    const { data, labels } = mixtureData(64, 1);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.9, noNaN: true }), fc.nat(1000), (p, seed) => {
        const source = datasetBatches(path, data, {
          batchSize: 500,
          dim: 2,
          kind: "velocity",
          timeDensity: uniformTime(),
          labels,
          labelDropout: p,
        });
        const rng = new Rng(seed);
        const batch = source(0, rng);
        const y = batch.labels!;
        const dropped = y.filter((v) => v === -1).length;
        const sd = Math.sqrt(500 * p * (1 - p));
        assert.ok(Math.abs(dropped - 500 * p) <= 5 * sd + 1e-9, `p = ${p}: ${dropped} of 500 dropped`);
        // Every kept label is a class of the data (0 or 1).
        assert.ok(
          y.every((v) => v === -1 || v === 0 || v === 1),
          "labels come from the data",
        );
        if (p === 0) assert.equal(dropped, 0, "p = 0 never drops");
      }),
      { numRuns: 25 },
    );
  });

  it("pairs each batch row with the label of the data row it was drawn from", () => {
    // Data rows encode their label: x = (label, label) with no noise at t = 1 (the data end).
    const n = 50;
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    const data = Float32Array.from({ length: 2 * n }, (_, k) => labels[Math.floor(k / 2)]!);
    const source = datasetBatches(path, data, {
      batchSize: 40,
      dim: 2,
      kind: "data",
      timeDensity: uniformTime(),
      labels,
    });
    const batch = source(0, new Rng(3));
    for (let i = 0; i < 40; i++)
      assert.equal(batch.target[2 * i], batch.labels![i], `row ${i}: target (the data row) and label agree`);
  });

  it("rejects a dropout outside [0, 1), dropout without labels, and labels of the wrong length", () => {
    const { data, labels } = mixtureData(10, 2);
    const base = { batchSize: 4, dim: 2, kind: "data" as const, timeDensity: uniformTime() };
    assert.throws(
      () => datasetBatches(path, data, { ...base, labels, labelDropout: 1 }),
      /labelDropout must be a probability in \[0, 1\)/,
    );
    assert.throws(() => datasetBatches(path, data, { ...base, labels, labelDropout: -0.1 }), /labelDropout/);
    assert.throws(() => datasetBatches(path, data, { ...base, labelDropout: 0.1 }), /needs labels/);
    assert.throws(
      () => datasetBatches(path, data, { ...base, labels: labels.subarray(1) }),
      /one label per data row \(10\)/,
    );
  });
});

describe("a class-conditional MLP trained with label dropout", async () => {
  const { data, labels } = mixtureData(2048, 7);
  const config = mlpConfig({ dim: 2, width: 48, depth: 2, classes: 2 });
  const steps = 1200;
  const result = await train({
    model: config,
    optimizer: optimizerConfig({
      lr: 1e-2,
      schedule: { kind: "warmupCosine", warmupSteps: 50, totalSteps: steps, minLr: 1e-4 },
    }),
    steps,
    seed: 5,
    batchSource: datasetBatches(path, data, {
      batchSize: 256,
      dim: 2,
      kind: "velocity",
      timeDensity: uniformTime(),
      weighting: uniformWeighting(),
      labels,
      labelDropout: 0.2,
    }),
  });
  const net = networkModel(result.state.params, config, path, "velocity", { forward: "host" });

  it("predicts each class's mean at t = 0 and the prior-weighted mean for the null class (closed form)", async () => {
    // At t = 0 xₜ is pure noise, so E[data | xₜ, c] = μ_c and E[data | xₜ] = Σ_c π_c μ_c; on
    // rectified flow (xₜ = t·data + (1 − t)·noise) the velocity is data − noise, so data = xₜ + v at t = 0.
    const rows = 64;
    const xt = new Float64Array(2 * rows);
    const rng = new Rng(11);
    for (let i = 0; i < xt.length; i++) xt[i] = rng.normal();
    const mean = async (label: number) => {
      const out = await net.predict(
        xt,
        0,
        { batch: rows, dim: 2 },
        { labels: new Int32Array(rows).fill(label) },
      );
      const m = [0, 0];
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < 2; j++) m[j]! += (xt[2 * i + j]! + out[2 * i + j]!) / rows;
      return m;
    };
    const expected = [
      MEANS[0]!,
      MEANS[1]!,
      [0, 1].map((j) => PRIOR[0]! * MEANS[0]![j]! + PRIOR[1]! * MEANS[1]![j]!),
    ];
    for (const [k, label] of [0, 1, -1].entries()) {
      const m = await mean(label);
      const err = Math.hypot(m[0]! - expected[k]![0]!, m[1]! - expected[k]![1]!);
      assert.ok(err < 0.25, `label ${label}: mean prediction ${m} vs ${expected[k]} (error ${err})`);
    }
  });

  it("samples each class near its own mode", async () => {
    const grid = uniformTimeGrid(path, 24);
    for (const c of [0, 1]) {
      const { x } = await sample(net, {
        sampler: heun(),
        grid,
        seed: 2,
        batch: 200,
        dim: 2,
        condition: { labels: new Int32Array(200).fill(c) },
      });
      const own = Array.from(
        { length: 200 },
        (_, i) => Math.sign(x[2 * i]!) === Math.sign(MEANS[c]![0]!),
      ).filter(Boolean).length;
      assert.ok(own >= 190, `class ${c}: ${own} of 200 samples on the class's side`);
    }
  });

  it("gives plain conditional sampling bit for bit at guidance scale 1", async () => {
    const grid = uniformTimeGrid(path, 8);
    const condition = { labels: Int32Array.from({ length: 16 }, (_, i) => (i % 3) - 1) };
    const opts = { sampler: euler(), grid, seed: 9, batch: 16, dim: 2, condition };
    const plain = await sample(net, opts);
    const guided = await sample(classifierFreeGuidance(net, { scale: 1 }), opts);
    assert.deepEqual(guided.x, plain.x, "scale 1 is the conditional model");
  });

  it("follows the exact guided mixture qualitatively: guidance pulls samples the way the oracle's does", async () => {
    const grid = uniformTimeGrid(path, 24);
    const oracle = MIX.denoiser(path);
    const stats = async (model: typeof oracle, scale: number) => {
      const { x } = await sample(classifierFreeGuidance(model, { scale }), {
        sampler: heun(),
        grid,
        seed: 4,
        batch: 300,
        dim: 2,
        condition: { labels: new Int32Array(300).fill(0) },
      });
      let m = 0;
      for (let i = 0; i < 300; i++) m += x[2 * i]! / 300;
      return m;
    };
    for (const scale of [1, 3]) {
      const [learned, exact] = [await stats(net, scale), await stats(oracle, scale)];
      assert.ok(
        Math.abs(learned - exact) < 0.3,
        `scale ${scale}: mean x of class 0 ${learned} vs oracle ${exact}`,
      );
    }
    const [s1, s3] = [await stats(net, 1), await stats(net, 3)];
    assert.ok(
      s3 < s1 - 0.05,
      `guidance pushes class 0 away from class 1 (mean x ${s1} at s = 1, ${s3} at s = 3)`,
    );
  });
});

describe("conditional checkpoints", () => {
  it("store the class count and the label dropout, and a config without them loads as unconditional", async () => {
    const root = mkdtempSync(join(tmpdir(), "difflux-cond-"));
    try {
      const config = mlpConfig({ dim: 2, width: 8, depth: 1, classes: 3 });
      const optimizer = optimizerConfig({ lr: 1e-3 });
      const state = initTrainState(config, optimizer, new Rng(1));
      const meta: CheckpointMeta = {
        path: path.spec,
        kind: "velocity",
        schedule: { family: "linear", sigmaMin: 0 },
        labelDropout: 0.15,
      };
      const dir = join(root, "cond");
      saveCheckpoint(dir, {
        meta,
        model: config,
        optimizer,
        dtype: "float32",
        adaptive: null,
        state,
        rng: new Rng(0).getState(),
      });
      const loaded = loadCheckpoint(dir);
      assert.equal(loaded.model.classes, 3, "class count round-trips");
      assert.equal(loaded.meta.labelDropout, 0.15, "label dropout round-trips");
      const { model } = checkpointModel(loaded);
      const xt = Float64Array.from([0.1, 0.2, 0.3, 0.4]);
      const a = await model.predict(xt, 0.5, { batch: 2, dim: 2 }, { labels: Int32Array.from([2, -1]) });
      const b = await networkModel(state.params, config, path, "velocity").predict(
        xt,
        0.5,
        { batch: 2, dim: 2 },
        { labels: Int32Array.from([2, -1]) },
      );
      assert.deepEqual(a, b, "the loaded network predicts as the saved one, labels included");

      // An older checkpoint: no classes, no labelDropout.
      const plain = mlpConfig({ dim: 2, width: 8, depth: 1 });
      const plainDir = join(root, "plain");
      const { labelDropout: _, ...oldMeta } = meta;
      const plainRun = (m: CheckpointMeta) => ({
        meta: m,
        model: plain,
        optimizer,
        dtype: "float32" as const,
        adaptive: null,
        state: initTrainState(plain, optimizer, new Rng(1)),
        rng: new Rng(0).getState(),
      });
      saveCheckpoint(plainDir, plainRun(oldMeta));
      const json = JSON.parse(readFileSync(join(plainDir, "config.json"), "utf8"));
      assert.ok(
        !("labelDropout" in json) && !("classes" in json.model),
        "nothing new is written for an unconditional run",
      );
      const old = loadCheckpoint(plainDir);
      assert.equal(old.model.classes, undefined, "older checkpoints are unconditional");
      assert.equal(old.meta.labelDropout ?? null, null, "and have no label dropout");
      assert.throws(
        () => saveCheckpoint(join(root, "bad"), plainRun(meta)),
        /labelDropout is set but the model is unconditional/,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("a class-conditional state_dict", () => {
  it("loads with the label columns (PyTorch's unpadded [width, dim + time + C + 1] first weight)", () => {
    const config = mlpConfig({ dim: 3, width: 8, depth: 1, classes: 4, timeEmbedding: { dim: 6 } });
    const params = initMlpParams(config, new Rng(2));
    const real = 3 + 6 + 5;
    const padded = featureWidth(config);
    assert.equal(padded, 16, "14 real features padded to 16");
    const first = new Float32Array(8 * real);
    for (let r = 0; r < 8; r++)
      for (let c = 0; c < real; c++) first[r * real + c] = params[0]!.data[r * padded + c]!;
    const tensors = {
      "layers.0.weight": { shape: [8, real], data: first },
      "layers.0.bias": params[1]!,
      "layers.1.weight": params[2]!,
      "layers.1.bias": params[3]!,
    };
    const loaded = mlpParamsFromStateDict(tensors, config);
    for (const [i, t] of loaded.entries())
      assert.deepEqual(t.data, params[i]!.data, `tensor ${i} round-trips`);
  });
});
