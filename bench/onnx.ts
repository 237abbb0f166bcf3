/**
 * difflux around an ONNX model: the committed Fashion-MNIST U-Net (models/fashion-unet/unet.onnx)
 * run by onnxruntime-node, sampled with classifier-free guidance (s = 3, one 2B-row call per step) and
 * DDIM (η = 0), against PyTorch running the same network (models/fashion-unet/weights.safetensors)
 * with the same sampler, grid, guidance and initial noise in the same run (scripts/fashion/peer.py,
 * Debian's python3-torch). Both single-threaded.
 *
 *   overhead  (sample's wall time − time inside session.run) / time inside session.run: everything
 *             difflux adds per step (float64 ↔ float32 copies, guidance, the sampler's update) plus the
 *             event-loop hops around each asynchronous run;
 *   alone     the same sampling with a stub session returning the network's last output at once:
 *             difflux's own work per step, next to the network's time per step;
 *   images/s  batch / wall time of one sampling run;
 *   agreement max |x_difflux − x_torch| over the final samples (float32 networks; values in [−1, 1]).
 * Runs alternate (difflux, PyTorch) × repeats; medians and ranges are reported.
 *
 * Run: node --import tsx bench/onnx.ts [--batch 16] [--steps 20] [--repeats 3]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import * as ortNode from "onnxruntime-node";
import { type Model, classifierFreeGuidance, ddim, sample, uniformTimeGrid } from "../src/index.js";
import { encodeNpy } from "../src/io/npy.js";
import { readNpy } from "../src/io/npyFile.js";
import { perSampleNormals } from "../src/random/rng.js";
import {
  type OnnxRuntimeLike,
  type OnnxSessionLike,
  type OnnxTensorLike,
  onnxModel,
} from "../src/onnx/index.js";
import { FASHION_DIM, fashionUnet } from "../scripts/fashion/model.js";
import { PYTHON, median } from "./peer.js";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const batch = arg("batch", 16);
const steps = arg("steps", 20);
const repeats = arg("repeats", 3);
const scale = 3;

// onnxruntime-node, one thread, with session.run timed.
const ort = ortNode as unknown as OnnxRuntimeLike;
let inRun = 0;
let lastOutput: OnnxTensorLike | undefined;
const timed: OnnxRuntimeLike = {
  Tensor: ort.Tensor,
  InferenceSession: {
    async create(source, options) {
      const s = (await ortNode.InferenceSession.create(source as string, {
        ...(options ?? {}),
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
      })) as unknown as OnnxSessionLike;
      return {
        inputNames: s.inputNames,
        outputNames: s.outputNames,
        inputMetadata: s.inputMetadata,
        outputMetadata: s.outputMetadata,
        async run(feeds) {
          const t0 = performance.now();
          const out = await s.run(feeds);
          inRun += performance.now() - t0;
          lastOutput = out.noise;
          return out;
        },
      };
    },
  },
};
const unet = await fashionUnet(timed);
const grid = uniformTimeGrid(unet.path, steps);
const labels = Int32Array.from({ length: batch }, (_, i) => i % 10);
const noise = new Float64Array(batch * FASHION_DIM);
perSampleNormals(7, 0, 0, batch, FASHION_DIM, noise);

const dir = mkdtempSync(join(tmpdir(), "difflux-bench-onnx-"));
const noisePath = join(dir, "noise.npy");
writeFileSync(noisePath, encodeNpy(noise, [batch, FASHION_DIM]));
const levels = Array.from(grid.slices, (s) => s.level!);
const job = {
  noise: noisePath,
  labels: Array.from(labels),
  scale,
  repeats: 1,
  threads: 1,
  alpha: levels.map((l) => l.alpha),
  sigma: levels.map((l) => l.sigma),
  timestep: Array.from(grid.times, (t) => Math.fround(unet.timeValue(t))),
};
writeFileSync(join(dir, "job.json"), JSON.stringify(job));

const ours: { wall: number; model: number; cpu: number }[] = [];
const theirs: { wall: number; model: number }[] = [];
/** One sampling run: guided DDIM from the shared initial noise. */
const sampleGuided = (model: Model) =>
  sample(classifierFreeGuidance(model, { scale }), {
    sampler: ddim(),
    grid,
    noise: [noise],
    dim: FASHION_DIM,
    condition: { labels },
  });
