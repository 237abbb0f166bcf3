/**
 * Forward-pass benchmark: ms per forward pass of the trained-network MLP 2→256×3→2 (silu, 16
 * sinusoidal time features; float32) on a batch, the time features included: networkModel(…).predict
 * on difflux's WebAssembly kernels (src/train/kernels, 1 and 2 threads) and on the jax-js engine, beside PyTorch's
 * inference (`torch.no_grad()`, one thread, OpenBLAS) in the same run. Alternating blocks; a ratio is
 * the median over blocks of (difflux block / the PyTorch block next to it).
 * Prints markdown tables (bench/README.md, "## Forward pass").
 * Run: node --import tsx bench/forward.ts [--blocks 9] [--calls 20] [--no-jax] [--torch2] [--batches 512,4096]
 *   [--no-fma] (--no-jax skips the jax-js side; --torch2 adds PyTorch on 2 threads as one more side;
 *   the kernels use fused multiply-adds, with Node 20's V8 flag turned on here, unless --no-fma, and
 *   then the unfused kernels on 2 threads are one more side)
 */
import { Rng } from "../src/random/rng.js";
import { affinePath } from "../src/path/affine.js";
import { linearSchedule } from "../src/schedule/linear.js";
import { type Engine, jaxEngine } from "../src/train/engine.js";
import { initMlpParams, mlpConfig } from "../src/train/mlp.js";
import { networkModel } from "../src/train/network.js";
import { enableRelaxedSimd } from "../src/train/kernels/relaxedSimd.js";
import { loadAverage, printTable, startTorch, type Timing, type TorchCase, timeBlock } from "./torchPeer.js";

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
const BATCHES = args.includes("--batches")
  ? args[args.indexOf("--batches") + 1]!.split(",").map(Number)
  : [64, 512, 1024, 4096];

const model = mlpConfig({ dim: DIM, width: WIDTH, depth: DEPTH, timeEmbedding: { dim: TIME_FEATURES } });
const params = initMlpParams(model, new Rng(0, 1));

interface Side {
  readonly label: string;
  /** ms per forward pass over `calls` passes on `batch` rows. */
  run(batch: number, calls: number): Promise<Timing>;
  dispose(): void;
}

const inputs = (batch: number) => {
  const rng = new Rng(batch);
  return { xt: rng.fillNormal(new Float64Array(batch * DIM)), t: rng.uniform() };
};

/** networkModel(…).predict on `engine` (forward: "engine"): the library's own sampling path. */
async function modelSide(engine: Engine, label: string): Promise<Side> {
  const path = affinePath(linearSchedule());
  const net = networkModel(params, model, path, "velocity", { engine, forward: "engine" });
  const shape = (batch: number) => ({ batch, dim: DIM });
  // Warm up for 2 s: worker threads start in the background, and V8 compiles the wasm functions
  // with its optimizing tier only after they have run a while.
  const warm = inputs(512);
  for (const start = performance.now(); performance.now() - start < 2000; ) {
    net.predict(warm.xt, warm.t, shape(512));
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return {
    label,
    async run(batch, calls) {
      const { xt, t } = inputs(batch);
      net.predict(xt, t, shape(batch));
      return timeBlock(() => net.predict(xt, t, shape(batch)), calls);
    },
    dispose: () => net.dispose(),
  };
}

const torch = await startTorch();
const torch2 = args.includes("--torch2") ? await startTorch(2) : null;
const FMA = !args.includes("--no-fma") && enableRelaxedSimd();
const fused = FMA ? ", fused multiply-adds" : "";
const sides = [
  await modelSide(await jaxEngine({ threads: 1, fma: FMA }), `difflux wasm kernels, 1 thread${fused}`),
  await modelSide(await jaxEngine({ threads: 2, fma: FMA }), `difflux wasm kernels, 2 threads${fused}`),
];
if (FMA)
  sides.push(
    await modelSide(await jaxEngine({ threads: 2, fma: false }), "difflux wasm kernels, 2 threads, no FMA"),
  );
if (!args.includes("--no-jax"))
  sides.push(await modelSide(await jaxEngine({ kernels: false }), "difflux jax-js engine"));
console.log(
  `### Forward pass: MLP ${DIM}→${WIDTH}×${DEPTH}→${DIM} (silu), float32, time features included; ${BLOCKS} alternating blocks (load average ${loadAverage()})`,
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
  const all: Side[] = [...sides];
  if (torch2) {
    await torch2.forward(c, 3);
    all.push({
      label: `PyTorch ${torch2.version} no_grad, 2 threads`,
      run: (_, n) => torch2.forward(c, n),
      dispose: () => {},
    });
  }
  const times = all.map(() => [] as Timing[]);
  const peer: Timing[] = [];
  if (torch) await torch.forward(c, 3);
  for (let b = 0; b < BLOCKS; b++) {
    for (const [i, side] of all.entries()) times[i]!.push(await side.run(batch, calls));
    if (torch) peer.push(await torch.forward(c, calls));
  }
  console.log();
  console.log(`Batch ${batch}, blocks of ${calls} calls (load average ${loadAverage()})`);
  console.log();
  printTable("call", all, times, peer, torch ? `PyTorch ${torch.version} no_grad, 1 thread` : null);
}
for (const s of sides) s.dispose();
torch?.close();
torch2?.close();
