/**
 * Bridge-path benchmark: bridgeSlices for 1000 times on an 8-dimensional time-varying
 * dense SDE (two ODE solves) against constructing the 1000 slices one by one (two solves each), and
 * conversion throughput on a diagonal bridge path. Prints a markdown table (bench/README.md,
 * "## Bridge paths"). Run: node --import tsx bench/bridge.ts
 */
import { gaussian } from "../src/math/gaussian.js";
import { Bridge } from "../src/path/bridge/bridge.js";
import { bridgePath } from "../src/path/bridge/bridgePath.js";
import { BridgeSlice } from "../src/path/bridge/slice.js";
import { bridgeSlices } from "../src/path/bridge/slices.js";
import { Rng } from "../src/random/rng.js";
import { linearSde } from "../src/sde/linearSde.js";
import { linearTimeInvariantSde } from "../src/sde/lti.js";
import { median } from "./peer.js";

const D = 8;
const N_TIMES = 1000;

/** F(t) = −(1 + t)·I + 0.4·S + 0.2t·N (S skew, N fixed), u(t) = sin(jt), L(t) = (1 + t/2)·lower band. */
function timeVarying8() {
  const F = (t: number): number[][] =>
    Array.from({ length: D }, (_, i) =>
      Array.from(
        { length: D },
        (_, j) =>
          (i === j ? -(1 + t) : 0) +
          (0.4 * Math.sign(j - i)) / (1 + Math.abs(i - j)) +
          0.2 * t * Math.cos(i + 2 * j),
      ),
    );
  const L = (t: number): number[][] =>
    Array.from({ length: D }, (_, i) =>
      Array.from({ length: D }, (_, j) => (j === i ? 1 + 0.5 * t : j === i - 1 ? 0.3 : 0)),
    );
  const u = (t: number): number[] => Array.from({ length: D }, (_, j) => Math.sin((j + 1) * t));
  return new Bridge({
    sde: linearSde({ dim: D, F, u, L }),
    t0: 0,
    prior: gaussian({
      mean: Array.from({ length: D }, (_, i) => 0.1 * i),
      cov: Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, j) => (i === j ? 1 : 0.1))),
    }),
    t1: 1,
    evidenceCov: 0.01,
  });
}

function time<T>(f: () => T): [T, number] {
  const start = performance.now();
  const r = f();
  return [r, performance.now() - start];
}

const rows: string[] = [];
const comp = timeVarying8();
const times = Array.from({ length: N_TIMES }, (_, i) => i / (N_TIMES - 1));
// Warm-up.
bridgeSlices(comp, times.slice(0, 50));
for (const t of times.slice(0, 20)) new BridgeSlice(comp, t);

const batchedRuns: number[] = [];
let path = bridgeSlices(comp, times);
for (let r = 0; r < 5; r++) {
  const [p, ms] = time(() => bridgeSlices(comp, times));
  path = p;
  batchedRuns.push(ms);
}
const batchedMs = median(batchedRuns);
const [single, singleMs] = time(() => times.map((t) => new BridgeSlice(comp, t)));
const singleSolves = single.reduce((s, x) => s + x.stats.solves, 0);
const singleRhs = single.reduce((s, x) => s + x.stats.rhsEvals, 0);
let maxDiff = 0;
single.forEach((s, i) => {
  const a = s.cov;
  const b = path[i]!.cov;
  if (a.kind === "dense" && b.kind === "dense") {
    for (let k = 0; k < a.values.length; k++)
      maxDiff = Math.max(maxDiff, Math.abs(a.values[k]! - b.values[k]!));
  }
});

rows.push("| what | wall time | ODE solves | RHS evaluations |");
rows.push("| --- | ---: | ---: | ---: |");
rows.push(
  `| bridgeSlices, ${N_TIMES} times, d = ${D} time-varying dense (median of 5) | ${batchedMs.toFixed(1)} ms | ${path.stats.solves} | ${path.stats.rhsEvals} |`,
);
rows.push(
  `| ${N_TIMES} × new BridgeSlice (one run) | ${singleMs.toFixed(0)} ms | ${singleSolves} | ${singleRhs} |`,
);
rows.push(`| **ratio** | **${(singleMs / batchedMs).toFixed(0)}×** | | |`);
rows.push("");
rows.push(`max |Σ_p(batched) − Σ_p(single)| over all slices: ${maxDiff.toExponential(1)}`);
rows.push("");

// Conversion throughput on a diagonal bridge path.
const DIM = 256;
const BATCH = 1024;
const diag = bridgePath({
  sde: linearTimeInvariantSde({
    F: Array.from({ length: DIM }, (_, i) => -0.5 - i / DIM),
    L: Array.from({ length: DIM }, (_, i) => 1 + i / DIM),
  }),
  t0: 0,
  prior: gaussian({ mean: 0, cov: Array.from({ length: DIM }, () => 1) }),
  t1: 1,
  evidenceCov: 1e-3,
});
const rng = new Rng(1);
const xt = rng.fillNormal(new Float64Array(DIM * BATCH));
const value = rng.fillNormal(new Float64Array(DIM * BATCH));
const out = new Float64Array(DIM * BATCH);
const slice = diag.slice(0.5);
rows.push(
  `| conversion (diagonal bridge, d = ${DIM}, batch ${BATCH}, Float64, out given) | time per call | values / s |`,
);
rows.push("| --- | ---: | ---: |");
for (const [name, f] of [
  ["data → velocity", () => slice.convert(value, "data", "velocity", xt, { out })],
  ["noise → drift (g² = 1)", () => slice.convert(value, "noise", "drift", xt, { g2: 1, out })],
  ["velocity → data", () => slice.convert(value, "velocity", "data", xt, { out })],
  ["score → noise", () => slice.convert(value, "score", "noise", xt, { out })],
] as const) {
  f();
  const reps = 50;
  const [, ms] = time(() => {
    for (let r = 0; r < reps; r++) f();
  });
  const per = ms / reps;
  rows.push(`| ${name} | ${per.toFixed(2)} ms | ${((DIM * BATCH) / (per / 1000) / 1e6).toFixed(0)} M |`);
}
const [, sliceMs] = time(() => {
  for (let r = 0; r < 100; r++) diag.slice(0.01 + r / 101).conversion("velocity", "data");
});
rows.push(`| new slice + velocity→data map (d = ${DIM}) | ${(sliceMs / 100).toFixed(3)} ms | |`);

console.log(rows.join("\n"));
