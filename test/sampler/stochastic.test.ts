/**
 * Stochastic samplers: sample mean and covariance against the known Gaussian marginal (Monte Carlo
 * with a fixed seed; thresholds of 5 standard errors cover the discretization bias of the step counts
 * used), S_churn = 0 and g = 0 reproduce the deterministic samplers, and samples do not depend on the
 * batch they are drawn in.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gaussianMixture } from "../../src/oracle/mixture.js";
import { affinePath } from "../../src/path/affine.js";
import { annealedLangevin } from "../../src/sampler/annealedLangevin.js";
import { ddim } from "../../src/sampler/ddim.js";
import { ddpm } from "../../src/sampler/ddpm.js";
import { dpmSolverMultistep } from "../../src/sampler/dpmSolverMultistep.js";
import { dpmSolverSinglestep } from "../../src/sampler/dpmSolverSinglestep.js";
import { edmStochastic } from "../../src/sampler/edmStochastic.js";
import { euler } from "../../src/sampler/euler.js";
import { eulerAncestral } from "../../src/sampler/eulerAncestral.js";
import { eulerMaruyama } from "../../src/sampler/eulerMaruyama.js";
import { customGrid, karrasGrid, uniformTimeGrid } from "../../src/sampler/grid.js";
import { heun } from "../../src/sampler/heun.js";
import { predictorCorrector } from "../../src/sampler/predictorCorrector.js";
import { sample } from "../../src/sampler/sample.js";
import { Prediction, type Sampler, type SamplerState } from "../../src/sampler/sampler.js";
import { cosineSchedule } from "../../src/schedule/cosine.js";
import { edmSchedule } from "../../src/schedule/edm.js";
import { vpSchedule } from "../../src/schedule/vp.js";

type AnySampler = Sampler<SamplerState>;
const path = affinePath(cosineSchedule());
const MU = [1, -0.5];
const S = 0.5;
const mixture = gaussianMixture({ weights: [1], means: [MU], covariances: S * S });
const model = mixture.denoiser(path);
const N = 4000;

/** Grid uniform in t from tMin to tEnd (the marginal there is N(α·μ, (α²s² + σ²)·I)). */
function gridTo(tEnd: number, steps: number) {
  return customGrid(
    path,
    Array.from({ length: steps + 1 }, (_, i) => path.tMin + ((tEnd - path.tMin) * i) / steps),
  );
}

/** z-scores of the sample means, variances and the covariance against N(m, v·I). */
function zScores(x: Float64Array, tEnd: number): number[] {
  const l = path.schedule.at(tEnd);
  const m = MU.map((v) => l.alpha * v);
  const v = l.alpha ** 2 * S * S + l.sigma ** 2;
  const mean = [0, 1].map((d) => {
    let a = 0;
    for (let i = 0; i < N; i++) a += x[i * 2 + d]!;
    return a / N;
  });
  const centered = (i: number, d: number) => x[i * 2 + d]! - mean[d]!;
  const variance = [0, 1].map((d) => {
    let b = 0;
    for (let i = 0; i < N; i++) b += centered(i, d) ** 2;
    return b / (N - 1);
  });
  let cov = 0;
  for (let i = 0; i < N; i++) cov += centered(i, 0) * centered(i, 1);
  cov /= N - 1;
  return [
    ...mean.map((a, d) => (a - m[d]!) / Math.sqrt(v / N)),
    ...variance.map((b) => (b - v) / (v * Math.sqrt(2 / (N - 1)))),
    cov / (v / Math.sqrt(N)),
  ];
}

const CASES: readonly [string, AnySampler, number, number][] = [
  ["DDPM (fixedSmall)", ddpm(), 200, 0.97],
  ["DDPM (fixedLarge)", ddpm({ variance: "fixedLarge" }), 200, 0.97],
  ["DDIM η = 1", ddim({ eta: 1 }), 200, 0.97],
  ["DDIM η = 0.5", ddim({ eta: 0.5 }), 100, 0.97],
  ["Euler ancestral", eulerAncestral(), 200, 0.97],
  ["EDM stochastic Heun (S_churn = 40)", edmStochastic({ sChurn: 40 }), 50, 0.97],
  ["DPM-Solver++(2M) SDE", dpmSolverMultistep({ eta: 1 }), 50, 0.97],
  ["DPM-Solver++(3M) SDE", dpmSolverMultistep({ order: 3, eta: 1 }), 50, 0.97],
  ["DPM-Solver++(2S) ancestral", dpmSolverSinglestep({ eta: 1 }), 50, 0.97],
  ["Euler–Maruyama, reverse SDE", eulerMaruyama(), 200, 0.97],
  ["Euler–Maruyama, g² = 1", eulerMaruyama({ g2: () => 1 }), 200, 0.97],
  ["predictor–corrector (Langevin snr 0.16)", predictorCorrector({ snr: 0.16, steps: 1 }), 100, 0.97],
];

