/**
 * onnxModel on the closed-form fixture models of test/fixtures/onnx/make_onnx.py, run by
 * onnxruntime-node (and once by onnxruntime-web's wasm backend, the browser runtime, in Node).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as ortNode from "onnxruntime-node";
import {
  affinePath,
  cosineSchedule,
  discreteSchedule,
  edmSchedule,
  linearSchedule,
  logSnr,
  logSnrToSigma,
  predict,
  sample,
  timeToTrainStep,
  uniformTimeGrid,
  euler,
} from "../../src/index.js";
import { numberToFloat16Bits, float16BitsToNumber } from "../../src/io/float16.js";
import {
  type OnnxRuntimeLike,
  type OnnxSessionLike,
  loadOnnxModel,
  onnxModel,
} from "../../src/onnx/index.js";

const DIR = new URL("../fixtures/onnx/", import.meta.url).pathname;
const ort = ortNode as unknown as OnnxRuntimeLike;
const session = (name: string) =>
  ortNode.InferenceSession.create(`${DIR}${name}`) as Promise<OnnxSessionLike>;
const flow = affinePath(linearSchedule());

/** 0.5·x + τ + label, row by row (the fixtures' closed form). */
function affineReference(x: ArrayLike<number>, tau: number, labels: readonly number[]): number[] {
  return Array.from(x, (v, i) => 0.5 * v + tau + labels[Math.floor(i / 2)]!);
}

