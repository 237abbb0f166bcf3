/**
 * Convergence orders on Gaussian data, where the probability-flow ODE has a closed-form solution.
 *
 * For data ~ N(μ, s²) on an affine path the marginal is pₜ = N(α·μ, vₜ), vₜ = α²s² + σ², and in one
 * dimension the PF-ODE flow is the monotone map between these Gaussians:
 *   x(t_b) = α_b·μ + √(v_b/v_a)·(x(t_a) − α_a·μ).
 * (The velocity field preserving a 1-D Gaussian family with smooth coefficients is affine in x, and an
 * affine flow map between N(m_a, v_a) and N(m_b, v_b) that is increasing is this one.)
 *
 * Each solver integrates from t_a = 0.35 to t_b = 0.9 on the cosine path with n steps (uniform in t
 * for the t-variable solvers, uniform in log-SNR for the σ̃-variable and exponential-integrator
 * solvers); the empirical order is the least-squares slope of log error against log n over the three
 * finest n. Multistep methods are measured with exact starting values, the textbook definition of their
 * order (Hairer, Nørsett & Wanner, Solving ODEs I, §III.2): the grid is extended four steps back and
 * every stored solution value is reset to the exact one during those steps. Run from noise instead,
 * their lower-order start-up and `lowerOrderFinal` limit the observed order (last test).
 */
import { logSnr } from "../../src/time.js";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gaussianMixture } from "../../src/oracle/mixture.js";
import { affinePath } from "../../src/path/affine.js";
import { ddim } from "../../src/sampler/ddim.js";
import { deis } from "../../src/sampler/deis.js";
import { dopri } from "../../src/sampler/dopri.js";
import { dpmSolverMultistep } from "../../src/sampler/dpmSolverMultistep.js";
import { dpmSolverSinglestep } from "../../src/sampler/dpmSolverSinglestep.js";
import { edmStochastic } from "../../src/sampler/edmStochastic.js";
import { euler } from "../../src/sampler/euler.js";
import { type Grid, customGrid } from "../../src/sampler/grid.js";
import { heun } from "../../src/sampler/heun.js";
import { lms } from "../../src/sampler/lms.js";
import { pndm } from "../../src/sampler/pndm.js";
import { dpm2, midpoint, rk2 } from "../../src/sampler/rk2.js";
import { rk4 } from "../../src/sampler/rk4.js";
import { sample } from "../../src/sampler/sample.js";
import type { Sampler, SamplerState } from "../../src/sampler/sampler.js";
import { unipc } from "../../src/sampler/unipc.js";
import { cosineSchedule } from "../../src/schedule/cosine.js";

type AnySampler = Sampler<SamplerState>;
const path = affinePath(cosineSchedule());
const MU = 1;
const S = 0.5;
const model = gaussianMixture({ weights: [1], means: [[MU]], covariances: S * S }).denoiser(path);
const TA = 0.35;
const TB = 0.9;
const X0 = Float64Array.from([-2, -1, 0, 0.5, 1, 2, 3]);

function moments(t: number): [number, number] {
  const l = path.schedule.at(t);
  return [l.alpha * MU, l.alpha ** 2 * S * S + l.sigma ** 2];
}
const [MA, VA] = moments(TA);
function exactAt(t: number): Float64Array {
  const [m, v] = moments(t);
  return X0.map((x) => m + Math.sqrt(v / VA) * (x - MA));
}

/** n steps from TA to TB, uniform in t or in λ, preceded by `back` steps of the same size. */
function gridOf(n: number, spacing: "t" | "logSnr", back: number): Grid {
  const la = path.schedule.logSnr(TA);
  const lb = path.schedule.logSnr(TB);
  const times = Array.from({ length: n + 1 + back }, (_, j) => {
    const i = j - back;
    if (i === 0) return TA;
    if (i === n) return TB;
    return spacing === "t"
      ? TA + ((TB - TA) * i) / n
      : path.schedule.timeAtLogSnr(logSnr(la + ((lb - la) * i) / n));
  });
  return customGrid(path, times);
}

