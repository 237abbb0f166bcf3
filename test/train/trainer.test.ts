import assert from "node:assert/strict";
import { test } from "node:test";
import { predict } from "../../src/model/model.js";
import type { GaussianPath } from "../../src/path/path.js";
import { kindPreconditioning, noiseLevelInput } from "../../src/loss/edm.js";
import { affinePath } from "../../src/path/affine.js";
import { vpSchedule } from "../../src/schedule/vp.js";
import { Rng } from "../../src/random/rng.js";
import { jaxEngine } from "../../src/train/engine.js";
import { featureWidth, initMlpParams, mlpConfig, mlpFeatures, mlpForward } from "../../src/train/mlp.js";
import { optimizerConfig } from "../../src/train/optim.js";
import { type HostTensor, hostOps } from "../../src/train/tensor.js";
import { type Batch, weightedMse } from "../../src/train/loss.js";
import { ENGINE_MIN_ROW_MACS, networkModel } from "../../src/train/network.js";
import { train } from "../../src/train/trainer.js";
import { assertClose } from "../helpers.js";

/** networkModel only carries the path through to the Model; a named stand-in suffices here. */
const path = { kind: "affine", name: "test-path" } as unknown as GaussianPath;

/** The map to learn: f(x, t) = A·x + c·t with A = [[2, 1], [−1, 0.5]], c = (0, 0.5). */
function linearMap(x0: number, x1: number, t: number): [number, number] {
  return [2 * x0 + x1, -x0 + 0.5 * x1 + 0.5 * t];
}

function linearBatch(rows: number, rng: Rng): Batch {
  const xt = new Float32Array(2 * rows);
  const t = new Float32Array(rows);
  const target = new Float32Array(2 * rows);
  for (let i = 0; i < rows; i++) {
    xt[2 * i] = rng.normal();
    xt[2 * i + 1] = rng.normal();
    t[i] = rng.uniform();
    target.set(linearMap(xt[2 * i]!, xt[2 * i + 1]!, t[i]!), 2 * i);
  }
  return { xt, t, target, weight: new Float32Array(rows).fill(1) };
}

test("weightedMse is the mean over rows of weight·‖prediction − target‖²/dim", () => {
  const ops = hostOps("float64");
  const pred = { shape: [2, 2], data: Float64Array.of(1, 2, 3, 4) };
  const target = { shape: [2, 2], data: Float64Array.of(0, 0, 3, 2) };
  const weight = { shape: [2], data: Float64Array.of(0.5, 3) };
  // Row 0: 0.5·(1 + 4)/2 = 1.25; row 1: 3·(0 + 4)/2 = 6; mean = 3.625.
  assert.equal(weightedMse(ops, pred, target, weight, { batch: 2, dim: 2 }).data[0], 3.625);
});

test("a short training run fits a known linear map of (xₜ, t) to within 3% RMS", async (ctx) => {
  const model = mlpConfig({ dim: 2, width: 32, depth: 2 });
  const optimizer = optimizerConfig({
    lr: 1e-2,
    schedule: { kind: "warmupCosine", warmupSteps: 20, totalSteps: 400, minLr: 1e-4 },
  });
  const steps: number[] = [];
  const result = await train({
    model,
    optimizer,
    steps: 400,
    seed: 3,
    batchSource: (_k, rng) => linearBatch(128, rng),
    onStep: ({ step }) => void steps.push(step),
  });
  assert.equal(result.state.step, 400);
  assert.deepEqual(
    steps,
    Array.from({ length: 400 }, (_, i) => i + 1),
  );
  const early = result.losses.slice(0, 10).reduce((a, b) => a + b) / 10;
  const late = result.losses.slice(-20).reduce((a, b) => a + b) / 20;
  assert.ok(late < 1e-3 * early, `loss went from ${early} to ${late}`);
  // Held-out check through the Model contract: RMS error against the exact map, relative to its RMS.
  const net = networkModel(result.state.params, model, path, "velocity");
  const rng = new Rng(99);
  let err = 0;
  let norm = 0;
  for (const t of [0.1, 0.5, 0.9]) {
    const xt = rng.fillNormal(new Float64Array(2 * 200));
    const out = await predict(net, xt, t, { batch: 200, dim: 2 });
    for (let i = 0; i < 200; i++) {
      const f = linearMap(xt[2 * i]!, xt[2 * i + 1]!, t);
      err += (out[2 * i]! - f[0]) ** 2 + (out[2 * i + 1]! - f[1]) ** 2;
      norm += f[0] ** 2 + f[1] ** 2;
    }
  }
  ctx.diagnostic(
    `held-out relative RMS error ${Math.sqrt(err / norm).toExponential(2)}, loss ${early.toExponential(2)} → ${late.toExponential(2)}`,
  );
  assert.ok(Math.sqrt(err / norm) < 0.03, `relative RMS error ${Math.sqrt(err / norm)}`);
});

