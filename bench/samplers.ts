/**
 * Sampler benchmark (issue 4). On the 2-D mixture of the reference fixtures and a 64-D mixture (exact
 * oracle denoiser), in two settings — the EDM path σ ∈ [0.002, 80] with the Karras grid ρ = 7 (data end
 * appended), and the flow path σ = 1 − t with a uniform grid from t = 0 (solvers that can start at
 * α = 0):
 *   - error vs NFE (5, 10, 20, 50) for every solver: RMS distance to a tight adaptive reference
 *     (Dormand–Prince, rtol = atol = 1e-10) from the same initial noise (deterministic solvers), and
 *     sliced W2 to exact mixture samples (every solver; the floor is SW2 between two exact sample sets);
 *   - per-step overhead without the model (µs per step per 10⁵ elements) beside the forward time of a
 *     2→256→256→256→2 SiLU MLP (the project's `networkModel`).
 * Prints markdown for bench/README.md, "## Samplers". Run: node --import tsx bench/samplers.ts
 */
import { readFileSync } from "node:fs";
import type { Model } from "../src/model/model.js";
import { slicedWasserstein } from "../src/metrics/wasserstein.js";
import { type GaussianMixture, gaussianMixture } from "../src/oracle/mixture.js";
import { type AffinePath, affinePath } from "../src/path/affine.js";
import { Rng, perSampleNormals } from "../src/random/rng.js";
import { ddim } from "../src/sampler/ddim.js";
import { ddpm } from "../src/sampler/ddpm.js";
import { deis } from "../src/sampler/deis.js";
import { dopri } from "../src/sampler/dopri.js";
import { dpmSolverMultistep } from "../src/sampler/dpmSolverMultistep.js";
import { dpmSolverSinglestep } from "../src/sampler/dpmSolverSinglestep.js";
import { edmStochastic } from "../src/sampler/edmStochastic.js";
import { euler } from "../src/sampler/euler.js";
import { eulerAncestral } from "../src/sampler/eulerAncestral.js";
import { eulerMaruyama } from "../src/sampler/eulerMaruyama.js";
import { type Grid, customGrid, karrasGrid, uniformTimeGrid } from "../src/sampler/grid.js";
import { heun } from "../src/sampler/heun.js";
import { lms } from "../src/sampler/lms.js";
import { pndm } from "../src/sampler/pndm.js";
import { predictorCorrector } from "../src/sampler/predictorCorrector.js";
import { dpm2, midpoint } from "../src/sampler/rk2.js";
import { rk4 } from "../src/sampler/rk4.js";
import { sample } from "../src/sampler/sample.js";
import type { Sampler, SamplerState } from "../src/sampler/sampler.js";
import { unipc } from "../src/sampler/unipc.js";
import { edmSchedule } from "../src/schedule/edm.js";
import { linearSchedule } from "../src/schedule/linear.js";
import { initMlpParams, mlpConfig } from "../src/train/mlp.js";
import { networkModel } from "../src/train/network.js";
import { median } from "./peer.js";

type AnySampler = Sampler<SamplerState>;
const NFES = [5, 10, 20, 50];

/** A path, its grid family and its initial scale: EDM with Karras ρ = 7, and the flow path with uniform t. */
interface Setting {
  readonly name: string;
  readonly path: AffinePath;
  readonly grid: (steps: number) => Grid;
  /** σ at the first node (the initial state is σ·z). */
  readonly scale: number;
  /** Reference integration interval in t (then the data end). */
  readonly span: readonly [number, number];
}

const edm = affinePath(edmSchedule());
const flow = affinePath(linearSchedule());
const SETTINGS: readonly Setting[] = [
  {
    name: "EDM path (σ ∈ [0.002, 80]), Karras grid ρ = 7",
    path: edm,
    grid: (n) => karrasGrid(edm, n),
    scale: 80,
    span: [0, 1],
  },
  {
    name: "flow path (σ = 1 − t), uniform t from 0",
    path: flow,
    grid: (n) => uniformTimeGrid(flow, n, { start: 0 }),
    scale: 1,
    span: [0, flow.tMax],
  },
];