/** Error at TB after n steps; `back` warm-up steps with every stored solution value reset to exact. */
async function errorAt(
  sampler: AnySampler,
  n: number,
  spacing: "t" | "logSnr",
  back: number,
): Promise<number> {
  const grid = gridOf(n, spacing, back);
  let state = sampler.init(exactAt(grid.times[0]!), grid, { dim: 1 });
  while (state.index < grid.times.length - 1) {
    state = await sampler.step(model, state);
    if (state.index <= back) {
      state = { ...state, x: exactAt(grid.times[state.index]!) };
      const prev = (state as { previous?: { x: Float64Array } }).previous;
      if (prev)
        state = { ...state, previous: { ...prev, x: exactAt(grid.times[state.index - 1]!) } } as SamplerState;
    }
  }
  const exact = exactAt(TB);
  return Math.max(...state.x.map((v, i) => Math.abs(v - exact[i]!)));
}

/** Least-squares slope of −log error against log n. */
function slope(ns: readonly number[], errs: readonly number[]): number {
  const lx = ns.map(Math.log);
  const ly = errs.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  return -lx.reduce((a, x, i) => a + (x - mx) * (ly[i]! - my), 0) / lx.reduce((a, x) => a + (x - mx) ** 2, 0);
}

const LOW = [20, 40, 80, 160];
const HIGH = [40, 80, 160, 320];
const noFinal = { lowerOrderFinal: false } as const;

/** name, sampler, grid spacing, n values, warm-up (exact starting values) steps. */
const CASES: readonly [string, AnySampler, "t" | "logSnr", readonly number[], number][] = [
  ["euler (t)", euler(), "t", LOW, 0],
  ["euler (σ̃)", euler({ variable: "sigma" }), "logSnr", LOW, 0],
  ["heun (t)", heun(), "t", LOW, 0],
  ["heun (σ̃)", heun({ variable: "sigma" }), "logSnr", LOW, 0],
  ["midpoint (t)", midpoint(), "t", LOW, 0],
  ["Ralston RK(⅔) (t)", rk2({ alpha: 2 / 3 }), "t", LOW, 0],
  ["dpm2", dpm2(), "logSnr", LOW, 0],
  ["rk4", rk4(), "t", [10, 20, 40, 80], 0],
  ["lms order 2 (t)", lms({ order: 2 }), "t", LOW, 4],
  ["lms order 3 (t)", lms({ order: 3 }), "t", HIGH, 4],
  ["lms order 4 (t)", lms({ order: 4 }), "t", HIGH, 4],
  ["lms order 4 (σ̃)", lms({ order: 4, variable: "sigma" }), "logSnr", HIGH, 4],
  ["deis order 2", deis({ order: 2, ...noFinal }), "logSnr", LOW, 4],
  ["deis order 3", deis({ order: 3, ...noFinal }), "logSnr", HIGH, 4],
  ["ddim", ddim(), "logSnr", LOW, 0],
  ["dpm-solver++ 1", dpmSolverMultistep({ order: 1, ...noFinal }), "logSnr", LOW, 4],
  ["dpm-solver++ 2M (midpoint)", dpmSolverMultistep({ order: 2, ...noFinal }), "logSnr", LOW, 4],
  [
    "dpm-solver++ 2M (taylor)",
    dpmSolverMultistep({ order: 2, solverType: "taylor", ...noFinal }),
    "logSnr",
    LOW,
    4,
  ],
  ["dpm-solver++ 3M", dpmSolverMultistep({ order: 3, ...noFinal }), "logSnr", HIGH, 4],
  [
    "dpm-solver++ 3M (peers' halfTaylor)",
    dpmSolverMultistep({ order: 3, thirdOrder: "halfTaylor", ...noFinal }),
    "logSnr",
    HIGH,
    4,
  ],
  ["dpm-solver++ 2S", dpmSolverSinglestep(), "logSnr", LOW, 0],
  ["unipc p=1 (bh2)", unipc({ order: 1, ...noFinal }), "logSnr", LOW, 4],
  ["unipc p=2 (bh2)", unipc({ order: 2, ...noFinal }), "logSnr", HIGH, 4],
  ["unipc p=2 (bh1)", unipc({ order: 2, variant: "bh1", ...noFinal }), "logSnr", HIGH, 4],
  ["unipc p=3 (bh2)", unipc({ order: 3, ...noFinal }), "logSnr", HIGH, 4],
  ["unipc p=3 without corrector", unipc({ order: 3, corrector: false, ...noFinal }), "logSnr", HIGH, 4],
  ["pndm", pndm(), "t", LOW, 4],
  ["edm stochastic, S_churn = 0", edmStochastic(), "logSnr", LOW, 0],
];

