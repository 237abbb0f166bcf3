/**
 * Training-step benchmark (issue 5): ms per Adam step for the MLP 2→256→256→256→2 (16 sinusoidal
 * time features, batch 512, weighted MSE) on difflux's engine (jax-js wasm, jit), beside PyTorch on
 * the same machine in the same run (Debian's python3-torch via /usr/bin/python3,
 * torch.set_num_threads(1)); the two are measured in alternating blocks so machine noise hits both.
 * Also: the forward pass of `networkModel` on the host (plain TS, float32) and on the engine, by batch
 * size, and the cost of the per-row losses (`rowLosses`) and of learning adaptive weights per step.
 * Prints markdown tables (bench/README.md, "## Training step").
 * Run: node --import tsx bench/train.ts [--blocks 5] [--steps 20]
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import type { GaussianPath } from "../src/path/path.js";
import { Rng } from "../src/random/rng.js";
import { jaxEngine } from "../src/train/engine.js";
import { type Activation, initMlpParams, mlpConfig } from "../src/train/mlp.js";
import { optimizerConfig } from "../src/train/optim.js";
import type { Batch } from "../src/train/loss.js";
import { networkModel } from "../src/train/network.js";
import { adaptiveTraining, initTrainState } from "../src/train/state.js";
import { TrainSession } from "../src/train/trainer.js";
import { median, PYTHON } from "./peer.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const BLOCKS = flag("blocks", 5);
const STEPS = flag("steps", 20);
const BATCH = 512;
const DIM = 2;
const WIDTH = 256;
const DEPTH = 3;
const TIME_FEATURES = 16;

/** The same network, loss and optimizer in PyTorch; reads "activation steps" lines, prints ms/step. */
const TORCH_SCRIPT = `
import sys, time, torch
torch.set_num_threads(1)
torch.manual_seed(0)
B, D, E, W, DEPTH = ${BATCH}, ${DIM}, ${TIME_FEATURES}, ${WIDTH}, ${DEPTH}
half = E // 2
freqs = 1000.0 * 10000.0 ** (-torch.arange(half, dtype=torch.float32) / half)
acts = {"silu": torch.nn.SiLU, "relu": torch.nn.ReLU, "gelu": lambda: torch.nn.GELU(approximate="tanh"), "tanh": torch.nn.Tanh}
class Net(torch.nn.Module):
    def __init__(self, act):
        super().__init__()
        sizes = [D + E] + [W] * DEPTH
        layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [torch.nn.Linear(a, b), acts[act]()]
        self.layers = torch.nn.Sequential(*layers, torch.nn.Linear(W, D))
    def forward(self, x, t):
        a = t[:, None] * freqs[None, :]
        return self.layers(torch.cat([x, a.sin(), a.cos()], 1))
x, t, y, w = torch.randn(B, D), torch.rand(B), torch.randn(B, D), torch.ones(B)
models = {}
def step(net, opt):
    opt.zero_grad(set_to_none=True)
    r = net(x, t) - y
    loss = (w * (r * r).sum(1)).sum() / (B * D)
    loss.backward()
    opt.step()
    return loss.item()
print("ready " + torch.__version__, flush=True)
for line in sys.stdin:
    act, n = line.split()
    if act not in models:
        net = Net(act)
        models[act] = (net, torch.optim.Adam(net.parameters(), lr=1e-3))
        for _ in range(5): step(*models[act])
    start = time.perf_counter()
    for _ in range(int(n)): step(*models[act])
    print((time.perf_counter() - start) * 1000 / int(n), flush=True)
`;