/** name, sampler, steps for an NFE budget, stochastic, runs from α = 0 (the flow path's t = 0). */
const SOLVERS: readonly [string, () => AnySampler, (nfe: number) => number, boolean, boolean?][] = [
  ["Euler (t)", () => euler(), (n) => n, false, true],
  ["Euler (σ̃)", () => euler({ variable: "sigma" }), (n) => n, false],
  ["DDIM", () => ddim(), (n) => n, false, true],
  ["Heun (t)", () => heun(), (n) => Math.floor((n + 1) / 2), false, true],
  ["LMS order 4 (t)", () => lms({ order: 4 }), (n) => n, false, true],
  ["Heun (σ̃, EDM)", () => heun({ variable: "sigma" }), (n) => Math.floor((n + 1) / 2), false],
  ["midpoint (t)", () => midpoint(), (n) => Math.floor((n + 1) / 2), false, true],
  ["DPM-2", () => dpm2(), (n) => Math.floor((n + 1) / 2), false],
  ["RK4 (t)", () => rk4(), (n) => Math.floor((n - 1) / 4) + 1, false, true],
  ["LMS order 4 (σ̃)", () => lms({ order: 4, variable: "sigma" }), (n) => n, false],
  ["DEIS order 3", () => deis({ order: 3 }), (n) => n, false],
  ["PNDM (pseudo-Heun start)", () => pndm({ warmup: "heun" }), (n) => n - 1, false],
  ["DPM-Solver++(2M)", () => dpmSolverMultistep({ order: 2 }), (n) => n, false, true],
  ["DPM-Solver++(3M)", () => dpmSolverMultistep({ order: 3 }), (n) => n, false, true],
  ["DPM-Solver++(2S)", () => dpmSolverSinglestep(), (n) => Math.floor((n + 1) / 2), false],
  ["UniPC bh2 p=2", () => unipc({ order: 2 }), (n) => n, false, true],
  ["UniPC bh2 p=3", () => unipc({ order: 3 }), (n) => n, false, true],
  ["DDIM η = 1 / DDPM fixedSmall", () => ddim({ eta: 1 }), (n) => n, true, true],
  ["DDPM fixedLarge", () => ddpm({ variance: "fixedLarge" }), (n) => n, true],
  ["Euler ancestral", () => eulerAncestral(), (n) => n, true],
  [
    "EDM stochastic (S_churn = 40)",
    () => edmStochastic({ sChurn: 40 }),
    (n) => Math.floor((n + 1) / 2),
    true,
  ],
  ["DPM-Solver++(2M) SDE", () => dpmSolverMultistep({ eta: 1 }), (n) => n, true, true],
  ["DPM-Solver++(3M) SDE", () => dpmSolverMultistep({ order: 3, eta: 1 }), (n) => n, true],
  ["DPM-Solver++(2S) ancestral", () => dpmSolverSinglestep({ eta: 1 }), (n) => Math.floor((n + 1) / 2), true],
  ["Euler–Maruyama (reverse SDE)", () => eulerMaruyama(), (n) => n, true],
  ["PC (EM + Langevin)", () => predictorCorrector(), (n) => Math.floor((n + 1) / 2), true],
];

interface Problem {
  readonly name: string;
  readonly dim: number;
  readonly batch: number;
  readonly mixture: GaussianMixture;
}

function problems(): Problem[] {
  const ref = JSON.parse(
    readFileSync(new URL("../test/reference/gmm-oracle-checks.json", import.meta.url), "utf8"),
  );
  const fixture = gaussianMixture({ weights: ref.weights, means: ref.means, covariances: ref.std ** 2 });
  const rng = new Rng(64);
  const means = Array.from({ length: 4 }, () => Array.from({ length: 64 }, () => 1.5 * rng.normal()));
  const wide = gaussianMixture({ weights: [0.4, 0.3, 0.2, 0.1], means, covariances: 0.25 });
  return [
    { name: "2-D mixture (fixtures)", dim: 2, batch: 2000, mixture: fixture },
    { name: "64-D mixture (4 components)", dim: 64, batch: 500, mixture: wide },
  ];
}

const fmt = (v: number) => (Number.isFinite(v) ? (v >= 0.01 ? v.toFixed(3) : v.toExponential(1)) : "—");