describe("convergence order on Gaussian data", () => {
  for (const [name, sampler, spacing, ns, back] of CASES) {
    it(`${name} converges at its declared order ${sampler.order} ± 0.3`, async (t) => {
      const errs: number[] = [];
      for (const n of ns) errs.push(await errorAt(sampler, n, spacing, back));
      const p = slope(ns.slice(1), errs.slice(1));
      t.diagnostic(`order ${p.toFixed(2)}; errors ${errs.map((e) => e.toExponential(1)).join(", ")}`);
      assert.ok(
        Math.abs(p - sampler.order) <= 0.3,
        `${name}: empirical order ${p.toFixed(3)}, declared ${sampler.order}`,
      );
    });
  }

  it("adaptive Dormand–Prince converges at order 5 with its steps fixed by maxStep", async (t) => {
    const ns = [4, 8, 16];
    // Under per-row control the sample starting at x = 0 begins with the starting heuristic's small
    // step (‖y₀‖ = 0), so only the shared run has exactly one accepted step per maxStep.
    for (const control of ["shared", "perRow"] as const) {
      const errs: number[] = [];
      for (const n of ns) {
        const sampler = dopri({ rtol: 1e3, atol: 1e3, maxStep: (TB - TA) / n, control });
        const r = await sample(model, { sampler, grid: customGrid(path, [TA, TB]), x: X0, dim: 1 });
        if (control === "shared") assert.equal(r.state.accepted, n, "one accepted step per maxStep");
        const exact = exactAt(TB);
        errs.push(Math.max(...r.x.map((v, i) => Math.abs(v - exact[i]!))));
      }
      const p = slope(ns, errs);
      t.diagnostic(
        `${control}: order ${p.toFixed(2)}; errors ${errs.map((e) => e.toExponential(1)).join(", ")}`,
      );
      assert.ok(Math.abs(p - 5) <= 0.3, `dopri (${control}): empirical order ${p.toFixed(3)}`);
    }
  });

  it("adaptive Dormand–Prince meets its tolerance and reports its work", async () => {
    for (const tol of [1e-6, 1e-9]) {
      const r = await sample(model, {
        sampler: dopri({ rtol: tol, atol: tol }),
        grid: customGrid(path, [TA, TB]),
        x: X0,
        dim: 1,
      });
      const exact = exactAt(TB);
      const err = Math.max(...r.x.map((v, i) => Math.abs(v - exact[i]!)));
      assert.ok(err <= 100 * tol, `tol ${tol}: error ${err}`);
      assert.ok(r.nfe >= 6 * r.state.accepted, `NFE ${r.nfe} counts every stage`);
    }
  });

  it("run from the first node (lower-order start-up, lowerOrderFinal), every multistep solver still converges at order ≥ 1.7", async () => {
    const asRun: readonly [string, AnySampler][] = [
      ["lms 4", lms({ order: 4 })],
      ["dpm-solver++ 3M", dpmSolverMultistep({ order: 3 })],
      ["unipc p=3", unipc({ order: 3 })],
      ["deis 3", deis({ order: 3 })],
    ];
    for (const [name, sampler] of asRun) {
      const errs: number[] = [];
      for (const n of LOW) errs.push(await errorAt(sampler, n, name.startsWith("lms") ? "t" : "logSnr", 0));
      const p = slope(LOW.slice(1), errs.slice(1));
      assert.ok(p >= 1.7, `${name} as run: order ${p.toFixed(3)}`);
    }
  });
});
