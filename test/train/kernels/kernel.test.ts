import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { globalWasm } from "../../../src/math/wasm.js";
import { Rng } from "../../../src/random/rng.js";
import { jaxEngine } from "../../../src/train/engine.js";
import { createMlpKernel, type MlpKernel, shardRows } from "../../../src/train/kernels/kernel.js";
import { ROW_CHUNK } from "../../../src/train/kernels/program.js";
import {
  ACTIVATIONS,
  featureWidth,
  initMlpParams,
  type MlpConfig,
  mlpConfig,
  mlpFeatures,
  mlpForward,
} from "../../../src/train/mlp.js";
import {
  adamScalars,
  adamUpdate,
  clipByGlobalNorm,
  emaDecayAt,
  emaUpdate,
  globalNorm,
  type OptimizerConfig,
  optimizerConfig,
} from "../../../src/train/optim.js";
import { type HostTensor, hostOps } from "../../../src/train/tensor.js";
import { batchTensors, lossAndGradient, trainingLoss } from "../../../src/train/loss.js";
import { networkModel } from "../../../src/train/network.js";
import { initTrainState } from "../../../src/train/state.js";
import { TrainSession } from "../../../src/train/trainer.js";
import { affinePath } from "../../../src/path/affine.js";
import { batch32, relativeError, to64, zerosLike } from "./shared.js";
import { linearSchedule } from "../../../src/schedule/linear.js";

/** A small network with odd sizes: dim 3, width 10 (padded to 12), 4 time features (6 → 8 columns). */
const small = (activation: MlpConfig["activation"] = "silu", depth = 2) =>
  mlpConfig({ dim: 3, width: 10, depth, activation, timeEmbedding: { dim: 4, scale: 5 } });

async function trainingKernel(
  config: MlpConfig,
  optimizer: OptimizerConfig,
  params: HostTensor[],
  options = {},
) {
  const kernel = await createMlpKernel(config, optimizer, { rows: 4, ...options });
  assert.ok(kernel !== null, "WebAssembly SIMD is available in this Node");
  kernel.setState({ params, m: zerosLike(params), v: zerosLike(params) });
  return kernel;
}

