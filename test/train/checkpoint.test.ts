import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/safetensors.js";
import { Rng } from "../../src/random/rng.js";
import { predict } from "../../src/model/model.js";
import { affinePath } from "../../src/path/affine.js";
import { linearSchedule } from "../../src/schedule/linear.js";
import { networkModel } from "../../src/train/network.js";
import {
  type Checkpoint,
  type CheckpointMeta,
  checkpointModel,
  checkpointSaver,
  loadCheckpoint,
  saveCheckpoint,
} from "../../src/train/checkpoint.js";
import { mlpConfig } from "../../src/train/mlp.js";
import { optimizerConfig } from "../../src/train/optim.js";
import type { HostTensor } from "../../src/train/tensor.js";
import {
  type AdaptiveTraining,
  adaptiveTraining,
  initTrainState,
  type TrainState,
} from "../../src/train/state.js";
import { type BatchSource, TrainingDivergedError, train } from "../../src/train/trainer.js";

const root = mkdtempSync(join(tmpdir(), "difflux-checkpoint-"));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `run-${dirs++}`);

const model = mlpConfig({ dim: 2, width: 16, depth: 2, timeEmbedding: { dim: 6 } });
const optimizer = optimizerConfig({
  kind: "adamw",
  lr: 3e-3,
  clipNorm: 1,
  emaDecay: 0.9,
  schedule: { kind: "warmupCosine", warmupSteps: 3, totalSteps: 10, minLr: 1e-4 },
});
const meta: CheckpointMeta = {
  path: { kind: "affine", schedule: { family: "linear", sigmaMin: 0 } },
  kind: "velocity",
  schedule: { family: "linear", sigmaMin: 0 },
};

/** Flow-matching-like batches drawn from the trainer's rng: xₜ = t·data + (1 − t)·noise, target = data − noise. */
const batchSource: BatchSource = (_step, rng) => {
  const n = 32;
  const xt = new Float32Array(2 * n);
  const t = new Float32Array(n);
  const target = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    t[i] = rng.uniform();
    for (let j = 0; j < 2; j++) {
      const data = (j === 0 ? 1 : -0.5) + 0.3 * rng.normal();
      const noise = rng.normal();
      xt[2 * i + j] = t[i]! * data + (1 - t[i]!) * noise;
      target[2 * i + j] = data - noise;
    }
  }
  return { xt, t, target, weight: new Float32Array(n).fill(1) };
};

function bytesOf(tensors: readonly HostTensor[] | null): Uint8Array[] {
  return (tensors ?? []).map((t) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function assertSameState(actual: TrainState, expected: TrainState): void {
  assert.equal(actual.step, expected.step);
  assert.deepEqual(bytesOf(actual.params), bytesOf(expected.params));
  assert.deepEqual(bytesOf(actual.moments.m), bytesOf(expected.moments.m));
  assert.deepEqual(bytesOf(actual.moments.v), bytesOf(expected.moments.v));
  assert.deepEqual(bytesOf(actual.ema), bytesOf(expected.ema));
  const theta = (s: TrainState) =>
    s.adaptive === null ? null : new Uint8Array(s.adaptive.logWeights.buffer.slice(0));
  assert.deepEqual(theta(actual), theta(expected), "adaptive log-weights");
}

test("a checkpoint round trip is bit-exact for weights, moments, EMA, step, RNG state and configs (float32 and float64)", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const rng = new Rng(9, 1);
    const fresh = initTrainState(model, optimizer, rng, dtype);
    // Non-trivial moments and EMA, with awkward values (−0, subnormal, extremes).
    const state: TrainState = {
      ...fresh,
      step: 1234,
      moments: {
        m: fresh.params.map((p) => ({ shape: p.shape, data: p.data.map((x) => -x) })),
        v: fresh.params.map((p) => ({ shape: p.shape, data: p.data.map((x) => x * x) })),
      },
      ema: fresh.params.map((p) => ({
        shape: p.shape,
        data: p.data.map((x, i) => (i === 0 ? -0 : i === 1 ? 1e-40 : x / 3)),
      })),
    };
    for (let i = 0; i < 7; i++) rng.normal();
    const checkpoint: Checkpoint = {
      meta,
      model,
      optimizer,
      dtype,
      adaptive: null,
      state,
      rng: rng.getState(),
    };
    const dir = freshDir();
    saveCheckpoint(dir, checkpoint);
    const loaded = loadCheckpoint(dir, { model, optimizer, dtype, kind: "velocity" });
    assertSameState(loaded.state, state);
    assert.deepEqual(loaded.rng, rng.getState());
    assert.deepEqual(loaded.model, model);
    assert.deepEqual(loaded.optimizer, optimizer);
    assert.deepEqual(loaded.meta, { ...meta, parameterization: { kind: "direct" }, standardization: null });
    assert.equal(loaded.dtype, dtype);
    assert.deepEqual(readdirSync(dir).sort(), [
      ".difflux-run.json",
      "config.json",
      "weights-1234.safetensors",
    ]);
  }
});

