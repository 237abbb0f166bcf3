/**
 * Training-step benchmark: ms per Adam step of the MLP 2→W→…→W→2 (16 sinusoidal time features,
 * weighted MSE) through TrainSession on difflux's WebAssembly kernels (src/train/kernels, on 1 and 2
 * threads) and on the jax-js engine, beside PyTorch on the same machine in the same run (Debian's python3-torch via
 * /usr/bin/python3, one thread: with 2 it is slower on this machine). The sides are timed in
 * alternating blocks of steps so machine noise hits all of them; a ratio is the median over blocks of
 * (difflux block / the PyTorch block next to it).
 * Also: the cost of per-row losses and of learning adaptive weights per step (TrainSession).
 * Prints markdown tables (bench/README.md, "## Training step").
 * The kernels use fused multiply-adds (relaxed SIMD; this script turns Node 20's V8 flag on) unless
 * --no-fma; the main cases also time the unfused kernels on 2 threads as one more side.
 * Run: node --import tsx bench/train.ts [--blocks 9] [--steps 20] [--only main|scaling|overheads]
 *   [--no-jax] (skip the jax-js side) [--torch2] (also PyTorch on 2 threads, as one more side) [--no-fma]
 */
import { Rng } from "../src/random/rng.js";
import { type Engine, jaxEngine } from "../src/train/engine.js";
import { type Activation, mlpConfig } from "../src/train/mlp.js";
import { optimizerConfig } from "../src/train/optim.js";
import type { Batch } from "../src/train/loss.js";
import { adaptiveTraining, initTrainState } from "../src/train/state.js";
import { TrainSession } from "../src/train/trainer.js";
import { enableRelaxedSimd } from "../src/train/kernels/relaxedSimd.js";
import { median } from "./peer.js";
import { loadAverage, printTable, startTorch, type Timing, type TorchCase, timeBlock } from "./torchPeer.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : null;
const BLOCKS = flag("blocks", 9);
const STEPS = flag("steps", 20);
const DIM = 2;
const DEPTH = 3;
const TIME_FEATURES = 16;
const optimizer = optimizerConfig({ lr: 1e-3 });
const NO_JAX = args.includes("--no-jax");
const TORCH2 = args.includes("--torch2");
const FMA = !args.includes("--no-fma") && enableRelaxedSimd();

interface Case extends TorchCase {
  /** Also time the jax-js engine (slow at large sizes). */
  readonly jax: boolean;
}

const base = { dim: DIM, depth: DEPTH, timeFeatures: TIME_FEATURES } as const;
const MAIN: Case[] = [
  { ...base, activation: "silu", width: 256, batch: 512, jax: true },
  { ...base, activation: "relu", width: 256, batch: 512, jax: true },
];
const SCALING: Case[] = [
  { ...base, activation: "silu", width: 256, batch: 64, jax: false },
  { ...base, activation: "silu", width: 256, batch: 4096, jax: false },
  { ...base, activation: "silu", width: 64, batch: 512, jax: false },
  { ...base, activation: "silu", width: 1024, batch: 512, jax: false },
];

function batchOf(rows: number, seed: number): Batch {
  const rng = new Rng(seed);
  return {
    xt: rng.fillNormal(new Float32Array(rows * DIM)),
    t: rng.fillUniform(new Float32Array(rows)),
    target: rng.fillNormal(new Float32Array(rows * DIM)),
    weight: new Float32Array(rows).fill(1),
  };
}

const modelOf = (c: Case) =>
  mlpConfig({
    dim: DIM,
    width: c.width,
    depth: DEPTH,
    activation: c.activation as Activation,
    timeEmbedding: { dim: TIME_FEATURES },
  });

/** A side of the comparison: one training step per call. */
interface Side {
  readonly label: string;
  run(steps: number): Promise<Timing>;
  dispose(): void;
}