describe("MlpKernel.gradient", () => {
  it("equals jax-js's float64 gradient to float32 accuracy for every activation and odd sizes", async (t) => {
    const engine = await jaxEngine();
    for (const activation of ACTIVATIONS) {
      const config = small(activation);
      const params64 = initMlpParams(config, new Rng(5, 1), "float64");
      const params = params64.map((p) => ({ shape: p.shape, data: Float32Array.from(p.data) }));
      const batch = batch32(13, 3, 21);
      const kernel = await trainingKernel(config, optimizerConfig({}), params);
      kernel.reserve(13);
      const got = kernel.gradient(batch);
      // The reference sees the same float32-rounded parameters and batch, in float64.
      const f32params = params.map((p) => ({ shape: p.shape, data: Float64Array.from(p.data) }));
      const want = lossAndGradient(engine, config, f32params, to64(batch));
      const rel = relativeError(got.grads, want.grads);
      t.diagnostic(`${activation}: relative gradient error ${rel.toExponential(2)}`);
      assert.ok(rel < 2e-6, `${activation}: gradient relative error ${rel}`);
      assert.ok(
        Math.abs(got.loss - want.loss) <= 1e-6 * want.loss,
        `${activation}: loss ${got.loss} vs ${want.loss}`,
      );
      kernel.dispose();
    }
  });

  it("sums the weight and bias gradients of a shard longer than one row chunk, chunk by chunk, to float32 accuracy", async () => {
    const engine = await jaxEngine();
    const config = small("silu");
    const params = initMlpParams(config, new Rng(6, 1)).map((p) => ({ shape: p.shape, data: p.data }));
    const rows = 2 * ROW_CHUNK + 36; // one shard: chunks of ROW_CHUNK, ROW_CHUNK and 36 rows
    const batch = batch32(rows, 3, 22);
    const kernel = await trainingKernel(config, optimizerConfig({}), params, { shards: 1, rows });
    const got = kernel.gradient(batch);
    const f32params = params.map((p) => ({ shape: p.shape, data: Float64Array.from(p.data) }));
    const want = lossAndGradient(engine, config, f32params, to64(batch));
    const rel = relativeError(got.grads, want.grads);
    assert.ok(rel < 2e-6, `gradient relative error ${rel} over ${rows} rows`);
    kernel.dispose();
  });

  it("trains and runs a class-conditional network: labels (−1 = none) give jax-js's gradient and the host forward", async () => {
    const engine = await jaxEngine();
    const config = mlpConfig({
      dim: 3,
      width: 10,
      depth: 2,
      classes: 4,
      timeEmbedding: { dim: 4, scale: 5 },
    });
    const params = initMlpParams(config, new Rng(7, 1)).map((p) => ({ shape: p.shape, data: p.data }));
    const labels = Int32Array.from([0, 3, -1, 2, 1, -1, 3, 0, 2, 1, -1]);
    const plain = batch32(labels.length, 3, 23);
    const batch = { ...plain, labels };
    const kernel = await trainingKernel(config, optimizerConfig({}), params);
    kernel.reserve(labels.length);
    const got = kernel.gradient(batch);
    const f32params = params.map((p) => ({ shape: p.shape, data: Float64Array.from(p.data) }));
    const want = lossAndGradient(engine, config, f32params, { ...to64(plain), labels });
    const rel = relativeError(got.grads, want.grads);
    assert.ok(rel < 2e-6, `conditional gradient relative error ${rel}`);
    // Without the labels the label weights get no gradient from rows 0, 1, 3 …: the result differs.
    const unlabelled = kernel.gradient(plain);
    assert.ok(relativeError(unlabelled.grads, want.grads) > 1e-3, "the labels reach the kernel's features");
    kernel.dispose();
    const path = affinePath(linearSchedule());
    const onKernels = networkModel(params, config, path, "velocity", { engine, forward: "engine" });
    const onHost = networkModel(params, config, path, "velocity", { forward: "host" });
    const x = Float64Array.from(batch.xt);
    const shape = { batch: labels.length, dim: 3 };
    const a = await onKernels.predict(x, 0.4, shape, { labels });
    const b = await onHost.predict(x, 0.4, shape, { labels });
    let err = 0;
    for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i]! - b[i]!));
    assert.ok(err < 1e-5, `kernel forward vs host forward with labels: max difference ${err}`);
    onKernels.dispose();
  });

  it("matches central finite differences of the float64 host loss", async () => {
    const config = small("gelu");
    const params = initMlpParams(config, new Rng(9, 1));
    const batch = batch32(6, 3, 4);
    const kernel = await trainingKernel(config, optimizerConfig({}), params);
    kernel.reserve(6);
    const { grads } = kernel.gradient(batch);
    const ops = hostOps("float64");
    const p64 = params.map((p) => ({ shape: p.shape, data: Float64Array.from(p.data) }));
    const [features, target, weight] = batchTensors("test", config, to64(batch), "float64");
    const loss = () =>
      trainingLoss(ops, config, p64, { features: features!, target: target!, weight: weight!, batch: 6 })
        .data[0]!;
    const h = 1e-5;
    const rng = new Rng(2);
    for (let trial = 0; trial < 24; trial++) {
      const i = Math.floor(rng.uniform() * p64.length);
      const j = Math.floor(rng.uniform() * p64[i]!.data.length);
      const saved = p64[i]!.data[j]!;
      p64[i]!.data[j] = saved + h;
      const up = loss();
      p64[i]!.data[j] = saved - h;
      const down = loss();
      p64[i]!.data[j] = saved;
      const fd = (up - down) / (2 * h);
      const got = grads[i]!.data[j]!;
      assert.ok(
        Math.abs(got - fd) <= 1e-5 * (1 + Math.abs(fd)),
        `∂L/∂θ[${i}][${j}] = ${got}, finite difference ${fd}`,
      );
    }
    kernel.dispose();
  });

  it("is exactly 0 for the padding columns of the first layer", async () => {
    const config = small("relu");
    const kernel = await trainingKernel(config, optimizerConfig({}), initMlpParams(config, new Rng(1, 1)));
    kernel.reserve(8);
    const { grads } = kernel.gradient(batch32(8, 3, 1));
    const w0 = grads[0]!;
    const cols = w0.shape[1]!;
    assert.equal(cols, featureWidth(config));
    for (let r = 0; r < w0.shape[0]!; r++)
      for (let c = 7; c < cols; c++) assert.equal(w0.data[r * cols + c], 0);
    kernel.dispose();
  });
});