/**
 * Trains 8 steps at once and 4 + 4 through a checkpoint (with `adaptive` weights or none), asserts
 * that the two end bit-identical (state, RNG, loss history), and returns the runs and the checkpoint.
 */
async function resumeMatchesUninterrupted(adaptive: AdaptiveTraining | null) {
  const uninterrupted = await train({ model, optimizer, steps: 8, batchSource, seed: 5, adaptive });
  const dir = freshDir();
  const first = await train({
    model,
    optimizer,
    steps: 4,
    batchSource,
    seed: 5,
    adaptive,
    checkpoint: { every: 100, save: checkpointSaver(dir, meta) },
  });
  assert.equal(first.state.step, 4);
  const saved = loadCheckpoint(dir, { model, optimizer, adaptive });
  assert.deepEqual(saved.adaptive, adaptive, "the adaptive config is saved");
  assertSameState(saved.state, first.state);
  const resumed = await train({
    model,
    optimizer,
    steps: 8,
    batchSource,
    adaptive,
    resume: { state: saved.state, rng: saved.rng, lossHistory: saved.lossHistory },
  });
  assertSameState(resumed.state, uninterrupted.state);
  assert.deepEqual(resumed.rng, uninterrupted.rng, "RNG state");
  assert.deepEqual([...first.losses, ...resumed.losses], [...uninterrupted.losses], "loss history");
  assert.deepEqual(saved.lossHistory, first.losses, "the checkpoint holds the loss history");
  assert.deepEqual(resumed.lossHistory, uninterrupted.losses, "the resumed run reports the whole history");
  return { uninterrupted, dir, saved };
}

test("resuming from a checkpoint reproduces an uninterrupted run bit for bit", async () => {
  const { uninterrupted } = await resumeMatchesUninterrupted(null);
  // A different seed gives different weights (the comparison above is not vacuous).
  const other = await train({ model, optimizer, steps: 1, batchSource, seed: 6 });
  assert.notDeepEqual(bytesOf(other.state.params), bytesOf(uninterrupted.state.params));
});

test("resuming a run that learns adaptive loss weights reproduces the uninterrupted run bit for bit", async () => {
  const adaptive = adaptiveTraining({ bins: 4, learningRate: 0.5 });
  const { uninterrupted, dir, saved } = await resumeMatchesUninterrupted(adaptive);
  // Not vacuous: the weights moved away from uniform, and they changed the training.
  const theta = uninterrupted.state.adaptive!.logWeights;
  assert.ok(
    theta.every((x) => x !== 0),
    `every bin was updated: θ = ${Array.from(theta)}`,
  );
  const plain = await train({ model, optimizer, steps: 8, batchSource, seed: 5 });
  assert.notDeepEqual(
    bytesOf(plain.state.params),
    bytesOf(uninterrupted.state.params),
    "adaptive weights change the run",
  );
  // The checkpoint must match the run's adaptive config, and a resume must bring the weights.
  assert.throws(
    () => loadCheckpoint(dir, { adaptive: adaptiveTraining({ bins: 4, learningRate: 1 }) }),
    /adaptive\.learningRate is 0\.5 in the checkpoint but 1 in the run/,
    "a different adaptive learning rate",
  );
  assert.throws(
    () => loadCheckpoint(dir, { adaptive: null }),
    /adaptive is .* in the checkpoint but null in the run/,
  );
  const mismatches: [AdaptiveTraining | null, TrainState, RegExp][] = [
    [
      null,
      saved.state,
      /train: resume: the state has adaptive loss weights \(4 bins\) but the run has no adaptive config; pass adaptive: \{ bins: 4, learningRate \}/,
    ],
    [adaptive, plain.state, /train: resume: the run learns adaptive loss weights but the state has none/],
    [
      adaptiveTraining({ bins: 5 }),
      saved.state,
      /the state's adaptive weights have 4 bins but the run asks for 5; use bins = 4/,
    ],
  ];
  for (const [config, state, message] of mismatches) {
    await assert.rejects(
      train({ model, optimizer, steps: 8, batchSource, adaptive: config, resume: { state, rng: saved.rng } }),
      message,
    );
  }
});

