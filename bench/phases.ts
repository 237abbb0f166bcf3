/**
 * Where a training step of the kernels (src/train/kernels) spends its time, per phase, on one thread:
 * the batch copy-in (time features), each shard's forward/loss/backward, the gradient sum, Adam, the
 * repacking of the weights; and inside a shard, each matrix product with its epilogue, timed as a
 * stand-alone generated function of the same shape. CPU time of this process, median of blocks.
 * Run: node --import tsx bench/phases.ts [--width 256] [--batch 512] [--activation silu] [--blocks 7]
 * With --steps N it only runs N training steps (for instruction counts under valgrind --tool=callgrind).
 */
import { type FunctionBuilder, globalWasm, ModuleBuilder } from "../src/math/wasm.js";
import { Rng } from "../src/random/rng.js";
import { auxArrays, emitActivation, Scratch } from "../src/train/kernels/activation.js";
import { emitGemm, emitPackB, type Epilogue, storeTile } from "../src/train/kernels/gemm.js";
import { createMlpKernelSync } from "../src/train/kernels/kernel.js";
import { pad4 } from "../src/train/kernels/program.js";
import { type Activation, featureWidth, initMlpParams, mlpConfig } from "../src/train/mlp.js";
import { optimizerConfig } from "../src/train/optim.js";
import { median } from "./peer.js";
import { timeBlock } from "./torchPeer.js";

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const WIDTH = Number(opt("width", "256"));
const BATCH = Number(opt("batch", "512"));
const ACTIVATION = opt("activation", "silu") as Activation;
const BLOCKS = Number(opt("blocks", "7"));
const ONLY_STEPS = args.includes("--steps") ? Number(opt("steps", "0")) : null;
const DIM = 2;

const config = mlpConfig({
  dim: DIM,
  width: WIDTH,
  depth: 3,
  activation: ACTIVATION,
  timeEmbedding: { dim: 16 },
});
const optimizer = optimizerConfig({ lr: 1e-3 });
const kernel = createMlpKernelSync(config, optimizer, { threads: 1, rows: BATCH / 2 })!;
const params = initMlpParams(config, new Rng(0, 1));
const zeros = params.map((p) => ({ shape: p.shape, data: new Float32Array(p.data.length) }));
kernel.setState({ params, m: zeros, v: zeros, ema: params });
const rng = new Rng(1);
const batch = {
  xt: rng.fillNormal(new Float32Array(BATCH * DIM)),
  t: rng.fillUniform(new Float32Array(BATCH)),
  target: rng.fillNormal(new Float32Array(BATCH * DIM)),
  weight: new Float32Array(BATCH).fill(1),
};

if (ONLY_STEPS !== null) {
  for (let i = 0; i < ONLY_STEPS; i++) kernel.step(batch, i);
  kernel.dispose();
  process.exit(0);
}

/** CPU ms per call of fn, median over blocks of `calls` calls (a warm-up block first). */
function cpu(fn: () => void, calls: number): number {
  timeBlock(fn, calls);
  return median(Array.from({ length: BLOCKS }, () => timeBlock(fn, calls).cpu));
}

// biome-ignore lint/suspicious/noExplicitAny: the bench reaches into the kernel's compiled program
const compiled = (kernel as any).compiled;
const { layout } = compiled;
// Every export call inside kernel.step is timed (CPU) where it runs: the step's own phases.
const spent: Record<string, number> = {};
const timed = Object.fromEntries(
  Object.entries(compiled.exports as Record<string, (...a: number[]) => number>).map(([name, fn]) => [
    name,
    (...a: number[]) => {
      const start = process.cpuUsage();
      const r = fn(...a);
      const used = process.cpuUsage(start);
      spent[name] = (spent[name] ?? 0) + (used.user + used.system) / 1000;
      return r;
    },
  ]),
);
compiled.exports = timed;
compiled.pool.program = { ...compiled.pool.program, exports: timed };
for (const start = performance.now(); performance.now() - start < 1500; ) kernel.step(batch, 0);
const rows = BATCH / 2;
const results: [string, number][] = [];
const perBlock: Record<string, number[]> = {};
const STEPS = 20;
for (let b = 0; b < BLOCKS; b++) {
  for (const key of Object.keys(spent)) spent[key] = 0;
  const start = process.cpuUsage();
  for (let i = 0; i < STEPS; i++) kernel.step(batch, i);
  const used = process.cpuUsage(start);
  const record = (key: string, ms: number) => {
    perBlock[key] ??= [];
    perBlock[key]!.push(ms / STEPS);
  };
  const whole = (used.user + used.system) / 1000;
  record("step", whole);
  for (const [key, ms] of Object.entries(spent)) record(key, ms);
  record("rest", whole - Object.values(spent).reduce((x, y) => x + y, 0));
}
const at = (key: string) => median(perBlock[key] ?? [0]);
results.push(["whole step (kernel.step)", at("step")]);
results.push([`train_shard (${rows} rows) × ${layout.shards}`, at("train_shard")]);
results.push(["reduce (sum of shard gradients, Σg²)", at("reduce")]);
results.push(["adam + EMA", at("adam")]);
results.push(["pack (weights for forward and backward)", at("pack")]);
results.push(["rest: batch copy-in, time features, JS", at("rest")]);
const shard = at("train_shard") / layout.shards;

