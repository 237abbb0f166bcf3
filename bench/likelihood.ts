/**
 * Likelihood benchmark: NLL error against NFE, CPU and wall time.
 *
 * Part 1 (oracles): the exact divergence (closed form of the mixture oracle; finite differences for the
 * same model as a black box) and Hutchinson's estimator, on the 2-D ring mixture and a 64-D mixture,
 * rectified-flow path, against the exact log-density.
 *
 * Part 2 (a trained network): the model `difflux train --data moons` makes (MLP 2→256×3→2, silu,
 * rectified flow, velocity, 2000 steps, seed 0; trained once into .bench-cache/ unless --ckpt DIR is
 * given), on held-out moons points, against a tight reference (adaptive, rtol = atol = 1e-8, one step
 * sequence for the batch): the divergence (exact JVP in float64, central and forward differences of the
 * float32 network, Hutchinson), the solver (per-sample and shared adaptive steps at several tolerances,
 * fixed RK4 grids), the data-end time, and the library's defaults on 1000 points (median of 3 runs).
 * Prints the markdown of bench/README.md, "## Likelihood".
 *
 * Run: node --import tsx bench/likelihood.ts [--ckpt DIR] [--points 200] [--skip-oracles]
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { DivergenceOptions, JacobianModel } from "../src/likelihood/divergence.js";
import { type LogLikelihoodOptions, logLikelihood } from "../src/likelihood/logLikelihood.js";
import { mixtureModel } from "../src/likelihood/models.js";
import type { Solver } from "../src/math/integrate.js";
import { loadCheckpoint, loadDataset, networkModel, scheduleFromSpec } from "../src/node.js";
import { gaussianMixture } from "../src/oracle/mixture.js";
import { affinePath } from "../src/path/affine.js";
import { Rng } from "../src/random/rng.js";
import { linearSchedule } from "../src/schedule/linear.js";
import { logSnr } from "../src/time.js";
import { median } from "./peer.js";

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const POINTS = Number(flag("--points") ?? 200);

const path = affinePath(linearSchedule());
const fmt = (v: number): string => (v >= 0.01 && v < 100 ? v.toFixed(3) : v.toExponential(1));

/** Runs `fn` and returns its result with wall and CPU seconds (user + system of this process). */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { value, wall, cpu: (c.user + c.system) / 1e6 };
}

function solverName(solver: Solver): string {
  if (solver.kind === "fixed") return `${solver.scheme ?? "rk4"} ×${solver.steps} (fixed)`;
  const control = solver.control ?? "perRow";
  const cap = solver.maxStep === undefined ? "" : `, maxStep ${solver.maxStep}`;
  return `DOPRI5 tol ${solver.rtol}, ${control === "perRow" ? "per sample" : "shared"}${cap}`;
}

// ---------------------------------------------------------------------------------------------------
// Part 1: oracles.

/** Eight isotropic Gaussians (variance 0.05) on a circle of radius 2. */
const ring = gaussianMixture({
  weights: Array(8).fill(1),
  means: Array.from({ length: 8 }, (_, k) => [
    2 * Math.cos((k * Math.PI) / 4),
    2 * Math.sin((k * Math.PI) / 4),
  ]),
  covariances: 0.05,
});

/** Eight 64-D components: N(0, I) means scaled by 1.5, unequal weights, variances 0.1 … 0.8. */
const rng = new Rng(64);
const mix64 = gaussianMixture({
  weights: [1, 2, 3, 4, 4, 3, 2, 1],
  means: Array.from({ length: 8 }, () => Array.from({ length: 64 }, () => 1.5 * rng.normal())),
  covariances: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
});

interface OracleRow {
  readonly method: string;
  readonly solver: string;
  readonly meanErr: number;
  readonly maxErr: number;
  readonly se: number | undefined;
  readonly nfe: number;
  readonly calls: number;
  readonly ms: number;
}

