/**
 * The committed Fashion-MNIST U-Net (models/fashion-unet/, trained by scripts/fashion/train.py) as a
 * difflux Model through onnxruntime-node: it computes what PyTorch computed on the stored inputs, every
 * sampler runs on it guided and unguided, and guidance scale 1 is plain conditional sampling.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import * as ortNode from "onnxruntime-node";
import {
  annealedLangevin,
  classifierFreeGuidance,
  ddim,
  ddpm,
  deis,
  dopri,
  dpm2,
  dpmSolverMultistep,
  dpmSolverSinglestep,
  edmStochastic,
  euler,
  eulerAncestral,
  eulerMaruyama,
  heun,
  lms,
  midpoint,
  pndm,
  predict,
  predictorCorrector,
  rk4,
  sample,
  type Sampler,
  type SamplerState,
  uniformTimeGrid,
  unipc,
} from "../../src/index.js";
import { decodeSafetensors } from "../../src/io/safetensors.js";
import type { OnnxRuntimeLike } from "../../src/onnx/index.js";
import { FASHION_DIM, FASHION_DIR, fashionUnet } from "../../scripts/fashion/model.js";

const ort = ortNode as unknown as OnnxRuntimeLike;
const reference = decodeSafetensors(readFileSync(`${FASHION_DIR}reference.safetensors`)).tensors;
const unet = await fashionUnet(ort);

/** Canonical time t whose diffusers timestep is k: t = 1 − (k + 1)/1000. */
const timeOfStep = (k: number) => 1 - (k + 1) / 1000;

describe("the ONNX export computes PyTorch's outputs", () => {
  const steps = Array.from(reference.timestep!.data);
  const labels = Int32Array.from(reference.class_labels!.data, (v) => (v === 10 ? -1 : v));
  const x = Float64Array.from(reference.sample!.data);
  const torch = reference.noise!.data;

  for (const [file, tolerance] of [
    ["unet.onnx", 1e-4],
    ["unet-fp16.onnx", 0.05],
  ] as const) {
    it(`${file} through onnxModel equals PyTorch's ε on the stored inputs (|Δ| ≤ ${tolerance})`, async () => {
      const model = file === "unet.onnx" ? unet : await fashionUnet(ort, file);
      for (const [row, k] of steps.entries()) {
        const t = timeOfStep(k);
        assert.ok(
          Math.abs(model.timeValue(t) - k) < 1e-9,
          `timestep of t = ${t}: ${model.timeValue(t)} vs ${k}`,
        );
        const xi = x.subarray(row * FASHION_DIM, (row + 1) * FASHION_DIM);
        const out = await predict(
          model,
          xi,
          t,
          { batch: 1, dim: FASHION_DIM },
          { labels: labels.subarray(row, row + 1) },
        );
        let worst = 0;
        for (let j = 0; j < FASHION_DIM; j++)
          worst = Math.max(worst, Math.abs(out[j]! - torch[row * FASHION_DIM + j]!));
        assert.ok(worst <= tolerance, `row ${row} (k = ${k}, label ${labels[row]}): max |Δ| = ${worst}`);
      }
    });
  }

  it("rows do not depend on the batch they are evaluated in", async () => {
    const t = timeOfStep(400);
    const cond = { labels: Int32Array.of(0, 3, 9, -1) };
    const all = await predict(unet, x, t, { batch: 4, dim: FASHION_DIM }, cond);
    const one = await predict(
      unet,
      x.subarray(2 * FASHION_DIM, 3 * FASHION_DIM),
      t,
      { batch: 1, dim: FASHION_DIM },
      { labels: Int32Array.of(9) },
    );
    let worst = 0;
    for (let j = 0; j < FASHION_DIM; j++)
      worst = Math.max(worst, Math.abs(one[j]! - all[2 * FASHION_DIM + j]!));
    assert.ok(worst < 1e-5, `max |Δ| = ${worst}`);
  });
});

type AnySampler = Sampler<SamplerState>;
const any = (s: unknown) => s as AnySampler;
const SAMPLERS: readonly [string, AnySampler][] = [
  ["euler", euler()],
  ["euler (σ̃)", euler({ variable: "sigma" })],
  ["heun", heun()],
  ["midpoint", midpoint()],
  ["dpm2", dpm2()],
  ["rk4", rk4()],
  ["dopri", any(dopri({ rtol: 1e-1, atol: 1e-1 }))],
  ["lms", any(lms({ order: 3 }))],
  ["deis", any(deis({ order: 2 }))],
  ["ddim", ddim()],
  ["ddpm", any(ddpm())],
  ["pndm", any(pndm())],
  ["dpm-solver++ 2M", any(dpmSolverMultistep())],
  ["dpm-solver++ 2S", any(dpmSolverSinglestep())],
  ["unipc", any(unipc())],
  ["euler ancestral", eulerAncestral()],
  ["euler–maruyama", eulerMaruyama()],
  ["edm stochastic", any(edmStochastic({ sChurn: 10 }))],
  ["predictor–corrector", any(predictorCorrector())],
  ["annealed langevin", any(annealedLangevin({ steps: 2 }))],
];

describe("every sampler runs on the ONNX U-Net, guided and unguided", () => {
  const condition = { labels: Int32Array.of(1, 7) };
  const guided = classifierFreeGuidance(unet, { scale: 3 });
  for (const [name, sampler] of SAMPLERS) {
    it(`${name}: guided (s = 3) and plain conditional samples are finite images`, async () => {
      const grid = uniformTimeGrid(unet.path, 4);
      for (const model of [guided, unet]) {
        const { x, nfe } = await sample(model, {
          sampler,
          grid,
          seed: 5,
          batch: 2,
          dim: FASHION_DIM,
          condition,
        });
        assert.ok(nfe >= 1, `${name}: ${nfe} model calls`);
        assert.ok(
          x.every((v) => Number.isFinite(v) && Math.abs(v) < 50),
          `${name}: samples are finite and bounded`,
        );
      }
    });
  }
});

describe("guidance scale 1 is plain conditional sampling", () => {
  it("sampling the guided model at s = 1 equals sampling the conditional model", async () => {
    const condition = { labels: Int32Array.of(0, 5, 8) };
    const options = {
      sampler: dpmSolverMultistep(),
      grid: uniformTimeGrid(unet.path, 5),
      seed: 11,
      batch: 3,
      dim: FASHION_DIM,
      condition,
    };
    const guided = await sample(classifierFreeGuidance(unet, { scale: 1 }), options);
    const plain = await sample(unet, options);
    assert.deepEqual(guided.x, plain.x);
  });

  it("the combination u + 1·(c − u) from one 2B-row call is the conditional prediction", async () => {
    const x = Float64Array.from(reference.sample!.data.subarray(0, 2 * FASHION_DIM));
    const t = timeOfStep(300);
    const both = await predict(
      unet,
      Float64Array.from([...x, ...x]),
      t,
      { batch: 4, dim: FASHION_DIM },
      { labels: Int32Array.of(2, 6, -1, -1) },
    );
    const c = await predict(unet, x, t, { batch: 2, dim: FASHION_DIM }, { labels: Int32Array.of(2, 6) });
    const n = 2 * FASHION_DIM;
    let worst = 0;
    for (let i = 0; i < n; i++)
      worst = Math.max(worst, Math.abs(both[n + i]! + (both[i]! - both[n + i]!) - c[i]!));
    assert.ok(worst < 1e-5, `max |Δ| = ${worst}`);
  });
});