describe("MlpKernel.step", () => {
  for (const [name, optimizer] of [
    ["adam with clipping and EMA", optimizerConfig({ lr: 0.01, clipNorm: 0.05, emaDecay: 0.9 })],
    ["adamw with weight decay", optimizerConfig({ kind: "adamw", lr: 0.01, weightDecay: 0.1 })],
    ["adam with L2 weight decay", optimizerConfig({ lr: 0.01, weightDecay: 0.05 })],
  ] as const) {
    it(`applies optim.ts's update (${name}) to its gradient, step after step`, async () => {
      const config = small("tanh");
      let params = initMlpParams(config, new Rng(3, 1));
      const kernel = await trainingKernel(config, optimizer, params);
      kernel.reserve(10);
      const ops = hostOps("float64");
      const f64 = (ts: readonly HostTensor[]) =>
        ts.map((t) => ({ shape: t.shape, data: Float64Array.from(t.data) }));
      const scalar = (x: number) => ({ shape: [], data: Float64Array.of(x) });
      let m = zerosLike(params);
      let v = zerosLike(params);
      let ema = params;
      for (let k = 0; k < 3; k++) {
        const batch = batch32(10, 3, 40 + k);
        const { grads, gradNorm } = kernel.gradient(batch);
        const result = kernel.step(batch, k);
        assert.equal(result.gradNorm, gradNorm, "step recomputes the same gradient");
        // Reference: the float64 update of optim.ts from the same state and gradient.
        const norm = globalNorm(ops, f64(grads));
        assert.ok(
          Math.abs(norm.data[0]! - gradNorm) <= 1e-6 * gradNorm,
          `gradient norm ${gradNorm} vs ${norm.data[0]}`,
        );
        const clipped =
          optimizer.clipNorm === null
            ? f64(grads)
            : clipByGlobalNorm(ops, f64(grads), norm, optimizer.clipNorm);
        const s = adamScalars(optimizer, k);
        const next = adamUpdate(
          ops,
          optimizer,
          f64(params),
          clipped,
          { m: f64(m), v: f64(v) },
          {
            stepSize: scalar(s.stepSize),
            invSqrtBc2: scalar(s.invSqrtBc2),
            decay: scalar(s.decay),
          },
        );
        const state = kernel.getState();
        for (const [what, got, want] of [
          ["params", state.params, next.params],
          ["m", state.m, next.moments.m],
          ["v", state.v, next.moments.v],
        ] as const) {
          const rel = relativeError(got, want as HostTensor[]);
          assert.ok(rel < 1e-5, `${name}, step ${k}: ${what} relative error ${rel}`);
        }
        if (optimizer.emaDecay !== null) {
          const nextEma = emaUpdate(ops, f64(ema), next.params, emaDecayAt(optimizer, k));
          assert.ok(relativeError(state.ema!, nextEma) < 1e-5, `${name}, step ${k}: EMA`);
          ema = state.ema!;
        } else assert.equal(state.ema, null, "no EMA without emaDecay");
        const paramNorm = Math.sqrt(
          state.params.reduce((a, p) => a + Array.from(p.data).reduce((b, x) => b + x * x, 0), 0),
        );
        assert.ok(
          Math.abs(result.paramNorm - paramNorm) <= 1e-6 * paramNorm,
          "paramNorm is the updated parameters' norm",
        );
        assert.equal(result.lr, s.lr);
        [params, m, v] = [state.params, state.m, state.v];
      }
      kernel.dispose();
    });
  }

  it("returns each row's unweighted loss ‖net − target‖²/dim from its forward pass", async () => {
    const config = small("silu");
    const params = initMlpParams(config, new Rng(4, 1));
    const kernel = await trainingKernel(config, optimizerConfig({}), params);
    const batch = batch32(7, 3, 8);
    kernel.reserve(7);
    const forward = await createMlpKernel(config, null, { rows: 8 });
    forward!.setState({ params });
    const out = forward!.forward(batch.xt, batch.t, 7);
    const { rowLosses, loss } = kernel.step(batch, 0, true);
    let weighted = 0;
    for (let i = 0; i < 7; i++) {
      let s = 0;
      for (let d = 0; d < 3; d++) s += (out[i * 3 + d]! - batch.target[i * 3 + d]!) ** 2;
      assert.ok(Math.abs(rowLosses![i]! - s / 3) <= 1e-6 * (s / 3), `row ${i}: ${rowLosses![i]} vs ${s / 3}`);
      weighted += batch.weight[i]! * s;
    }
    assert.ok(Math.abs(loss - weighted / 21) <= 1e-6 * loss, `loss ${loss} vs ${weighted / 21}`);
    assert.equal(kernel.step(batch, 1).rowLosses, null, "no row losses unless asked");
    kernel.dispose();
    forward!.dispose();
  });

  it("gives bit-identical results on one thread and on two (whichever thread claims a shard)", async () => {
    const config = mlpConfig({ dim: 3, width: 64, depth: 3, timeEmbedding: { dim: 4, scale: 5 } });
    const params = initMlpParams(config, new Rng(6, 1));
    const optimizer = optimizerConfig({ lr: 0.01, emaDecay: 0.99 });
    const steps = 12;
    const run = async (threads: number) => {
      // Start small so that reserve() rebuilds the program (and its pool) before the steps.
      const kernel = await trainingKernel(config, optimizer, params, { threads, rows: 4 });
      kernel.reserve(301);
      await kernel.ready();
      const losses = Array.from({ length: steps }, (_, k) => kernel.step(batch32(301, 3, k), k).loss);
      const state = kernel.getState();
      const workerRuns = kernel.workerRuns;
      kernel.dispose();
      return { losses, state, workerRuns };
    };
    const one = await run(1);
    const two = await run(2);
    assert.equal(one.workerRuns, 0, "one thread: no worker ran a shard");
    assert.ok(
      two.workerRuns > 0 && two.workerRuns <= 2 * steps,
      `two threads: the worker ran ${two.workerRuns} shards`,
    );
    assert.deepEqual(two.losses, one.losses);
    for (const key of ["params", "m", "v", "ema"] as const) {
      two.state[key]!.forEach((t, i) => {
        assert.deepEqual(t.data, one.state[key]![i]!.data, `${key}[${i}]`);
      });
    }
  });

  it("splits a batch into shards of whole 4-row blocks and depends on the shard count only by rounding", async () => {
    assert.deepEqual(shardRows(13, 2), [
      { start: 0, real: 8, rows: 8 },
      { start: 8, real: 5, rows: 8 },
    ]);
    assert.deepEqual(shardRows(3, 2), [
      { start: 0, real: 3, rows: 4 },
      { start: 3, real: 0, rows: 4 },
    ]);
    const config = small("relu");
    const params = initMlpParams(config, new Rng(8, 1));
    const grads = [];
    for (const shards of [1, 2, 3]) {
      const kernel = await trainingKernel(config, optimizerConfig({}), params, { shards, rows: 16 });
      grads.push(kernel.gradient(batch32(13, 3, 5)).grads);
      kernel.dispose();
    }
    assert.ok(relativeError(grads[1]!, grads[0]!) < 1e-6, "2 shards vs 1");
    assert.ok(relativeError(grads[2]!, grads[0]!) < 1e-6, "3 shards vs 1");
    for (const batch of [1, 2, 3]) {
      const kernel = await trainingKernel(config, optimizerConfig({}), params);
      const g = kernel.gradient(batch32(batch, 3, 5));
      assert.ok(
        Number.isFinite(g.loss) && g.grads.every((t) => t.data.every(Number.isFinite)),
        `batch ${batch}`,
      );
      kernel.dispose();
    }
  });
});

