/**
 * Forward-pass benchmark: ms per forward pass of the trained-network MLP 2→256×3→2 (silu, 16
 * sinusoidal time features; float32) on a batch, the time features included, for difflux's
 * WebAssembly kernels (src/train/kernels, 1 and 2 threads) and the jax-js engine, beside PyTorch's
 * inference (`torch.no_grad()`, one thread, OpenBLAS) in the same run. Alternating blocks; a ratio is
 * the median over blocks of (difflux block / the PyTorch block next to it).
 * Prints markdown tables (bench/README.md, "## Forward pass").
 * Run: node --import tsx bench/forward.ts [--blocks 9] [--calls 20]
 */
import { Rng } from "../src/random/rng.js";
import { type CompiledFn, type DeviceTensor, jaxEngine } from "../src/train/engine.js";
import { createMlpKernel } from "../src/train/kernels/kernel.js";
import { featureWidth, initMlpParams, mlpConfig, mlpFeatures, mlpForward } from "../src/train/mlp.js";
import type { DiffOps } from "../src/train/tensor.js";
import { median } from "./peer.js";
import { startTorch, type TorchCase } from "./torchPeer.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const BLOCKS = flag("blocks", 9);
const CALLS = flag("calls", 20);
const DIM = 2;
const WIDTH = 256;
const DEPTH = 3;
const TIME_FEATURES = 16;
const BATCHES = [64, 512, 1024, 4096];

const model = mlpConfig({ dim: DIM, width: WIDTH, depth: DEPTH, timeEmbedding: { dim: TIME_FEATURES } });
const params = initMlpParams(model, new Rng(0, 1));

interface Side {
  readonly label: string;
  /** ms per forward pass over `calls` passes on `batch` rows. */
  run(batch: number, calls: number): Promise<number>;
  dispose(): void;
}

const inputs = (batch: number) => {
  const rng = new Rng(batch);
  return { xt: rng.fillNormal(new Float32Array(batch * DIM)), t: rng.uniform() };
};

const msPer = (fn: () => void, calls: number) => {
  const start = performance.now();
  for (let i = 0; i < calls; i++) fn();
  return (performance.now() - start) / calls;
};

async function kernelSide(threads: number): Promise<Side> {
  const kernel = await createMlpKernel(model, null, { threads, rows: Math.max(...BATCHES) / 2 });
  if (kernel === null) throw new Error("bench/forward: WebAssembly SIMD is unavailable");
  kernel.setState({ params });
  await kernel.ready();
  return {
    label: `difflux wasm kernels, ${kernel.threadCount} thread${kernel.threadCount > 1 ? "s" : ""}`,
    async run(batch, calls) {
      const { xt, t } = inputs(batch);
      kernel.forward(xt, t, batch);
      return msPer(() => kernel.forward(xt, t, batch), calls);
    },
    dispose: () => kernel.dispose(),
  };
}

async function jaxSide(): Promise<Side> {
  const engine = await jaxEngine();
  const device = params.map((p) => engine.upload(p));
  const forward: CompiledFn = engine.compile(<T>(o: DiffOps<T>, [p, [f]]: T[][]) => [
    [mlpForward(o, model, p!, f!)],
  ]);
  const width = featureWidth(model);
  const once = (xt: Float32Array, t: number, batch: number) => {
    const features = mlpFeatures(model, xt, t, { batch, dim: DIM }, new Float32Array(batch * width));
    const input = engine.upload({ shape: [batch, width], data: features });
    const [[out]] = forward([device, [input]]) as [[DeviceTensor]];
    input.dispose();
    engine.download(out);
    out.dispose();
  };
  return {
    label: "difflux jax-js engine",
    async run(batch, calls) {
      const { xt, t } = inputs(batch);
      once(xt, t, batch);
      return msPer(() => once(xt, t, batch), calls);
    },
    dispose: () => {
      for (const d of device) d.dispose();
      forward.dispose();
    },
  };
}

const torch = await startTorch();
const sides = [await kernelSide(1), await kernelSide(2), await jaxSide()];
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const spread = (xs: number[]) => `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
console.log(
  `### Forward pass: MLP ${DIM}→${WIDTH}×${DEPTH}→${DIM} (silu), float32, time features included; ${BLOCKS} alternating blocks`,
);
console.log();
console.log(
  `| batch | ${sides.map((s) => `${s.label}, ms (range)`).join(" | ")} | ${torch ? `PyTorch ${torch.version} no_grad, 1 thread, ms (range)` : "PyTorch (not found)"} | ${sides.map((s) => `${s.label} / PyTorch`).join(" | ")} |`,
);
console.log(
  `| ---: | ${sides.map(() => "---:").join(" | ")} | ---: | ${sides.map(() => "---:").join(" | ")} |`,
);
for (const batch of BATCHES) {
  const calls = Math.max(2, Math.round((CALLS * 512) / batch));
  const c: TorchCase = {
    activation: "silu",
    width: WIDTH,
    depth: DEPTH,
    batch,
    dim: DIM,
    timeFeatures: TIME_FEATURES,
  };
  const times = sides.map(() => [] as number[]);
  const peer: number[] = [];
  if (torch) await torch.forward(c, 3);
  for (let b = 0; b < BLOCKS; b++) {
    for (const [i, side] of sides.entries()) times[i]!.push(await side.run(batch, calls));
    if (torch) peer.push(await torch.forward(c, calls));
  }
  const ratios = times.map((ts) => {
    if (!torch) return "—";
    const r = ts.map((x, b) => x / peer[b]!);
    return `${median(r).toFixed(2)}× (${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)})`;
  });
  console.log(
    `| ${batch} | ${times.map(spread).join(" | ")} | ${torch ? spread(peer) : "—"} | ${ratios.join(" | ")} |`,
  );
}
for (const s of sides) s.dispose();
torch?.close();