async function oracleRun(
  model: JacobianModel,
  x: Float64Array,
  dim: number,
  exact: Float64Array,
  method: string,
  divergence: DivergenceOptions,
  solver: Solver,
): Promise<OracleRow> {
  const { value: r, wall } = await timed(() => logLikelihood(model, x, { dim, divergence, solver }));
  const errs = Array.from(r.logLikelihood, (v, i) => Math.abs(v - exact[i]!));
  const hutch = divergence.kind === "hutchinson";
  return {
    method,
    solver: solverName(solver),
    meanErr: errs.reduce((a, b) => a + b, 0) / errs.length,
    maxErr: Math.max(...errs),
    se: hutch ? r.standardError.reduce((a, b) => a + b, 0) / r.standardError.length : undefined,
    nfe: r.evaluations.reduce((a, b) => a + b, 0) / r.evaluations.length,
    calls: r.modelCalls,
    ms: wall * 1000,
  };
}

function oracleTable(title: string, rows: readonly OracleRow[]): string {
  const head = `**${title}**\n\n| divergence | integrator | mean abs error (nats) | max error | mean Hutchinson SE | NFE per sample | model calls | wall time |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |`;
  const body = rows.map(
    (r) =>
      `| ${r.method} | ${r.solver} | ${fmt(r.meanErr)} | ${fmt(r.maxErr)} | ${r.se === undefined || Number.isNaN(r.se) ? "—" : fmt(r.se)} | ${r.nfe.toFixed(0)} | ${r.calls} | ${r.ms.toFixed(0)} ms |`,
  );
  return [head, ...body].join("\n");
}

async function oracleBench(name: string, mixture: typeof ring, n: number): Promise<string> {
  const dim = mixture.dim;
  const x = mixture.sample(new Rng(1), n);
  const exact = mixture.logProb(x);
  const oracle = mixtureModel(mixture, path);
  const blackBox: JacobianModel = { kind: "data", path, predict: oracle.predict };
  const rows: OracleRow[] = [];
  const adaptive = (tol: number, control: "perRow" | "shared" = "perRow"): Solver => ({
    kind: "adaptive",
    rtol: tol,
    atol: tol,
    control,
  });
  const exactDiv = { kind: "exact" } as const;
  for (const tol of [1e-3, 1e-4, 1e-5, 1e-6, 1e-7]) {
    rows.push(await oracleRun(oracle, x, dim, exact, "exact (closed form)", exactDiv, adaptive(tol)));
  }
  for (const tol of [1e-3, 1e-5]) {
    rows.push(
      await oracleRun(oracle, x, dim, exact, "exact (closed form)", exactDiv, adaptive(tol, "shared")),
    );
  }
  for (const steps of [4, 8, 16, 32]) {
    const solver: Solver = { kind: "fixed", scheme: "rk4", steps };
    rows.push(await oracleRun(oracle, x, dim, exact, "exact (closed form)", exactDiv, solver));
  }
  for (const tol of [1e-4, 1e-6]) {
    const method = `exact (${dim} finite differences)`;
    rows.push(await oracleRun(blackBox, x, dim, exact, method, exactDiv, adaptive(tol)));
  }
  for (const probes of [1, 4, 16]) {
    for (const distribution of ["rademacher", "gaussian"] as const) {
      rows.push(
        await oracleRun(
          blackBox,
          x,
          dim,
          exact,
          `Hutchinson K = ${probes}, ${distribution}`,
          { kind: "hutchinson", probes, seed: 7, distribution },
          adaptive(1e-5),
        ),
      );
    }
  }
  return oracleTable(`${name}: ${n} samples, rectified-flow path, data-prediction oracle`, rows);
}

// ---------------------------------------------------------------------------------------------------
// Part 2: a trained network.