describe("MlpKernel state, forward and errors", () => {
  it("gives each row the same forward result in a batch longer than one row chunk as alone in a small batch", async () => {
    const config = small("silu");
    const params = initMlpParams(config, new Rng(7, 1));
    const rows = 2 * ROW_CHUNK + 44;
    const batch = batch32(rows, 3, 9);
    const long = (await createMlpKernel(config, null, { shards: 1, rows }))!;
    long.setState({ params });
    const all = long.forward(batch.xt, batch.t, rows);
    const short = (await createMlpKernel(config, null, { shards: 1, rows: 4 }))!;
    short.setState({ params });
    for (const i of [0, ROW_CHUNK - 1, ROW_CHUNK, 2 * ROW_CHUNK + 3, rows - 1]) {
      const one = short.forward(batch.xt.subarray(3 * i, 3 * i + 3), batch.t.subarray(i, i + 1), 1);
      assert.deepEqual(one, all.subarray(3 * i, 3 * i + 3), `row ${i}`);
    }
    long.dispose();
    short.dispose();
  });

  it("returns the state it was given, and keeps it when its buffers grow", async () => {
    const config = small("gelu");
    const params = initMlpParams(config, new Rng(2, 1));
    const rng = new Rng(3);
    const m = params.map((p) => ({ shape: p.shape, data: rng.fillNormal(new Float32Array(p.data.length)) }));
    const v = params.map((p) => ({ shape: p.shape, data: rng.fillUniform(new Float32Array(p.data.length)) }));
    const kernel = (await createMlpKernel(config, optimizerConfig({ emaDecay: 0.9 }), { rows: 4 }))!;
    kernel.setState({ params, m, v, ema: m });
    const check = (what: string) => {
      const state = kernel.getState();
      state.params.forEach((t, i) => {
        assert.deepEqual(t, params[i], `${what}: params[${i}]`);
      });
      state.m.forEach((t, i) => {
        assert.deepEqual(t, m[i], `${what}: m[${i}]`);
      });
      state.v.forEach((t, i) => {
        assert.deepEqual(t, v[i], `${what}: v[${i}]`);
      });
      state.ema!.forEach((t, i) => {
        assert.deepEqual(t, m[i], `${what}: ema[${i}]`);
      });
    };
    check("after setState");
    assert.ok(!kernel.fits(100), "100 rows do not fit 2 shards of 4");
    const before = kernel.gradient(batch32(8, 3, 1));
    kernel.reserve(100);
    assert.ok(kernel.fits(100), "after reserve(100) they fit");
    check("after reserve");
    assert.deepEqual(kernel.gradient(batch32(8, 3, 1)), before, "the same gradient after growing");
    kernel.dispose();
  });

  it("computes the forward pass of mlp.ts's network (one time for all rows, or one per row)", async () => {
    for (const activation of ACTIVATIONS) {
      const config = small(activation, 3);
      const params = initMlpParams(config, new Rng(7, 1));
      const kernel = (await createMlpKernel(config, null, { rows: 4 }))!;
      kernel.setState({ params });
      const rows = 9;
      const batch = batch32(rows, 3, 11);
      kernel.reserve(rows);
      const ops = hostOps("float64");
      const p64 = params.map((p) => ({ shape: p.shape, data: Float64Array.from(p.data) }));
      const width = featureWidth(config);
      for (const t of [batch.t, 0.25]) {
        const got = kernel.forward(batch.xt, t, rows);
        const features = mlpFeatures(
          config,
          Float64Array.from(batch.xt),
          typeof t === "number" ? t : Float64Array.from(t),
          { batch: rows, dim: 3 },
          new Float64Array(rows * width),
        );
        const want = mlpForward(ops, config, p64, { shape: [rows, width], data: features }).data;
        let err = 0;
        let scale = 0;
        want.forEach((w, i) => {
          err = Math.max(err, Math.abs(got[i]! - w));
          scale = Math.max(scale, Math.abs(w));
        });
        assert.ok(err / scale < 2e-6, `${activation}: forward relative error ${err / scale}`);
      }
      kernel.dispose();
    }
  });

  it("gives each row the same bits whatever batch it is computed in (rows never mix)", async () => {
    const config = small("silu", 3);
    const kernel = (await createMlpKernel(config, null, { rows: 4, threads: 2 }))!;
    kernel.setState({ params: initMlpParams(config, new Rng(5, 1)) });
    const rows = 23;
    const batch = batch32(rows, 3, 17);
    kernel.reserve(rows);
    const all = kernel.forward(batch.xt, batch.t, rows);
    for (const i of [0, 5, 22]) {
      const one = kernel.forward(batch.xt.subarray(3 * i, 3 * i + 3), batch.t.subarray(i, i + 1), 1);
      assert.deepEqual(one, all.subarray(3 * i, 3 * i + 3), `row ${i} alone vs in a batch of ${rows}`);
    }
    const half = kernel.forward(batch.xt.subarray(0, 33), batch.t.subarray(0, 11), 11);
    assert.deepEqual(half, all.subarray(0, 33), "the first 11 rows as a batch of their own");
    kernel.dispose();
  });

  it("names the problem: training an inference kernel, a batch that does not fit, missing moments, no WebAssembly", async () => {
    const config = small();
    const params = initMlpParams(config, new Rng(1, 1));
    const forward = (await createMlpKernel(config, null))!;
    forward.setState({ params });
    assert.throws(
      () => forward.step(batch32(4, 3, 1), 0),
      /MlpKernel: this kernel was created for inference only/,
    );
    const kernel = (await createMlpKernel(config, optimizerConfig({}), { rows: 4 })) as MlpKernel;
    assert.throws(() => kernel.setState({ params }), /needs the Adam moments m and v/);
    assert.throws(() => kernel.gradient(batch32(20, 3, 1)), /20 rows do not fit; call reserve\(20\) first/);
    assert.throws(() => forward.forward(new Float32Array(3000), 0.5, 1000), /1000 rows do not fit/);
    assert.equal(await createMlpKernel(config, null, { wasm: null }), null, "no WebAssembly: null");
    const wasm = globalWasm()!;
    const realWasm = {
      validate: wasm.validate,
      compile: wasm.compile,
      Module: wasm.Module,
      Instance: wasm.Instance,
      Memory: wasm.Memory,
    };
    assert.notEqual(await createMlpKernel(config, null, { wasm: realWasm }), null, "the real API: a kernel");
    const refusing = { ...realWasm, validate: () => false } as never;
    assert.equal(await createMlpKernel(config, null, { wasm: refusing }), null, "no SIMD: null");
    const csp = {
      ...realWasm,
      validate: () => true,
      compile: () => Promise.reject(new Error("CompileError: wasm-unsafe-eval")),
    } as never;
    assert.equal(await createMlpKernel(config, null, { wasm: csp }), null, "compilation refused: null");
    forward.dispose();
    kernel.dispose();
  });
});

