/**
 * Measures the committed Fashion-MNIST U-Net as difflux samples it through ONNX Runtime with
 * classifier-free guidance, and draws the report grid.
 *
 *   node --import tsx scripts/fashion/evaluate.ts [--per-class 20] [--quick]
 *
 * For each sampler × steps × guidance scale: `perClass` images of every class (the same seeds at every
 * scale), then the measuring classifier (models/fashion-unet/classifier.onnx, trained by train.py):
 *   accuracy   share of samples the classifier assigns to the requested class;
 *   Fréchet    distance between the classifier's 64 penultimate features of the samples and of as many
 *              held-out test images (Debian's dataset-fashion-mnist), next to the floor: the same
 *              distance between two disjoint held-out sets of that size.
 * Writes models/fashion-unet/quality.json and docs/images/fashion-guidance.png (class × scale grid).
 */
import * as ortNode from "onnxruntime-node";
import { renderPng } from "../../cli/plot/render.js";
import {
  type GuidanceOptions,
  classifierFreeGuidance,
  dpmSolverMultistep,
  guidanceRamp,
  sample,
  uniformTimeGrid,
} from "../../src/index.js";
import { writeFileAtomic } from "../../src/io/atomic.js";
import { readIdx } from "../../src/io/idxFile.js";
import { encodePng, toGray8 } from "../../src/io/png.js";
import { featureStatistics, frechetDistance } from "../../src/metrics/frechet.js";
import type { OnnxRuntimeLike, OnnxSessionLike } from "../../src/onnx/index.js";
import { FASHION_CLASSES, FASHION_DIM, FASHION_DIR, fashionUnet } from "./model.js";

const ort = ortNode as unknown as OnnxRuntimeLike;
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const perClassArg = args.indexOf("--per-class");
const perClass = perClassArg >= 0 ? Number(args[perClassArg + 1]) : quick ? 4 : 20;
const TEST_IMAGES = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";

const unet = await fashionUnet(ort, "unet.onnx", 256);
const classifier = (await ortNode.InferenceSession.create(
  `${FASHION_DIR}classifier.onnx`,
)) as OnnxSessionLike;

/** Classifier logits → predicted labels, and the 64 features per image. */
async function classify(images: Float64Array): Promise<{ labels: Int32Array; features: Float32Array }> {
  const n = images.length / FASHION_DIM;
  const labels = new Int32Array(n);
  const features = new Float32Array(n * 64);
  for (let start = 0; start < n; start += 500) {
    const rows = Math.min(500, n - start);
    const input = new ortNode.Tensor(
      "float32",
      Float32Array.from(images.subarray(start * FASHION_DIM, (start + rows) * FASHION_DIM)),
      [rows, 1, 28, 28],
    );
    const out = await classifier.run({ image: input as never });
    const logits = out.logits!.data as Float32Array;
    features.set(out.features!.data as Float32Array, start * 64);
    for (let i = 0; i < rows; i++) {
      let best = 0;
      for (let c = 1; c < 10; c++) if (logits[i * 10 + c]! > logits[i * 10 + best]!) best = c;
      labels[start + i] = best;
    }
  }
  return { labels, features };
}

// Held-out reference: the test split scaled to [−1, 1] as in training.
const test = readIdx(TEST_IMAGES);
const testImages = Float64Array.from(test.data, (v) => v / 127.5 - 1);
const n = 10 * perClass;
const heldOut = await classify(testImages.subarray(0, 2 * n * FASHION_DIM));
const reference = featureStatistics(heldOut.features.subarray(0, n * 64), 64);
const floor = frechetDistance(
  reference,
  featureStatistics(heldOut.features.subarray(n * 64, 2 * n * 64), 64),
);
const testLabels = readIdx(TEST_IMAGES.replace("images-idx3", "labels-idx1")).data;
let correct = 0;
for (let i = 0; i < 2 * n; i++) correct += heldOut.labels[i] === testLabels[i] ? 1 : 0;
const classifierAccuracy = correct / (2 * n);
process.stdout.write(
  `classifier accuracy on ${2 * n} held-out images: ${classifierAccuracy.toFixed(3)}; Fréchet floor (n = ${n}): ${floor.toFixed(2)}\n`,
);

const labels = Int32Array.from({ length: n }, (_, i) => Math.floor(i / perClass));
const settings = quick
  ? [{ sampler: "dpm-solver++(2M)", steps: 10 }]
  : [
      { sampler: "dpm-solver++(2M)", steps: 10 },
      { sampler: "dpm-solver++(2M)", steps: 25 },
    ];