test("a checkpoint without an adaptive entry (older files) loads with adaptive null; a bad θ tensor is named", () => {
  const c = savedCheckpoint();
  const { adaptive: _, ...older } = c.config;
  const { emaWarmup: __, ...olderOptimizer } = c.config.optimizer;
  writeFileSync(c.configPath, JSON.stringify({ ...older, optimizer: olderOptimizer }));
  assert.equal(loadCheckpoint(c.dir).adaptive, null, "missing means none");
  assert.equal(loadCheckpoint(c.dir).optimizer.emaWarmup, null, "no emaWarmup entry means a constant decay");
  assert.equal(loadCheckpoint(c.dir).state.adaptive, null, "no learned weights");
  // Claiming adaptive weights the weights file does not hold.
  writeFileSync(c.configPath, JSON.stringify({ ...c.config, adaptive: { bins: 3, learningRate: 1 } }));
  assert.throws(
    () => loadCheckpoint(c.dir),
    /loadCheckpoint: .*weights-0\.safetensors has no tensor "adaptive\.logWeights"/,
  );
});

test("train saves a checkpoint every `every` steps, and the commit point is config.json", async () => {
  const dir = freshDir();
  const seen: number[] = [];
  await train({
    model,
    optimizer,
    steps: 5,
    batchSource,
    checkpoint: { every: 2, save: checkpointSaver(dir, meta) },
    onStep: ({ step }) => {
      if (step === 2 || step === 4) seen.push(loadCheckpoint(dir).state.step);
    },
  });
  assert.deepEqual(seen, [2, 4]);
  assert.equal(loadCheckpoint(dir).state.step, 5);
  // A save interrupted after the weights but before config.json: the previous checkpoint still loads.
  writeFileSync(join(dir, "weights-9.safetensors"), new Uint8Array([1, 2, 3]));
  assert.equal(loadCheckpoint(dir).state.step, 5);
});

/** Saves `state` with this file's model and optimizer (float32, no adaptive weights) into `dir`. */
function saveState(dir: string, state: TrainState, checkpointMeta: CheckpointMeta = meta): void {
  saveCheckpoint(dir, {
    meta: checkpointMeta,
    model,
    optimizer,
    dtype: "float32",
    adaptive: null,
    state,
    rng: new Rng(1).getState(),
  });
}

/** A saved checkpoint directory and helpers to damage it. */
function savedCheckpoint() {
  const dir = freshDir();
  saveState(dir, initTrainState(model, optimizer, new Rng(1, 1)));
  const configPath = join(dir, "config.json");
  const config = JSON.parse(readFileSync(configPath, "utf8"));
  const weightsPath = join(dir, config.weights.file);
  return { dir, configPath, config, weightsPath };
}