let x: Float64Array | undefined;
let torchSamples: string | undefined;
let torchVersion = "";
for (let r = 0; r < repeats + 1; r++) {
  inRun = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const result = await sampleGuided(unet);
  const used = process.cpuUsage(c0);
  const wall = performance.now() - t0;
  x = result.x;
  if (r > 0) ours.push({ wall, model: inRun, cpu: (used.user + used.system) / 1000 }); // the first run warms up
  const peer = spawnSync(
    PYTHON,
    [new URL("../scripts/fashion/peer.py", import.meta.url).pathname, join(dir, "job.json")],
    {
      encoding: "utf8",
    },
  );
  if (peer.status !== 0) {
    process.stderr.write(
      `bench/onnx: the PyTorch peer failed (${peer.stderr.trim().split("\n").pop()}); its column is left out\n`,
    );
    break;
  }
  const line = JSON.parse(peer.stdout.trim().split("\n").pop()!);
  torchSamples = line.samples;
  torchVersion = line.torch;
  if (r > 0) theirs.push({ wall: line.seconds * 1000, model: line.modelSeconds * 1000 });
}

// difflux's own work per step: the same sampling with a stub session that returns the network's
// last output instantly (a fresh copy per call, as onnxruntime allocates one).
const stubbed = onnxModel({
  ort,
  session: {
    inputNames: ["sample", "timestep", "class_labels"],
    outputNames: ["noise"],
    async run(feeds) {
      const data = (lastOutput!.data as Float32Array).slice();
      return { noise: { type: "float32", data, dims: feeds.sample!.dims } };
    },
  },
  kind: "noise",
  path: unet.path,
  sample: { name: "sample", shape: [1, 28, 28] },
  time: { name: "timestep", convention: "trainStep", numTrainSteps: 1000 },
  labels: { name: "class_labels", nullLabel: 10 },
});
const alone: number[] = [];
const aloneCpu: number[] = [];
for (let r = 0; r < 2 * repeats + 1; r++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await sampleGuided(stubbed);
  const used = process.cpuUsage(c0);
  if (r > 0) {
    alone.push((performance.now() - t0) / steps);
    aloneCpu.push((used.user + used.system) / 1000 / steps);
  }
}

const range = (xs: number[], digits: number) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
const overhead = ours.map((o) => (100 * (o.wall - o.model)) / o.model);
const perStep = ours.map((o) => (o.wall - o.model) / steps);
process.stdout.write(
  `U-Net ${batch} images × ${steps} DDIM steps, guidance s = ${scale} (${2 * batch} rows per call), one thread, ${repeats} alternating runs: median (range)\n\n`,
);
process.stdout.write(
  "| runtime | wall per run (ms) | inside the network (ms) | overhead per step (ms) | overhead / network | images/s |\n",
);
process.stdout.write("| --- | --- | --- | --- | --- | --- |\n");
process.stdout.write(
  `| difflux + onnxruntime-node ${ortNode.env.versions.node} | ${range(
    ours.map((o) => o.wall),
    0,
  )} | ${range(
    ours.map((o) => o.model),
    0,
  )} | ${range(perStep, 2)} | ${range(overhead, 2)} % | ${range(
    ours.map((o) => (1000 * batch) / o.wall),
    2,
  )} |\n`,
);
if (theirs.length > 0) {
  const torchOverhead = theirs.map((o) => (100 * (o.wall - o.model)) / o.model);
  process.stdout.write(
    `| PyTorch ${torchVersion} (same sampler) | ${range(
      theirs.map((o) => o.wall),
      0,
    )} | ${range(
      theirs.map((o) => o.model),
      0,
    )} | ${range(
      theirs.map((o) => (o.wall - o.model) / steps),
      2,
    )} | ${range(torchOverhead, 2)} % | ${range(
      theirs.map((o) => (1000 * batch) / o.wall),
      2,
    )} |\n`,
  );
  const torchX = readNpy(torchSamples!).data;
  let diff = 0;
  for (let i = 0; i < x!.length; i++) diff = Math.max(diff, Math.abs(x![i]! - torchX[i]!));
  process.stdout.write(`\nmax |x_difflux − x_torch| over the final samples: ${diff.toExponential(2)}\n`);
}
const networkPerStep = ours.map((o) => o.model / steps);
process.stdout.write(
  `\ndifflux alone (stub session returning the network's output): ${range(alone, 2)} ms per step = ${range(
    alone.map((a) => (100 * a) / median(networkPerStep)),
    2,
  )} % of the network's ${median(networkPerStep).toFixed(1)} ms per step\n`,
);
// In CPU time (robust to a busy machine): difflux's own CPU per step against the process's CPU per step
// with the real network (onnxruntime on one intra-op thread) minus difflux's.
const cpuPerStep = ours.map((o) => o.cpu / steps);
const networkCpu = median(cpuPerStep) - median(aloneCpu);
process.stdout.write(
  `in CPU time: difflux ${range(aloneCpu, 3)} ms per step, the network ${networkCpu.toFixed(1)} ms per step → ${((100 * median(aloneCpu)) / networkCpu).toFixed(2)} % overhead\n`,
);
rmSync(dir, { recursive: true, force: true });