/** A persistent PyTorch worker, or null when /usr/bin/python3 or torch is missing. */
async function startTorch(): Promise<{
  version: string;
  run(act: Activation, n: number): Promise<number>;
  close(): void;
} | null> {
  if (!existsSync(PYTHON)) return null;
  const child = spawn(PYTHON, ["-c", TORCH_SCRIPT], { stdio: ["pipe", "pipe", "ignore"] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    return r.done ? null : r.value;
  };
  const hello = await next();
  if (hello === null || !hello.startsWith("ready ")) {
    child.kill();
    return null;
  }
  return {
    version: hello.slice(6),
    async run(act, n) {
      child.stdin.write(`${act} ${n}\n`);
      const reply = await next();
      if (reply === null) throw new Error("bench/train: the PyTorch worker exited");
      return Number(reply);
    },
    close() {
      child.stdin.end();
    },
  };
}

const engine = await jaxEngine();
const rng = new Rng(0);
const batch: Batch = {
  xt: rng.fillNormal(new Float32Array(BATCH * DIM)),
  t: rng.fillUniform(new Float32Array(BATCH)),
  target: rng.fillNormal(new Float32Array(BATCH * DIM)),
  weight: new Float32Array(BATCH).fill(1),
};
const optimizer = optimizerConfig({ lr: 1e-3 });

function session(activation: Activation): TrainSession {
  const model = mlpConfig({
    dim: DIM,
    width: WIDTH,
    depth: DEPTH,
    activation,
    timeEmbedding: { dim: TIME_FEATURES },
  });
  const s = new TrainSession(engine, model, optimizer, initTrainState(model, optimizer, new Rng(0, 1)));
  for (let i = 0; i < 5; i++) s.run(batch);
  return s;
}

function jaxBlock(s: TrainSession, n: number): number {
  const start = performance.now();
  for (let i = 0; i < n; i++) s.run(batch);
  return (performance.now() - start) / n;
}

const torch = await startTorch();
const rows: string[] = [];
for (const activation of ["silu", "relu"] as const) {
  const s = session(activation);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let b = 0; b < BLOCKS; b++) {
    ours.push(jaxBlock(s, STEPS));
    if (torch) theirs.push(await torch.run(activation, STEPS));
  }
  s.dispose();
  const cell = (xs: number[]) => `${median(xs).toFixed(1)} ms (${Math.min(...xs).toFixed(1)})`;
  const ratios = torch ? ours.map((o, b) => o / theirs[b]!) : [];
  rows.push(
    torch
      ? `| ${activation} | ${cell(ours)} | ${cell(theirs)} | ${median(ratios).toFixed(2)}× | ${(Math.min(...ours) / Math.min(...theirs)).toFixed(2)}× |`
      : `| ${activation} | ${cell(ours)} | — | — | — |`,
  );
}
torch?.close();

console.log(`### Training step: MLP ${DIM}→${WIDTH}→${WIDTH}→${WIDTH}→${DIM}, batch ${BATCH}, Adam`);
console.log();
console.log(
  `Median over ${BLOCKS} blocks of ${STEPS} steps (fastest block in parentheses); blocks alternate between the two, and the ratio is the median of the ratios of adjacent blocks.`,
);
console.log();
console.log(
  `| activation | difflux, ${engine.name} | ${torch ? `PyTorch ${torch.version} CPU, 1 thread` : "PyTorch (not found)"} | ratio (median) | ratio (fastest) |`,
);
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const r of rows) console.log(r);

// The cost of the per-row losses (an auxiliary output of the step's forward pass) and of learning
// adaptive weights with them (host-side weight multiply and θ update), against the default step.
{
  const model = mlpConfig({ dim: DIM, width: WIDTH, depth: DEPTH, timeEmbedding: { dim: TIME_FEATURES } });
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
    for (const [v, s] of sessions.entries()) times[v]!.push(jaxBlock(s, STEPS));
  }
  for (const s of sessions) s.dispose();
  console.log();
  console.log(
    `### Row losses and adaptive weights: MLP ${DIM}→${WIDTH}→${WIDTH}→${WIDTH}→${DIM} (silu), batch ${BATCH}`,
  );
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

// Forward pass of a trained network as a Model, host (plain TS, float32) vs engine.
const model = mlpConfig({ dim: DIM, width: WIDTH, depth: DEPTH, timeEmbedding: { dim: TIME_FEATURES } });
const params = initMlpParams(model, new Rng(0, 1));
const path = { kind: "affine", name: "bench" } as unknown as GaussianPath;
const host = networkModel(params, model, path, "velocity", { forward: "host" });
const onEngine = networkModel(params, model, path, "velocity", { engine, forward: "engine" });
console.log();
console.log(`### Forward pass (networkModel.predict), MLP ${DIM}→${WIDTH}→${WIDTH}→${WIDTH}→${DIM}`);
console.log();
console.log("| batch | host (plain TS, float32) | engine (jax-js jit) |");
console.log("| ---: | ---: | ---: |");
for (const n of [1, 8, 64, 512, 4096]) {
  const xt = rng.fillNormal(new Float64Array(n * DIM));
  const shape = { batch: n, dim: DIM };
  const timeIt = (m: typeof host) => {
    m.predict(xt, 0.5, shape);
    // Both models were given an engine or run on the host, so predict is synchronous here.
    const reps = Math.max(3, Math.ceil(2000 / n));
    const times: number[] = [];
    for (let r = 0; r < 3; r++) {
      const start = performance.now();
      for (let i = 0; i < reps; i++) m.predict(xt, 0.5, shape);
      times.push((performance.now() - start) / reps);
    }
    return median(times);
  };
  console.log(`| ${n} | ${timeIt(host).toFixed(3)} ms | ${timeIt(onEngine).toFixed(3)} ms |`);
}
onEngine.dispose();