const scales = quick ? [1, 3] : [0, 1, 2, 3, 5];
const results: Record<string, unknown>[] = [];
const gridImages = new Map<number, Float64Array>();
/** Samples every class with `options`, then scores them (one row of quality.json). */
async function measure(sampler: string, steps: number, guidance: string, options: GuidanceOptions) {
  const t0 = performance.now();
  const { x, nfe } = await sample(classifierFreeGuidance(unet, options), {
    sampler: dpmSolverMultistep({ order: 2 }),
    grid: uniformTimeGrid(unet.path, steps),
    seed: 2024,
    batch: n,
    dim: FASHION_DIM,
    condition: { labels },
  });
  const seconds = (performance.now() - t0) / 1000;
  const { labels: predicted, features } = await classify(x);
  let hits = 0;
  for (let i = 0; i < n; i++) hits += predicted[i] === labels[i] ? 1 : 0;
  const frechet = frechetDistance(featureStatistics(features, 64), reference);
  const row = { sampler, steps, nfe, guidance, accuracy: hits / n, frechet, seconds };
  results.push(row);
  process.stdout.write(`${JSON.stringify(row)}\n`);
  return x;
}

for (const { sampler, steps } of settings) {
  for (const scale of scales) {
    const x = await measure(sampler, steps, `s = ${scale}`, { scale });
    if (sampler === "dpm-solver++(2M)" && steps === (quick ? 10 : 25)) gridImages.set(scale, x);
  }
}
if (!quick) {
  // The practitioners' options at 25 steps, against s = 3 above.
  await measure(
    "dpm-solver++(2M)",
    25,
    "s = 3 inside σ̃ ∈ (0.28, 5.42] (Kynkäänniemi et al.'s EDM2 interval), 1 outside",
    {
      scale: 3,
      interval: { by: "sigma", min: 0.28, max: 5.42 },
    },
  );
  await measure("dpm-solver++(2M)", 25, "s(t) = 1 → 5 linear in t (guidanceRamp)", {
    scale: guidanceRamp({ from: 1, to: 5 }),
  });
  await measure("dpm-solver++(2M)", 25, "s = 3, rescale φ = 0.7 in v (Lin et al.)", {
    scale: 3,
    rescale: { phi: 0.7, kind: "v" },
  });
}

// The class × guidance-scale grid: 4 samples per cell (the same seeds in every column).
const shown = Math.min(4, perClass);
const gridScales = [...gridImages.keys()];
const cell = 28 * shown + 6;
const width = 120 + gridScales.length * cell;
const height = 40 + 10 * 34;
const parts: string[] = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans" font-size="12">`,
];
gridScales.forEach((s, col) => {
  const label = s === 0 ? "unconditional" : s === 1 ? "s = 1 (conditional)" : `s = ${s}`;
  parts.push(`<text x="${120 + col * cell + cell / 2}" y="24" text-anchor="middle">${label}</text>`);
});
for (let c = 0; c < 10; c++) {
  parts.push(`<text x="112" y="${40 + c * 34 + 19}" text-anchor="end">${FASHION_CLASSES[c]}</text>`);
  gridScales.forEach((s, col) => {
    const x = gridImages.get(s)!;
    const strip = new Uint8Array(28 * 28 * shown);
    for (let k = 0; k < shown; k++) {
      const img = toGray8(x.subarray((c * perClass + k) * FASHION_DIM, (c * perClass + k + 1) * FASHION_DIM));
      for (let r = 0; r < 28; r++) strip.set(img.subarray(r * 28, (r + 1) * 28), r * 28 * shown + k * 28);
    }
    const png = Buffer.from(encodePng(strip, 28 * shown, 28)).toString("base64");
    parts.push(
      `<image x="${120 + col * cell + 3}" y="${40 + c * 34}" width="${28 * shown}" height="28" image-rendering="optimizeSpeed" href="data:image/png;base64,${png}"/>`,
    );
  });
}
parts.push("</svg>");
const reportPath = new URL("../../docs/images/fashion-guidance.png", import.meta.url).pathname;
writeFileAtomic(reportPath, renderPng(parts.join(""), 2));

const quality = {
  note: "difflux sampling models/fashion-unet/unet.onnx through onnxruntime-node with classifier-free guidance; measured by classifier.onnx",
  perClass,
  classifierAccuracyOnHeldOut: classifierAccuracy,
  frechetFloor: floor,
  results,
};
if (!quick) writeFileAtomic(`${FASHION_DIR}quality.json`, `${JSON.stringify(quality, null, 1)}\n`);
process.stdout.write(`wrote ${reportPath}${quick ? "" : ` and ${FASHION_DIR}quality.json`}\n`);