/** The checkpoint directory: --ckpt, or the model `difflux train --data moons` makes, trained once. */
function checkpoint(): string {
  const given = flag("--ckpt");
  if (given !== undefined) return given;
  const dir = join(".bench-cache", "likelihood-moons");
  if (!existsSync(join(dir, "config.json"))) {
    console.error(`training the default moons model into ${dir} (difflux train, 2000 steps) …`);
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", "cli/main.ts", "train", "--data", "moons", "--out", dir],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    if (r.status !== 0) throw new Error(`bench/likelihood: difflux train failed (exit ${r.status})`);
  }
  return dir;
}

interface NetRow {
  readonly what: string;
  readonly meanErr: number;
  readonly maxErr: number;
  readonly bias: number;
  readonly se: number | undefined;
  readonly nfe: number;
  readonly calls: number;
  readonly cpu: number;
  readonly wall: number;
}

function netTable(head: string, rows: readonly NetRow[]): string {
  const top = `| ${head} | mean abs error (nats) | max error | bias of the mean | mean Hutchinson SE | NFE per sample | model calls | CPU time | wall time |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`;
  const body = rows.map(
    (r) =>
      `| ${r.what} | ${fmt(r.meanErr)} | ${fmt(r.maxErr)} | ${r.bias >= 0 ? "+" : "−"}${fmt(Math.abs(r.bias))} | ${r.se === undefined || Number.isNaN(r.se) ? "—" : fmt(r.se)} | ${r.nfe.toFixed(0)} | ${r.calls} | ${r.cpu.toFixed(1)} s | ${r.wall.toFixed(1)} s |`,
  );
  return [top, ...body].join("\n");
}