// Inside a shard: stand-alone products of the same shapes.
const wasm = globalWasm()!;
const F = featureWidth(config);
const W = pad4(WIDTH);
function standalone(label: string, body: (f: FunctionBuilder) => void, calls = 20): void {
  const mod = new ModuleBuilder({ initial: 256 });
  mod.func("run", [], [], body);
  const instance = new wasm.Instance(new wasm.Module(mod.bytes()), {
    env: { memory: new wasm.Memory({ initial: 256 }) },
  });
  const run = instance.exports.run as () => void;
  results.push([`  ${label}`, cpu(run, calls) * layout.shards]);
}
const MB = 1 << 20;
const locals = (f: FunctionBuilder) => {
  const [a, b, bias, c] = [f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32")];
  f.wat`i32.const ${0} local.set ${a} i32.const ${2 * MB} local.set ${b} i32.const ${4 * MB} local.set ${bias}
        i32.const ${5 * MB} local.set ${c}`;
  return { a, b, bias, c };
};
const actEpilogue = (c: number, n: number): Epilogue => {
  return (f, tile) => {
    const s = new Scratch(f);
    const at = f.local("i32");
    const h = f.local("v128");
    const aux = auxArrays(ACTIVATION).map(() => f.local("v128"));
    f.wat`local.get ${tile.row} i32.const ${n} i32.mul local.get ${tile.col} i32.add i32.const 2 i32.shl
          local.get ${c} i32.add local.set ${at}`;
    tile.acc.forEach((vectors, r) => {
      vectors.forEach((z, v) => {
        emitActivation(f, ACTIVATION, z, h, aux.length > 0 ? aux : null, s);
        const o = (r * n + 4 * v) * 4;
        f.wat`local.get ${at} local.get ${h} v128.store offset=${o}`;
        aux.forEach((x, i) => {
          f.wat`local.get ${at} local.get ${x} v128.store offset=${o + (i + 1) * MB}`;
        });
      });
    });
  };
};
for (const [k, n, act] of [
  [F, W, true],
  [W, W, true],
  [W, W, false],
  [W, 4, false],
] as const) {
  standalone(`forward ${rows}×${k}·${k}×${n}${act ? ` + bias + ${ACTIVATION}` : " + bias"}`, (f) => {
    const o = locals(f);
    emitGemm(
      f,
      { m: rows, n, k, aRow: k, aCol: 1, fma: kernel.fma },
      o,
      act ? actEpilogue(o.c, n) : storeTile(o.c, n),
    );
  });
}
standalone(`backward ∂W: pack H (${rows}×${W})`, (f) => {
  const o = locals(f);
  emitPackB(f, { n: W, k: rows, bRow: W, bCol: 1 }, o.a, o.b);
});
standalone(`backward ∂W = Gᵀ·H, Gᵀ strided (${W}×${rows}·${rows}×${W})`, (f) => {
  const o = locals(f);
  emitGemm(
    f,
    { m: W, n: W, k: rows, aRow: 1, aCol: W, fma: kernel.fma },
    { ...o, bias: null },
    storeTile(o.c, W),
  );
});
standalone(`backward ∂W: pack G (${rows}×${W}, 4-column panels)`, (f) => {
  const o = locals(f);
  emitPackB(f, { n: W, k: rows, bRow: W, bCol: 1, width: 4 }, o.a, o.b);
});
standalone(`backward ∂W = Gᵀ·H, Gᵀ packed`, (f) => {
  const o = locals(f);
  emitGemm(
    f,
    { m: W, n: W, k: rows, aRow: 1, aCol: W, packedA: true, fma: kernel.fma },
    { ...o, bias: null },
    storeTile(o.c, W),
  );
});
standalone(`backward G·W (${rows}×${W}·${W}×${W}), store only`, (f) => {
  const o = locals(f);
  emitGemm(
    f,
    { m: rows, n: W, k: W, aRow: W, aCol: 1, fma: kernel.fma },
    { ...o, bias: null },
    storeTile(o.c, W),
  );
});
const flops =
  2 * BATCH * (F * W + 2 * W * W + W * 4) + // forward
  2 * BATCH * (F * W + 2 * W * W + W * 4) + // ∂W
  2 * BATCH * (2 * W * W + W * 4); // G·W
console.log(
  `Kernel phases: MLP ${DIM}→${WIDTH}×3→${DIM} (${ACTIVATION}), batch ${BATCH} in ${layout.shards} shards, one thread, ${kernel.fma ? "fused multiply-adds" : "no FMA"}; CPU ms per step, median of ${BLOCKS} blocks`,
);
console.log();
console.log("| phase | CPU ms |");
console.log("| --- | ---: |");
for (const [label, ms] of results) console.log(`| ${label} | ${ms.toFixed(3)} |`);
console.log();
console.log(
  `matrix products: ${(flops / 1e6).toFixed(0)} MFLOP per step → ${(flops / 1e6 / (shard * layout.shards)).toFixed(1)} GFLOP/s over the shards' time`,
);
kernel.dispose();