test("networkModel predicts the network at a shared t, the same on the host and on the engine", async () => {
  const engine = await jaxEngine();
  const config = mlpConfig({ dim: 3, width: 16, depth: 2, activation: "gelu" });
  const params = initMlpParams(config, new Rng(4, 1));
  const xt = new Rng(5).fillNormal(new Float64Array(3 * 120));
  const shape = { batch: 120, dim: 3 };
  const host = networkModel(params, config, path, "noise", { forward: "host" });
  const onEngine = networkModel(params, config, path, "noise", { engine, forward: "engine" });
  const auto = networkModel(params, config, path, "noise");
  assert.equal(host.kind, "noise");
  assert.equal(host.path, path);
  const a = await predict(host, xt, 0.3, shape);
  const b = await predict(onEngine, xt, 0.3, shape);
  assertClose(b, a, { rtol: 1e-5, atol: 1e-6 });
  // 624 multiply-adds per row < ENGINE_MIN_ROW_MACS: "auto" keeps this network on the host at every
  // batch size, synchronously.
  assert.ok(624 < ENGINE_MIN_ROW_MACS, "the test network is below the engine threshold");
  const all = auto.predict(xt, 0.3, shape);
  assert.ok(all instanceof Float32Array, "a small network predicts synchronously");
  assert.deepEqual(Float64Array.from(all), a);
  const small = auto.predict(xt.subarray(0, 6), 0.3, { batch: 2, dim: 3 });
  assert.ok(small instanceof Float32Array, "a small network predicts synchronously");
  assert.deepEqual(small, Float32Array.from(a.subarray(0, 6)));
  auto.dispose();
  onEngine.dispose();
  // The host path is the MLP on the feature rows with t broadcast to every row.
  const features = mlpFeatures(config, xt, 0.3, shape, new Float32Array(120 * featureWidth(config)));
  const direct = mlpForward(hostOps("float32"), config, params, {
    shape: [120, featureWidth(config)],
    data: features,
  });
  assert.deepEqual(a, Float64Array.from(direct.data));
});

test("networkModel's prediction of a row does not depend on the batch size, on either side of the engine threshold", async () => {
  for (const width of [16, 64]) {
    const config = mlpConfig({ dim: 2, width, depth: 2 });
    const net = networkModel(initMlpParams(config, new Rng(6, 1)), config, path, "velocity");
    const xt = new Rng(7).fillNormal(new Float64Array(2 * 300));
    const rows = async (batch: number) =>
      (await predict(net, xt.subarray(0, 2 * batch), 0.4, { batch, dim: 2 })).subarray(0, 2 * 40);
    const reference = await rows(40);
    for (const batch of [108, 300])
      assert.deepEqual(await rows(batch), reference, `width ${width}, batch ${batch}`);
    net.dispose();
  }
});