async function networkBench(): Promise<string> {
  const dir = checkpoint();
  const ckpt = loadCheckpoint(dir);
  const netPath = affinePath(scheduleFromSpec(ckpt.meta.schedule!));
  const weights32 = (ckpt.state.ema ?? ckpt.state.params).map((p) => ({ shape: p.shape, data: p.data }));
  const net = networkModel(weights32, ckpt.model, netPath, ckpt.meta.kind);
  const data = loadDataset("moons", { split: "heldout", n: 1000, seed: 0, dtype: "float64" });
  const all = Float64Array.from(data.data as Float64Array);
  const x = all.slice(0, 2 * POINTS);
  const base: LogLikelihoodOptions = { dim: 2 };
  const reference = await logLikelihood(net, x, {
    ...base,
    solver: { kind: "adaptive", rtol: 1e-8, atol: 1e-8, control: "shared" },
  });
  const ref = reference.logLikelihood;
  const run = async (options: LogLikelihoodOptions) =>
    timed(() => logLikelihood(net, x, { ...base, ...options }));
  const row = (
    what: string,
    options: LogLikelihoodOptions,
    timedRun: Awaited<ReturnType<typeof run>>,
    against = ref,
  ): NetRow => {
    const { value: r, wall, cpu } = timedRun;
    const errs = Array.from(r.logLikelihood, (v, i) => v - against[i]!);
    const hutch = options.divergence?.kind === "hutchinson";
    return {
      what,
      meanErr: errs.reduce((a, b) => a + Math.abs(b), 0) / errs.length,
      maxErr: Math.max(...errs.map(Math.abs)),
      bias: errs.reduce((a, b) => a + b, 0) / errs.length,
      se: hutch ? r.standardError.reduce((a, b) => a + b, 0) / r.standardError.length : undefined,
      nfe: r.evaluations.reduce((a, b) => a + b, 0) / r.evaluations.length,
      calls: r.modelCalls,
      cpu,
      wall,
    };
  };
  const measure = async (what: string, options: LogLikelihoodOptions, against = ref): Promise<NetRow> =>
    row(what, options, await run(options), against);

  // Divergence, at one fixed solver, against the exact JVP at that solver.
  const rk4: Solver = { kind: "fixed", scheme: "rk4", steps: 32 };
  const jvpOptions: LogLikelihoodOptions = { solver: rk4, divergence: { kind: "exact", jacobian: "jvp" } };
  const jvpRun = await run(jvpOptions);
  const jvpRef = jvpRun.value.logLikelihood;
  const divergenceRows: NetRow[] = [row("exact, JVP (float64 dual numbers)", jvpOptions, jvpRun, jvpRef)];
  divergenceRows.push(await measure("exact, central differences ∛ε₃₂ (default)", { solver: rk4 }, jvpRef));
  divergenceRows.push(
    await measure(
      "exact, forward differences √ε₃₂",
      { solver: rk4, divergence: { kind: "exact", finiteDifference: { scheme: "forward" } } },
      jvpRef,
    ),
  );
  for (const probes of [1, 4]) {
    divergenceRows.push(
      await measure(
        `Hutchinson K = ${probes} (central differences)`,
        { solver: rk4, divergence: { kind: "hutchinson", probes, seed: 3 } },
        jvpRef,
      ),
    );
  }

  // Solver, with the default divergence, against the tight reference.
  const solvers: Solver[] = [
    ...[1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 1e-5].map(
      (tol): Solver => ({ kind: "adaptive", rtol: tol, atol: tol, control: "perRow" }),
    ),
    ...[1e-3, 1e-4, 1e-5].map(
      (tol): Solver => ({ kind: "adaptive", rtol: tol, atol: tol, control: "shared" }),
    ),
    ...[8, 16, 32, 64].map((steps): Solver => ({ kind: "fixed", scheme: "rk4", steps })),
  ];
  const solverRows: NetRow[] = [];
  for (const solver of solvers) {
    const isDefault = solver.kind === "adaptive" && solver.rtol === 1e-3 && solver.control === "perRow";
    solverRows.push(await measure(`${solverName(solver)}${isDefault ? " (default)" : ""}`, { solver }));
  }

  // The data-end time (default tMax, λ = 13), default solver: every tStart estimates the same
  // clean-data density (the heat-equation correction removes the blur to first order), so all are
  // compared with the reference at tMax.
  const tStartRows: NetRow[] = [];
  for (const lambda of [13, 10, 8, 6]) {
    const tStart = netPath.schedule.timeAtLogSnr(logSnr(lambda));
    tStartRows.push(await measure(`tStart at λ = ${lambda} (t = ${tStart.toFixed(4)})`, { tStart }));
  }

  // The defaults on 1000 points, median of 3 runs.
  const runs: { wall: number; cpu: number; nfe: number; calls: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const { value: r, wall, cpu } = await timed(() => logLikelihood(net, all, base));
    runs.push({
      wall,
      cpu,
      nfe: r.evaluations.reduce((a, b) => a + b, 0) / r.evaluations.length,
      calls: r.modelCalls,
    });
  }
  const walls = runs.map((r) => r.wall);
  const cpus = runs.map((r) => r.cpu);
  net.dispose();
  const span = (xs: number[]) =>
    `${median(xs).toFixed(1)} s (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
  return [
    `**Trained network (${dir}): ${POINTS} held-out moons points; reference: DOPRI5 tol 1e-8, shared steps, ${reference.nfe} NFE**`,
    "",
    "Divergence (solver RK4 ×32 fixed; error against the exact JVP at the same solver):",
    "",
    netTable("divergence", divergenceRows),
    "",
    "Solver (default divergence; error against the reference):",
    "",
    netTable("integrator", solverRows),
    "",
    "Data-end time (default solver and divergence; error against the reference at tMax):",
    "",
    netTable("data end", tStartRows),
    "",
    `**Defaults on 1000 held-out points** (adaptive DOPRI5 tol 1e-3 per sample, central differences of the float32 network; median of 3 runs, range): wall ${span(walls)}, CPU ${span(cpus)}, ${runs[0]!.nfe.toFixed(1)} NFE per sample in ${runs[0]!.calls} model calls.`,
  ].join("\n");
}

if (!args.includes("--skip-oracles")) {
  console.log(await oracleBench("2-D ring (8 components)", ring, 64));
  console.log();
  console.log(await oracleBench("64-D mixture (8 components)", mix64, 32));
  console.log();
}
console.log(await networkBench());