/** TrainSession on `engine`: the library's own training path (checks, features, step, state). */
async function sessionSide(c: Case, engine: Engine, label: string): Promise<Side> {
  const model = modelOf(c);
  const s = new TrainSession(engine, model, optimizer, initTrainState(model, optimizer, new Rng(0, 1)));
  const batch = batchOf(c.batch, 1);
  // Warm up for 2 s: worker threads start in the background, and V8 compiles the wasm functions
  // with its optimizing tier only after they have run a while.
  for (const start = performance.now(); performance.now() - start < 2000; ) {
    s.run(batch);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return {
    label,
    run: async (steps) => timeBlock(() => s.run(batch), steps),
    dispose: () => s.dispose(),
  };
}

const engines = {
  one: await jaxEngine({ threads: 1, fma: FMA }),
  two: await jaxEngine({ threads: 2, fma: FMA }),
  twoUnfused: await jaxEngine({ threads: 2, fma: false }),
  jax: await jaxEngine({ kernels: false }),
};
const fused = FMA ? ", fused multiply-adds" : "";

const torch = await startTorch();
const torch2 = TORCH2 ? await startTorch(2) : null;

/** Times every side in alternating blocks; prints one table row per side. */
async function compare(c: Case, title: string): Promise<void> {
  const work = (c.batch / 512) * (c.width / 256) ** 2;
  const steps = Math.max(2, Math.round(STEPS / Math.max(work, 0.25)));
  const sides: Side[] = [
    await sessionSide(c, engines.one, `difflux wasm kernels, 1 thread${fused}`),
    await sessionSide(c, engines.two, `difflux wasm kernels, 2 threads${fused}`),
  ];
  if (c.jax && FMA)
    sides.push(await sessionSide(c, engines.twoUnfused, "difflux wasm kernels, 2 threads, no FMA"));
  if (c.jax && !NO_JAX) sides.push(await sessionSide(c, engines.jax, "difflux jax-js engine"));
  if (torch2) {
    await torch2.step(c, 3);
    sides.push({
      label: `PyTorch ${torch2.version}, 2 threads`,
      run: (n) => torch2.step(c, n),
      dispose: () => {},
    });
  }
  const times = sides.map(() => [] as Timing[]);
  const peer: Timing[] = [];
  if (torch) await torch.step(c, 3);
  for (let b = 0; b < BLOCKS; b++) {
    for (const [i, side] of sides.entries()) times[i]!.push(await side.run(steps));
    if (torch) peer.push(await torch.step(c, steps));
  }
  for (const side of sides) side.dispose();
  console.log(
    `\n${title}: ${c.activation}, MLP ${DIM}→${c.width}×${DEPTH}→${DIM}, batch ${c.batch}, ${BLOCKS} blocks of ${steps} steps (load average ${loadAverage()})`,
  );
  console.log();
  printTable("step", sides, times, peer, torch ? `PyTorch ${torch.version}, 1 thread` : null);
}

if (only === null || only === "main") for (const c of MAIN) await compare(c, "Training step");
if (only === null || only === "scaling") for (const c of SCALING) await compare(c, "Scaling");
torch?.close();
torch2?.close();

// The cost of the per-row losses (an auxiliary output of the step's forward pass) and of learning
// adaptive weights with them (host-side weight multiply and θ update), against the default step.
if (only === null || only === "overheads") {
  const engine = engines.two;
  const model = mlpConfig({ dim: DIM, width: 256, depth: DEPTH, timeEmbedding: { dim: TIME_FEATURES } });
  const batch = batchOf(512, 1);
  const variants = [
    ["default step", {}],
    ["rowLosses: true", { rowLosses: true }],
    ["adaptive (32 bins)", { adaptive: adaptiveTraining({ bins: 32 }) }],
  ] as const;
  const sessions = variants.map(([, options]) => {
    const state = initTrainState(
      model,
      optimizer,
      new Rng(0, 1),
      "float32",
      "adaptive" in options ? options.adaptive : null,
    );
    const s = new TrainSession(engine, model, optimizer, state, "float32", options);
    for (let i = 0; i < 5; i++) s.run(batch);
    return s;
  });
  const times = variants.map(() => [] as number[]);
  for (let b = 0; b < 2 * BLOCKS; b++) {
    for (const [v, s] of sessions.entries()) times[v]!.push(timeBlock(() => s.run(batch), STEPS).wall);
  }
  for (const s of sessions) s.dispose();
  console.log();
  console.log(`### Row losses and adaptive weights: MLP ${DIM}→256×${DEPTH}→${DIM} (silu), batch 512`);
  console.log();
  console.log(
    `Median over ${2 * BLOCKS} blocks of ${STEPS} steps, the three variants in alternating blocks; the overhead is the median of the per-block differences to the default step.`,
  );
  console.log();
  console.log("| step | ms per step (fastest block) | overhead vs default (median) |");
  console.log("| --- | ---: | ---: |");
  variants.forEach(([label], v) => {
    const xs = times[v]!;
    const diff = median(xs.map((x, b) => x - times[0]![b]!));
    console.log(
      `| ${label} | ${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}) | ${v === 0 ? "—" : `${diff >= 0 ? "+" : ""}${diff.toFixed(2)} ms (${((100 * diff) / median(times[0]!)).toFixed(1)} %)`} |`,
    );
  });
}