describe("stochastic samplers", () => {
  for (const [name, sampler, steps, tEnd] of CASES) {
    it(`${name}: sample mean and covariance match the Gaussian marginal within Monte-Carlo error`, async (t) => {
      const r = await sample(model, { sampler, grid: gridTo(tEnd, steps), seed: 7, batch: N, dim: 2 });
      const z = zScores(r.x, tEnd);
      t.diagnostic(
        `z: mean ${z[0]!.toFixed(1)}, ${z[1]!.toFixed(1)}; var ${z[2]!.toFixed(1)}, ${z[3]!.toFixed(1)}; cov ${z[4]!.toFixed(1)}`,
      );
      assert.ok(
        z.every((v) => Math.abs(v) <= 5),
        `${name}: z-scores ${z.map((v) => v.toFixed(2))}`,
      );
    });
  }

  it("annealed Langevin dynamics: the last level's marginal within Monte-Carlo error", async (t) => {
    const tEnd = 0.7;
    const grid = gridTo(tEnd, 30);
    const sigmaL2 = path.schedule.at(tEnd).sigma ** 2;
    const r = await sample(model, {
      sampler: annealedLangevin({ steps: 60, stepSize: 0.1 * sigmaL2 }),
      grid,
      seed: 11,
      batch: N,
      dim: 2,
    });
    const z = zScores(r.x, tEnd);
    t.diagnostic(`z: ${z.map((v) => v.toFixed(1)).join(", ")}`);
    assert.ok(
      z.every((v) => Math.abs(v) <= 5),
      `annealed Langevin: z-scores ${z.map((v) => v.toFixed(2))}`,
    );
  });

  it("EDM's stochastic sampler with S_churn = 0 is the deterministic Heun sampler exactly (and draws nothing)", async () => {
    const edm = affinePath(edmSchedule());
    const m = gaussianMixture({
      weights: [0.5, 0.5],
      means: [
        [-1, 0],
        [1, 1],
      ],
      covariances: 0.1,
    }).denoiser(edm);
    const grid = karrasGrid(edm, 12);
    const x = Float64Array.from({ length: 10 }, (_, i) => 80 * Math.sin(i + 1));
    const a = await sample(m, { sampler: edmStochastic({ sChurn: 0 }), grid, x, dim: 2, seed: 1 });
    const b = await sample(m, { sampler: heun({ variable: "sigma" }), grid, x, dim: 2 });
    assert.deepEqual(Array.from(a.x), Array.from(b.x), "identical samples");
    assert.equal(a.state.draws, 0, "no noise drawn");
    const c = await sample(m, { sampler: edmStochastic({ sChurn: 10 }), grid, x, dim: 2, seed: 1 });
    assert.ok(
      c.state.draws > 0 && c.x.some((v, i) => v !== a.x[i]),
      "S_churn > 0 draws noise and changes the samples",
    );
  });

  it("Euler–Maruyama with g = 0 is the probability-flow ODE (Euler), and g² = the forward g² is the classic reverse SDE", async () => {
    const grid = uniformTimeGrid(path, 20);
    const x = Float64Array.from({ length: 8 }, (_, i) => Math.cos(3 * i));
    const a = await sample(model, { sampler: eulerMaruyama({ g2: () => 0 }), grid, x, dim: 2, seed: 3 });
    const b = await sample(model, { sampler: euler(), grid, x, dim: 2 });
    assert.deepEqual(Array.from(a.x), Array.from(b.x), "g = 0 is Euler on the PF-ODE");
    // Reverse SDE drift in canonical time: (α'/α)·x + g²·∇log p (Song et al. 2021, eq. 6 with t = 1 − s).
    const vp = affinePath(vpSchedule());
    const t = 0.4;
    const slice = vp.slice(t);
    const m = mixture.denoiser(vp);
    const p = new Prediction(m, Float64Array.from(await m.predict(x, t, { batch: 4, dim: 2 })), x, slice);
    const g2 = vp.schedule.sde(t).g2;
    const { alpha, dAlpha } = slice.level;
    const score = p.as("score");
    const drift = p.drift(g2);
    drift.forEach((v, i) => {
      assert.ok(
        Math.abs(v - ((dAlpha / alpha) * x[i]! + g2 * score[i]!)) <= 1e-12 * (1 + Math.abs(v)),
        `drift[${i}]`,
      );
    });
  });

  const BATCHED: readonly [string, AnySampler][] = [
    ["DDPM", ddpm()],
    ["Euler ancestral", eulerAncestral()],
    ["EDM stochastic", edmStochastic({ sChurn: 30 })],
    ["DPM-Solver++(3M) SDE", dpmSolverMultistep({ order: 3, eta: 1 })],
    ["DPM-Solver++(2S) ancestral", dpmSolverSinglestep({ eta: 1 })],
    ["Euler–Maruyama", eulerMaruyama()],
    ["predictor–corrector", predictorCorrector({ steps: 2 })],
    ["annealed Langevin", annealedLangevin({ steps: 3 })],
  ];
  for (const [name, sampler] of BATCHED) {
    it(`${name}: a sample does not depend on the batch size or its position in a split run`, async () => {
      const grid = uniformTimeGrid(path, 8);
      const small = await sample(model, { sampler, grid, seed: 42, batch: 3, dim: 2 });
      const large = await sample(model, { sampler, grid, seed: 42, batch: 8, dim: 2 });
      assert.deepEqual(Array.from(small.x), Array.from(large.x.subarray(0, 6)), "first rows equal");
      const tail = await sample(model, { sampler, grid, seed: 42, firstRow: 3, batch: 5, dim: 2 });
      assert.deepEqual(
        Array.from(tail.x),
        Array.from(large.x.subarray(6)),
        "rows 3–7 drawn as their own batch",
      );
    });
  }
});