describe("the engine's kernels inside TrainSession and networkModel", () => {
  it("TrainSession on the kernels follows the jax-js session to float32 accuracy, and the state round-trips", async () => {
    const withKernels = await jaxEngine();
    const jaxOnly = await jaxEngine({ kernels: false });
    assert.ok(
      withKernels.mlp !== undefined && jaxOnly.mlp === undefined,
      "kernels on by default, off on request",
    );
    const config = small("silu", 3);
    const optimizer = optimizerConfig({ lr: 0.01, emaDecay: 0.9, clipNorm: 1 });
    const state = initTrainState(config, optimizer, new Rng(1, 1));
    const sessions = [withKernels, jaxOnly].map((e) => new TrainSession(e, config, optimizer, state));
    for (let k = 0; k < 4; k++) {
      const batch = batch32(17, 3, k);
      const [a, b] = sessions.map((s) => s.run(batch));
      assert.ok(Math.abs(a!.loss - b!.loss) <= 1e-5 * b!.loss, `step ${k}: loss ${a!.loss} vs ${b!.loss}`);
      assert.ok(Math.abs(a!.gradNorm - b!.gradNorm) <= 1e-5 * b!.gradNorm, `step ${k}: gradient norm`);
    }
    const [ka, kb] = sessions.map((s) => s.state());
    assert.ok(relativeError(ka!.params, kb!.params) < 1e-5, "parameters after 4 steps");
    assert.ok(relativeError(ka!.ema!, kb!.ema!) < 1e-5, "EMA after 4 steps");
    assert.equal(ka!.step, 4);
    // A session resumed from the kernel state continues exactly like the original.
    const resumed = new TrainSession(withKernels, config, optimizer, ka!);
    const next = batch32(17, 3, 9);
    assert.equal(resumed.run(next).loss, sessions[0]!.run(next).loss, "resume is bit-identical");
    for (const s of [...sessions, resumed]) s.dispose();
  });

  it("networkModel's forward pass runs on the kernels and agrees with jax-js", async () => {
    const config = small("gelu", 3);
    const params = initMlpParams(config, new Rng(3, 1));
    const path = affinePath(linearSchedule());
    const [a, b] = [await jaxEngine(), await jaxEngine({ kernels: false })].map((engine) =>
      networkModel(params, config, path, "velocity", { engine, forward: "engine" }),
    );
    const xt = new Rng(4).fillNormal(new Float64Array(3 * 50));
    const shape = { batch: 50, dim: 3 };
    const [ya, yb] = [a!.predict(xt, 0.4, shape), b!.predict(xt, 0.4, shape)] as Float32Array[];
    assert.ok(ya instanceof Float32Array && ya.length === 150, "float32 rows of dim 3");
    let err = 0;
    ya.forEach((y, i) => {
      err = Math.max(err, Math.abs(y - yb![i]!));
    });
    assert.ok(err < 1e-5, `kernel vs jax-js forward: max difference ${err}`);
    a!.dispose();
    b!.dispose();
  });
});