test("networkModel rejects a time outside [0, 1] or NaN, naming the argument", () => {
  const config = mlpConfig({ dim: 2, width: 8, depth: 1 });
  const net = networkModel(initMlpParams(config, new Rng(1, 1)), config, path, "data");
  const xt = new Float64Array(2);
  for (const t of [Number.NaN, 1.5, -0.25, Number.POSITIVE_INFINITY]) {
    assert.throws(
      () => net.predict(xt, t, { batch: 1, dim: 2 }),
      /networkModel\.predict: t must be a canonical time in \[0, 1\]/,
    );
    assert.throws(
      () => net.jvp(xt, t, { batch: 1, dim: 2 }, xt),
      /networkModel\.jvp: t must be a canonical time/,
    );
  }
  assert.ok(net.predict(xt, 1, { batch: 1, dim: 2 }) instanceof Float32Array, "t = 1 is inside the domain");
});

test("networkModel rejects weights of another architecture and a drift model without g²", () => {
  const config = mlpConfig({ dim: 2, width: 8, depth: 1 });
  const params = initMlpParams(config, new Rng(1, 1));
  assert.throws(
    () => networkModel(params, mlpConfig({ dim: 2, width: 16, depth: 1 }), path, "data"),
    /networkModel: params do not fit the config \(expected layers\.0\.weight \[16, 20\]/,
  );
  assert.throws(
    () => networkModel(params, config, path, "drift"),
    /networkModel: kind "drift" needs options\.g2/,
  );
  const drift = networkModel(params, config, path, "drift", { g2: (t) => 2 * t });
  assert.equal(drift.kind === "drift" && drift.g2(0.25), 0.5);
});

test("train checks every batch and names the offending array", async () => {
  const model = mlpConfig({ dim: 2, width: 8, depth: 1 });
  const optimizer = optimizerConfig();
  const good = linearBatch(4, new Rng(1));
  const run = (batch: Batch) => train({ model, optimizer, steps: 1, batchSource: () => batch });
  await assert.rejects(
    run({ ...good, target: new Float32Array(6) }),
    /TrainSession\.run: batch\.target has length 6, expected batch × dim = 4×2 = 8/,
  );
  await assert.rejects(run({ ...good, weight: new Float32Array(3) }), /batch\.weight has length 3/);
  await assert.rejects(
    run({ ...good, xt: [1, 2] as unknown as Float32Array }),
    /batch\.xt must be a Float32Array or Float64Array/,
  );
  await assert.rejects(
    train({ model, optimizer, steps: 1.5, batchSource: () => good }),
    /train: steps must be an integer ≥ 0, got 1.5/,
  );
});

test("onStep sees the loss, gradient norm and learning rate of each step, and returning false stops training", async () => {
  const model = mlpConfig({ dim: 2, width: 8, depth: 1 });
  const optimizer = optimizerConfig({
    lr: 0.01,
    schedule: { kind: "warmupCosine", warmupSteps: 4, totalSteps: 20, minLr: 0 },
  });
  const seen: { lr: number; loss: number; gradNorm: number }[] = [];
  const result = await train({
    model,
    optimizer,
    steps: 20,
    batchSource: (_k, rng) => linearBatch(16, rng),
    onStep: ({ step, lr, loss, gradNorm }) => {
      seen.push({ lr, loss, gradNorm });
      return step < 3;
    },
  });
  assert.equal(result.state.step, 3);
  assert.deepEqual(
    seen.map((s) => s.lr),
    [0.0025, 0.005, 0.0075],
  );
  assert.ok(seen.every((s) => s.loss > 0 && s.gradNorm > 0));
  assert.deepEqual(
    [...result.losses],
    seen.map((s) => s.loss),
  );
});

test("training in float64 keeps every tensor float64 and decreases the loss", async () => {
  const model = mlpConfig({ dim: 2, width: 8, depth: 1, activation: "tanh" });
  const result = await train({
    model,
    optimizer: optimizerConfig({ lr: 1e-2, emaDecay: 0.5 }),
    steps: 30,
    dtype: "float64",
    batchSource: (_k, rng) => linearBatch(32, rng),
  });
  assert.ok(
    [...result.state.params, ...result.state.moments.m, ...result.state.ema!].every(
      (t) => t.data instanceof Float64Array,
    ),
  );
  assert.ok(result.losses[29]! < 0.5 * result.losses[0]!);
});

test("after a short run the warmed-up EMA predicts as well as the weights, while a constant 0.999 EMA still carries the initialization", async () => {
  const model = mlpConfig({ dim: 2, width: 16, depth: 1 });
  const rms = async (params: HostTensor[]) => {
    const net = networkModel(params, model, path, "velocity");
    const xt = new Rng(99).fillNormal(new Float64Array(2 * 200));
    const out = await predict(net, xt, 0.5, { batch: 200, dim: 2 });
    let err = 0;
    for (let i = 0; i < 200; i++) {
      const f = linearMap(xt[2 * i]!, xt[2 * i + 1]!, 0.5);
      err += (out[2 * i]! - f[0]) ** 2 + (out[2 * i + 1]! - f[1]) ** 2;
    }
    return Math.sqrt(err / 400);
  };
  const run = (emaWarmup: null | undefined) =>
    train({
      model,
      optimizer: optimizerConfig({ lr: 1e-2, emaDecay: 0.999, ...(emaWarmup === null ? { emaWarmup } : {}) }),
      steps: 200,
      seed: 4,
      batchSource: (_k, rng) => linearBatch(64, rng),
    });
  const warm = await run(undefined);
  const constant = await run(null);
  const weights = await rms(warm.state.params);
  const ema = await rms(warm.state.ema!);
  const stale = await rms(constant.state.ema!);
  assert.ok(ema <= 1.5 * weights, `warmed-up EMA RMS error ${ema} vs weights ${weights}`);
  assert.ok(stale > 5 * weights, `constant EMA RMS error ${stale} vs weights ${weights}`);
});

test("a preconditioned networkModel predicts cSkip·x + cOut·F(cIn·x, τ), and its jvp matches central differences", async () => {
  const vp = affinePath(vpSchedule());
  const config = mlpConfig({ dim: 2, width: 8, depth: 2, activation: "tanh" });
  const params = initMlpParams(config, new Rng(3, 1), "float64");
  const parameterization = { kind: "preconditioned", sigmaData: 0.7 } as const;
  const net = networkModel(params, config, vp, "noise", { parameterization });
  const xt = new Rng(4).fillNormal(new Float64Array(6));
  const shape = { batch: 3, dim: 2 };
  const t = 0.35;
  const level = vp.slice(t).level!;
  const c = kindPreconditioning(level, "noise", 0.7);
  const features = mlpFeatures(
    config,
    xt.map((x) => c.cIn * x),
    noiseLevelInput(level),
    shape,
    new Float64Array(3 * featureWidth(config)),
  );
  const f = mlpForward(hostOps("float64"), config, params, {
    shape: [3, featureWidth(config)],
    data: features,
  }).data;
  assertClose(
    await predict(net, xt, t, shape),
    xt.map((x, i) => c.cSkip * x + c.cOut * f[i]!),
    { rtol: 1e-14 },
  );
  const v = Float64Array.of(0.3, -1, 0.5, 0.2, -0.7, 1.1);
  const h = 1e-5;
  const plus = await predict(
    net,
    xt.map((x, i) => x + h * v[i]!),
    t,
    shape,
  );
  const minus = await predict(
    net,
    xt.map((x, i) => x - h * v[i]!),
    t,
    shape,
  );
  assertClose(
    net.jvp(xt, t, shape, v),
    plus.map((p, i) => (p - minus[i]!) / (2 * h)),
    { rtol: 1e-7, atol: 1e-9 },
  );
});