test("loadCheckpoint gives a clear error naming the file for a corrupt or mismatched checkpoint", async () => {
  const expectError = (dir: string, pattern: RegExp, expect = {}) =>
    assert.throws(
      () => loadCheckpoint(dir, expect),
      (err: Error) => {
        assert.match(err.message, /^loadCheckpoint: /);
        assert.match(err.message, pattern);
        return true;
      },
    );

  expectError(join(root, "nowhere"), /cannot read .*nowhere\/config\.json: no such file/);

  let c = savedCheckpoint();
  writeFileSync(c.configPath, "{ not json");
  expectError(c.dir, /config\.json is not valid JSON/);

  c = savedCheckpoint();
  writeFileSync(c.configPath, JSON.stringify({ ...c.config, model: { ...c.config.model, width: "wide" } }));
  expectError(
    c.dir,
    /config\.json is not a valid difflux checkpoint config \(model\.width: expected a number, got "wide"/,
  );

  c = savedCheckpoint();
  writeFileSync(c.configPath, JSON.stringify({ ...c.config, format: "something-else" }));
  expectError(c.dir, /not a valid difflux checkpoint config \(format:/);

  c = savedCheckpoint();
  const bytes = new Uint8Array(readFileSync(c.weightsPath));
  bytes[bytes.length - 3]! ^= 0x40;
  writeFileSync(c.weightsPath, bytes);
  expectError(
    c.dir,
    /weights-0\.safetensors does not match config\.json .*SHA-256 differs.*corrupt or from another save/,
  );

  c = savedCheckpoint();
  rmSync(c.weightsPath);
  expectError(c.dir, /cannot read .*weights-0\.safetensors: no such file/);

  c = savedCheckpoint();
  expectError(c.dir, /model\.width is 16 in the checkpoint but 32 in the run/, {
    model: mlpConfig({ dim: 2, width: 32, depth: 2, timeEmbedding: { dim: 6 } }),
  });
  expectError(c.dir, /dtype is float32 in the checkpoint but float64 in the run/, { dtype: "float64" });
  expectError(c.dir, /kind is velocity in the checkpoint but noise in the run/, { kind: "noise" });

  // The config says width 32 but the (hash-consistent) weights are width 16.
  c = savedCheckpoint();
  writeFileSync(c.configPath, JSON.stringify({ ...c.config, model: { ...c.config.model, width: 32 } }));
  expectError(c.dir, /params layers\.0\.weight has shape \[16, 8\] but the MLP needs \[32, 8\]/);

  // A hash-consistent weights file without the Adam moments of one layer.
  c = savedCheckpoint();
  const { tensors, metadata } = decodeSafetensors(new Uint8Array(readFileSync(c.weightsPath)));
  delete tensors["optimizer.v.layers.1.bias"];
  const stripped = encodeSafetensors(tensors, metadata);
  writeFileSync(c.weightsPath, stripped);
  const { createHash } = await import("node:crypto");
  writeFileSync(
    c.configPath,
    JSON.stringify({
      ...c.config,
      weights: {
        ...c.config.weights,
        bytes: stripped.length,
        sha256: createHash("sha256").update(stripped).digest("hex"),
      },
    }),
  );
  expectError(c.dir, /weights-0\.safetensors has no tensor "optimizer\.v\.layers\.1\.bias"/);
});

test("train rejects a resume state that does not fit the model, naming the tensor", async () => {
  const state = initTrainState(
    mlpConfig({ dim: 2, width: 8, depth: 2, timeEmbedding: { dim: 6 } }),
    optimizer,
    new Rng(1, 1),
  );
  await assert.rejects(
    train({ model, optimizer, steps: 2, batchSource, resume: { state, rng: new Rng(1).getState() } }),
    /train: resume: params layers\.0\.weight has shape \[8, 8\] but the MLP needs \[16, 8\]/,
  );
});

test("a run killed between checkpoints resumes with its full loss history and ends bit-identical to an uninterrupted run", async () => {
  const uninterrupted = await train({ model, optimizer, steps: 10, batchSource, seed: 8 });
  const dir = freshDir();
  const crash = new Error("killed");
  await assert.rejects(
    train({
      model,
      optimizer,
      steps: 10,
      batchSource,
      seed: 8,
      checkpoint: { every: 4, save: checkpointSaver(dir, meta) },
      onStep: ({ step }) => {
        if (step === 6) throw crash;
      },
    }),
    (err) => err === crash,
  );
  const saved = loadCheckpoint(dir);
  assert.equal(saved.state.step, 4);
  assert.deepEqual(saved.lossHistory, uninterrupted.losses.slice(0, 4), "the history of the saved steps");
  const resumed = await train({
    model,
    optimizer,
    steps: 10,
    batchSource,
    resume: { state: saved.state, rng: saved.rng, lossHistory: saved.lossHistory },
  });
  assertSameState(resumed.state, uninterrupted.state);
  assert.deepEqual(resumed.lossHistory, uninterrupted.losses);
  // Without its history a resumed run still trains, and says the history is unknown.
  const blind = await train({
    model,
    optimizer,
    steps: 5,
    batchSource,
    resume: { state: saved.state, rng: saved.rng },
  });
  assert.equal(blind.lossHistory, null);
});

test("a diverging run stops with the step, the recipe and the likely cause, and keeps its last finite checkpoint", async () => {
  const dir = freshDir();
  const save = checkpointSaver(dir, meta);
  const start = await train({ model, optimizer, steps: 3, batchSource, checkpoint: { every: 1, save } });
  let error: unknown;
  try {
    await train({
      model,
      optimizer: optimizerConfig({ ...optimizer, lr: 1e30, clipNorm: null }),
      steps: 50,
      batchSource,
      recipe: "rectified-flow / velocity",
      resume: { state: start.state, rng: start.rng, lossHistory: start.lossHistory },
      checkpoint: { every: 1, save },
    });
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof TrainingDivergedError, `expected a TrainingDivergedError, got ${String(error)}`);
  assert.match(
    error.message,
    /^train: the .* at step 4 of rectified-flow \/ velocity; training stopped and the last checkpoint is kept\. Likely cause: .*learning rate 1e\+30 is too large/,
  );
  assert.equal(error.step, 4);
  assert.ok(!error.message.includes("\n"), "one line");
  const kept = loadCheckpoint(dir);
  assert.equal(kept.state.step, 3, "the checkpoint of the step before");
  assertSameState(kept.state, start.state);
});

test("saveCheckpoint refuses and loadCheckpoint rejects non-finite weights, naming the tensor", () => {
  const state = initTrainState(model, optimizer, new Rng(1, 1));
  const poisoned: TrainState = {
    ...state,
    params: state.params.map((p, i) =>
      i === 2 ? { shape: p.shape, data: p.data.map((x, j) => (j === 3 ? Number.NaN : x)) } : p,
    ),
  };
  assert.throws(
    () => saveState(freshDir(), poisoned),
    /saveCheckpoint: params\[2\] has the non-finite value NaN at index 3/,
  );
  // A file written by something else: valid hash, an infinite EMA weight.
  const c = savedCheckpoint();
  const { tensors, metadata } = decodeSafetensors(readFileSync(c.weightsPath));
  tensors["ema.layers.1.bias"]!.data[0] = Number.POSITIVE_INFINITY;
  const bytes = encodeSafetensors(tensors, metadata);
  writeFileSync(c.weightsPath, bytes);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  writeFileSync(
    c.configPath,
    JSON.stringify({ ...c.config, weights: { ...c.config.weights, bytes: bytes.length, sha256 } }),
  );
  assert.throws(
    () => loadCheckpoint(c.dir),
    /loadCheckpoint: .*weights-0\.safetensors: ema\[3\] has the non-finite value Infinity at index 0/,
  );
});

test("a checkpoint keeps the network's parameterization and the data standardisation, and checkpointModel rebuilds the model on its path", async () => {
  const dir = freshDir();
  const state = initTrainState(model, optimizer, new Rng(2, 1));
  const parameterization = { kind: "preconditioned", sigmaData: 1 } as const;
  const standardization = { mean: [0.5, -1], scale: [2, 0.25] };
  const path = affinePath(linearSchedule());
  const withMeta = { ...meta, path: path.spec, parameterization, standardization };
  saveState(dir, state, withMeta);
  const loaded = loadCheckpoint(dir);
  assert.deepEqual(loaded.meta.parameterization, parameterization);
  assert.deepEqual(loaded.meta.standardization, standardization);
  const rebuilt = checkpointModel(loaded);
  assert.equal(rebuilt.ema, true, "EMA weights by default");
  assert.deepEqual(rebuilt.standardization, standardization);
  const direct = networkModel(state.ema!, model, path, "velocity", { parameterization });
  const xt = new Rng(3).fillNormal(new Float64Array(8));
  const shape = { batch: 4, dim: 2 };
  assert.deepEqual(await predict(rebuilt.model, xt, 0.3, shape), await predict(direct, xt, 0.3, shape));
  assert.throws(
    () => saveState(freshDir(), state, { ...withMeta, standardization: { mean: [0], scale: [1] } }),
    /saveCheckpoint: the standardization has 1 coordinates but the data has dim 2/,
  );
});