describe("onnxModel feeds the session in the model's conventions", () => {
  it("each time convention feeds the adapter's value of canonical t", async () => {
    const s = await session("affine.onnx");
    const x = Float64Array.of(1, -2, 0.25, 4);
    const t = 0.3;
    const vp = affinePath(cosineSchedule());
    const level = vp.slice(t).level!;
    const cases = [
      [{ name: "timestep", convention: "time" } as const, t, flow],
      [{ name: "timestep", convention: "diffusionTime" } as const, 0.7, flow],
      [
        { name: "timestep", convention: "trainStep", numTrainSteps: 1000 } as const,
        timeToTrainStep(t, 1000),
        flow,
      ],
      [{ name: "timestep", convention: "sigma" } as const, level.sigma / level.alpha, vp],
      [
        { name: "timestep", convention: "logSnr" } as const,
        Math.log(level.alpha ** 2 / level.sigma ** 2),
        vp,
      ],
      [
        { name: "timestep", convention: "sigma", scale: 1000 } as const,
        (1000 * level.sigma) / level.alpha,
        vp,
      ],
      [{ name: "timestep", convention: "custom", map: (u: number) => u * u } as const, t * t, flow],
    ] as const;
    for (const [time, tau, path] of cases) {
      const model = onnxModel({
        ort,
        session: s,
        kind: "noise",
        path,
        time,
        labels: { name: "class_labels" },
      });
      assert.ok(
        Math.abs(model.timeValue(t) - tau) < 1e-12,
        `${time.convention}: τ = ${model.timeValue(t)} vs ${tau}`,
      );
      const out = await predict(model, x, t, { batch: 2, dim: 2 }, { labels: Int32Array.of(3, 0) });
      const want = affineReference(x, Math.fround(tau), [3, 0]);
      for (let i = 0; i < 4; i++) {
        assert.ok(
          Math.abs(out[i]! - want[i]!) <= 1e-6 * (1 + Math.abs(want[i]!)),
          `${time.convention} [${i}]: ${out[i]} vs ${want[i]}`,
        );
      }
    }
    // σ̃ and λ through the library's adapters agree: σ̃ = exp(−λ/2).
    const bySigma = onnxModel({
      ort,
      session: s,
      kind: "noise",
      path: vp,
      time: { name: "timestep", convention: "sigma" },
      labels: { name: "class_labels" },
    });
    const byLogSnr = onnxModel({
      ort,
      session: s,
      kind: "noise",
      path: vp,
      time: { name: "timestep", convention: "logSnr" },
      labels: { name: "class_labels" },
    });
    assert.ok(
      Math.abs(bySigma.timeValue(t) - logSnrToSigma(logSnr(byLogSnr.timeValue(t)))) < 1e-12,
      "σ̃ = exp(−λ/2)",
    );
  });

  it("label −1 becomes the model's null label, and no conditioning feeds it on every row", async () => {
    const model = onnxModel({
      ort,
      session: await session("affine.onnx"),
      kind: "data",
      path: flow,
      time: { name: "timestep", convention: "time" },
      labels: { name: "class_labels", nullLabel: 10 },
    });
    const x = new Float64Array(6);
    assert.deepEqual(
      Array.from(await predict(model, x, 0.5, { batch: 3, dim: 2 }, { labels: Int32Array.of(-1, 2, -1) })),
      [10.5, 10.5, 2.5, 2.5, 10.5, 10.5],
    );
    assert.deepEqual(Array.from(await predict(model, x, 0.5, { batch: 3, dim: 2 })), Array(6).fill(10.5));
  });

  it("float16 inputs are rounded to nearest even and float16 outputs widened exactly", async () => {
    const model = onnxModel({
      ort,
      session: await session("affine-fp16.onnx"),
      kind: "velocity",
      path: flow,
      time: { name: "timestep", convention: "trainStep", numTrainSteps: 1000 },
      labels: { name: "class_labels" },
    });
    assert.equal(model.sampleType, "float16");
    const x = Float64Array.of(0.1, 1000.3, -3.25, 2 ** -20);
    const t = 0.6543;
    const h = (v: number) => float16BitsToNumber(numberToFloat16Bits(v));
    const tau = h(timeToTrainStep(t, 1000));
    const out = await predict(model, x, t, { batch: 2, dim: 2 }, { labels: Int32Array.of(1, 2) });
    // Each operation rounds to float16: ((0.5·h(x)) + τ) + label.
    const want = Array.from(x, (v, i) => h(h(h(0.5 * h(v)) + tau) + [1, 2][Math.floor(i / 2)]!));
    assert.deepEqual(Array.from(out), want);
  });

  it("a fixed-batch model runs in padded chunks, and results do not depend on the batch size", async () => {
    const model = onnxModel({
      ort,
      session: await session("fixed-batch.onnx"),
      kind: "noise",
      path: flow,
      time: { name: "timestep", convention: "time" },
      labels: { name: "class_labels" },
    });
    const x = Float64Array.from({ length: 14 }, (_, i) => i - 3);
    const labels = Int32Array.from({ length: 7 }, (_, i) => i % 3);
    const all = await predict(model, x, 0.25, { batch: 7, dim: 2 }, { labels });
    assert.deepEqual(Array.from(all), affineReference(x, 0.25, Array.from(labels)));
    const one = await predict(
      model,
      x.subarray(4, 6),
      0.25,
      { batch: 1, dim: 2 },
      { labels: labels.subarray(2, 3) },
    );
    assert.deepEqual(Array.from(one), Array.from(all.subarray(4, 6)));
    assert.throws(
      () =>
        onnxModel({
          ort,
          session: model as never,
          kind: "noise",
          path: flow,
          time: { name: "t", convention: "time" },
        }),
      /options.session must be an onnxruntime InferenceSession/,
    );
  });

  it("maxBatch splits a dynamic-batch run into chunks with the same results", async () => {
    const s = await session("affine.onnx");
    let runs = 0;
    const counted: OnnxSessionLike = {
      ...s,
      inputNames: s.inputNames,
      outputNames: s.outputNames,
      inputMetadata: s.inputMetadata,
      outputMetadata: s.outputMetadata,
      run: (feeds) => {
        runs++;
        return s.run(feeds);
      },
    };
    const options = {
      ort,
      kind: "noise",
      path: flow,
      time: { name: "timestep", convention: "time" },
      labels: { name: "class_labels" },
    } as const;
    const x = Float64Array.from({ length: 10 }, (_, i) => i / 3);
    const labels = Int32Array.of(0, 1, 2, 3, 4);
    const whole = await predict(
      onnxModel({ ...options, session: counted }),
      x,
      0.4,
      { batch: 5, dim: 2 },
      { labels },
    );
    assert.equal(runs, 1);
    const chunked = await predict(
      onnxModel({ ...options, session: counted, maxBatch: 2 }),
      x,
      0.4,
      { batch: 5, dim: 2 },
      { labels },
    );
    assert.equal(runs, 4, "5 rows in chunks of 2 are 3 runs");
    assert.deepEqual(chunked, whole);
  });

  it("embedding conditioning is fed with the model's per-row shape", async () => {
    const model = onnxModel({
      ort,
      session: await session("embedding.onnx"),
      kind: "score",
      path: flow,
      time: { name: "t", convention: "time" },
      embedding: { name: "embedding" },
    });
    const embedding = Float32Array.from({ length: 12 }, (_, i) => i);
    const out = await predict(model, Float64Array.of(1, 2, 3, 4), 0.5, { batch: 2, dim: 2 }, { embedding });
    // Row sums 0+…+5 = 15 and 6+…+11 = 51, plus t = 0.5.
    assert.deepEqual(Array.from(out), [16.5, 17.5, 54.5, 55.5]);
    await assert.rejects(
      async () =>
        predict(model, new Float64Array(4), 0.5, { batch: 2, dim: 2 }, { embedding: new Float32Array(8) }),
      /cond.embedding has 4 values per row but the model takes \[2, 3\]/,
    );
  });

  it("samplers run on an ONNX model with a condition", async () => {
    const model = onnxModel({
      ort,
      session: await session("affine.onnx"),
      kind: "velocity",
      path: flow,
      time: { name: "timestep", convention: "time" },
      labels: { name: "class_labels" },
    });
    const { x, nfe } = await sample(model, {
      sampler: euler(),
      grid: uniformTimeGrid(flow, 4),
      seed: 0,
      batch: 3,
      dim: 2,
      condition: { labels: Int32Array.of(0, 1, 2) },
    });
    assert.equal(nfe, 4);
    assert.ok(x.every(Number.isFinite), "finite samples");
  });

  it("the browser runtime (onnxruntime-web, wasm) gives the same predictions as onnxruntime-node", async () => {
    const web = (await import("onnxruntime-web")) as unknown as OnnxRuntimeLike & {
      env: { wasm: { numThreads: number } };
    };
    web.env.wasm.numThreads = 1;
    const options = {
      kind: "noise",
      path: affinePath(discreteSchedule({ betaSchedule: "linear" })),
      time: { name: "timestep", convention: "trainStep", numTrainSteps: 1000 },
      labels: { name: "class_labels", nullLabel: 10 },
    } as const;
    const inWeb = await loadOnnxModel(`${DIR}affine.onnx`, { ...options, ort: web });
    const inNode = await loadOnnxModel(`${DIR}affine.onnx`, { ...options, ort });
    const x = Float64Array.of(0.5, -1, 2, 3);
    const cond = { labels: Int32Array.of(-1, 4) };
    assert.deepEqual(
      await predict(inWeb, x, 0.8, { batch: 2, dim: 2 }, cond),
      await predict(inNode, x, 0.8, { batch: 2, dim: 2 }, cond),
    );
  });
});