async function errorTables(p: Problem, setting: Setting): Promise<string> {
  const { path } = setting;
  const model = p.mixture.denoiser(path);
  const z = perSampleNormals(2024, 0, 0, p.batch, p.dim, new Float64Array(p.batch * p.dim));
  const x0 = z.map((v) => setting.scale * v);
  const exact = p.mixture.sample(new Rng(7), p.batch);
  const floor = slicedWasserstein(exact, p.mixture.sample(new Rng(8), p.batch), p.dim, {
    rng: new Rng(1),
    projections: 64,
  });
  const sw = (x: Float64Array) => slicedWasserstein(x, exact, p.dim, { rng: new Rng(1), projections: 64 });
  const refRun = await sample(model, {
    sampler: dopri({ rtol: 1e-10, atol: 1e-10 }),
    grid: customGrid(path, [...setting.span], { dataEnd: true }),
    x: x0,
    dim: p.dim,
  });
  const ref = refRun.x;
  const rms = (x: Float64Array) => Math.sqrt(x.reduce((a, v, i) => a + (v - ref[i]!) ** 2, 0) / x.length);
  const rows: string[] = [];
  const rmsAt = new Map<string, number>();
  const cell = (nfe: number, used: number, v: number) => `${fmt(v)}${used < nfe ? ` (${used})` : ""}`;
  for (const [name, make, stepsFor, stochastic, fromZero] of SOLVERS) {
    if (setting.path === flow && !fromZero) continue;
    const dist: string[] = [];
    const w: string[] = [];
    for (const nfe of NFES) {
      const steps = stepsFor(nfe);
      if (steps < 1) {
        dist.push("—");
        w.push("—");
        continue;
      }
      const r = await sample(model, {
        sampler: make(),
        grid: setting.grid(steps),
        x: x0,
        dim: p.dim,
        seed: 11,
      });
      if (!stochastic) rmsAt.set(`${name}@${nfe}`, rms(r.x));
      dist.push(stochastic ? "—" : cell(nfe, r.nfe, rms(r.x)));
      w.push(cell(nfe, r.nfe, sw(r.x)));
    }
    rows.push(`| ${name} | ${dist.join(" | ")} | ${w.join(" | ")} |`);
  }
  // Dormand–Prince: its NFE follows the tolerance.
  for (const tol of [1e-2, 1e-3, 1e-4]) {
    const r = await sample(model, {
      sampler: dopri({ rtol: tol, atol: tol }),
      grid: customGrid(path, [...setting.span], { dataEnd: true }),
      x: x0,
      dim: p.dim,
    });
    rows.push(
      `| Dormand–Prince 5(4), tol ${tol} | ${r.nfe} NFE: ${fmt(rms(r.x))} | | | | ${r.nfe} NFE: ${fmt(sw(r.x))} | | | |`,
    );
  }
  const fast = ["DPM-Solver++(2M)", "DPM-Solver++(3M)", "UniPC bh2 p=2", "UniPC bh2 p=3"]
    .map((n) => [n, rmsAt.get(`${n}@10`) ?? Number.POSITIVE_INFINITY] as const)
    .sort((a, b) => a[1] - b[1])[0]!;
  const eulers = ["Euler (t)", "Euler (σ̃)"]
    .filter((n) => rmsAt.has(`${n}@50`))
    .map(
      (n) =>
        `${n} at 50 NFE ${fmt(rmsAt.get(`${n}@50`)!)} (${fast[1] < rmsAt.get(`${n}@50`)! ? "beaten" : "not beaten"})`,
    );
  const target = `Target check (RMS to reference): best DPM-Solver++/UniPC at 10 NFE is ${fast[0]} with ${fmt(fast[1])}; ${eulers.join("; ")}.`;
  return [
    `**${p.name}**, ${setting.name}, ${p.batch} samples; reference: Dormand–Prince at 1e-10 (${refRun.nfe} NFE); SW2 floor (two exact sample sets) ${fmt(floor)}.`,
    "",
    "| solver | RMS to reference, NFE 5 | 10 | 20 | 50 | sliced W2, NFE 5 | 10 | 20 | 50 |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
    target,
  ].join("\n");
}

/** ms of one forward pass of the project's 2→256→256→256→2 SiLU MLP (`networkModel`, float32) on `rows` rows (median of 3). */
async function mlpForwardTime(rows: number): Promise<number> {
  const config = mlpConfig({ dim: 2, width: 256, depth: 3, activation: "silu" });
  const net = networkModel(initMlpParams(config, new Rng(3)), config, edm, "data");
  const x = Float64Array.from({ length: rows * 2 }, (_, i) => Math.sin(i));
  await net.predict(x, 0.5, { batch: rows, dim: 2 }); // warm-up (engine initialization and jit)
  const times: number[] = [];
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    await net.predict(x, 0.5, { batch: rows, dim: 2 });
    times.push(performance.now() - t0);
  }
  net.dispose();
  return median(times);
}

async function overheadTable(): Promise<string> {
  const dim = 2;
  const batch = 50_000; // 10⁵ elements
  const data = new Float64Array(batch * dim).fill(0.1);
  const path = edm;
  const free: Model = { kind: "data", path, predict: () => data };
  const x0 = Float64Array.from({ length: batch * dim }, (_, i) => 80 * Math.sin(i));
  const mlp = await mlpForwardTime(batch);
  const rows: string[] = [];
  for (const [name, make, , stochastic] of SOLVERS) {
    const steps = 12;
    const grid = karrasGrid(path, steps);
    const sampler = make();
    await sample(free, { sampler, grid, x: x0, dim, seed: 1 }); // warm-up
    const t0 = performance.now();
    const r = await sample(free, { sampler, grid, x: x0, dim, seed: 1 });
    const ms = performance.now() - t0;
    const perStep = (ms * 1000) / steps;
    const perEval = ms / r.nfe;
    rows.push(
      `| ${name}${stochastic ? " (incl. noise)" : ""} | ${perStep.toFixed(0)} | ${((100 * perEval) / mlp).toFixed(3)} % |`,
    );
  }
  return [
    `Per-step overhead with a free model (returns a fixed array) on 10⁵ elements (50 000 × 2), 12 Karras steps; the project's 2→256→256→256→2 SiLU MLP (networkModel, float32, jax-js engine) takes ${mlp.toFixed(0)} ms for one forward pass on the same 50 000 rows.`,
    "",
    "| solver | µs per step per 10⁵ elements | overhead per model evaluation / MLP forward |",
    "| --- | ---: | ---: |",
    ...rows,
  ].join("\n");
}

async function main(): Promise<void> {
  const out: string[] = [];
  for (const setting of SETTINGS) for (const p of problems()) out.push(await errorTables(p, setting), "");
  out.push(await overheadTable());
  process.stdout.write(`${out.join("\n")}\n`);
}

await main();