describe("onnxModel errors name the option and the fix", () => {
  it("refuses unknown inputs, unfed inputs, wrong shapes and missing conventions", async () => {
    const s = await session("affine.onnx");
    const base = { ort, session: s, kind: "noise", path: flow, labels: { name: "class_labels" } } as const;
    assert.throws(
      () => onnxModel({ ...base, time: { name: "sigma", convention: "time" } }),
      /onnxModel: options.time.name "sigma" is not an input of the model \(inputs: sample, timestep, class_labels\)/,
    );
    assert.throws(
      () => onnxModel({ ...base, labels: undefined, time: { name: "timestep", convention: "time" } }),
      /the model's input\(s\) class_labels are not fed; name them in options.time \/ labels \/ embedding \/ constants/,
    );
    assert.throws(
      () => onnxModel({ ...base, time: { name: "timestep", convention: "trainStep" } as never }),
      /timeToTrainStep: numTrainSteps must be a positive integer/,
    );
    assert.throws(
      () =>
        onnxModel({
          ...base,
          time: { name: "timestep", convention: "sigma" },
          path: affinePath(edmSchedule()),
          output: "noise",
        }),
      /options.output "noise" is not an output of the model \(outputs: out\)/,
    );
    assert.throws(
      () => onnxModel({ ...base, time: { name: "timestep", convention: "time" }, sample: { shape: [3] } }),
      /options.sample.shape is \[3\] but the model declares \[2\] per row/,
    );
    assert.throws(
      () => onnxModel({ ...base, kind: "drift", time: { name: "timestep", convention: "time" } }),
      /a drift model needs options.g2/,
    );
    const model = onnxModel({ ...base, time: { name: "timestep", convention: "time" } });
    await assert.rejects(
      async () => predict(model, new Float64Array(3), 0.5, { batch: 1, dim: 3 }),
      /onnxModel.predict: dim = 3 but the model's sample is \[2\] per row/,
    );
    await assert.rejects(
      async () =>
        predict(model, new Float64Array(2), 0.5, { batch: 1, dim: 2 }, { embedding: Float32Array.of(1) }),
      /the condition has an embedding but options.embedding names no input for it/,
    );
    await assert.rejects(
      async () =>
        loadOnnxModel(`${DIR}affine.onnx`, {
          ...base,
          ort: {} as OnnxRuntimeLike,
          time: { name: "timestep", convention: "time" },
        }),
      /loadOnnxModel: options.ort must be the onnxruntime module/,
    );
  });

  it("the real onnxruntime-node module and session satisfy difflux's structural types", async () => {
    const typed: OnnxRuntimeLike = ortNode;
    const s: OnnxSessionLike = await ortNode.InferenceSession.create(`${DIR}affine.onnx`);
    assert.equal(typeof typed.Tensor, "function");
    assert.deepEqual(s.inputNames, ["sample", "timestep", "class_labels"]);
  });
});
