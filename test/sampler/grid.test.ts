/**
 * Sampling grids: k-diffusion's σ̃ schedules (fixtures), diffusers' spacings, the data end, shifts,
 * custom-grid validation, and properties of every family on every schedule.
 */
import { sigmaTilde } from "../../src/time.js";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { affinePath } from "../../src/path/affine.js";
import {
  type Grid,
  type GridFunction,
  customGrid,
  discreteGrid,
  discreteTimesteps,
  dynamicShiftGrid,
  dynamicShiftMu,
  edmGrid,
  exponentialGrid,
  karrasGrid,
  polyexponentialGrid,
  shiftGrid,
  timeQuadraticGrid,
  uniformLogSnrGrid,
  uniformTimeGrid,
} from "../../src/sampler/grid.js";
import { discreteSchedule } from "../../src/schedule/discrete.js";
import { edmSchedule } from "../../src/schedule/edm.js";
import { linearSchedule } from "../../src/schedule/linear.js";
import { veSchedule } from "../../src/schedule/ve.js";
import { vpSchedule } from "../../src/schedule/vp.js";
import { allSchedules } from "../helpers.js";
import { diagonalBridge, loadFixture, relErr } from "./fixtures.js";

const edm = affinePath(edmSchedule({ sigmaMin: sigmaTilde(0.002), sigmaMax: sigmaTilde(80), rho: 7 }));

const bridge = diagonalBridge;

describe("k-diffusion σ̃ schedules", () => {
  const cases: readonly [string, (n: number, kw: Record<string, number>) => Grid][] = [
    [
      "kdiffusion-sigmas-karras-10.json",
      (n, kw) =>
        karrasGrid(edm, n, {
          sigmaMin: sigmaTilde(kw.sigma_min!),
          sigmaMax: sigmaTilde(kw.sigma_max!),
          rho: kw.rho!,
        }),
    ],
    [
      "kdiffusion-sigmas-exponential-10.json",
      (n, kw) =>
        exponentialGrid(edm, n, { sigmaMin: sigmaTilde(kw.sigma_min!), sigmaMax: sigmaTilde(kw.sigma_max!) }),
    ],
    [
      "kdiffusion-sigmas-polyexponential-rho1-10.json",
      (n, kw) =>
        polyexponentialGrid(edm, n, {
          sigmaMin: sigmaTilde(kw.sigma_min!),
          sigmaMax: sigmaTilde(kw.sigma_max!),
          rho: kw.rho!,
        }),
    ],
    [
      "kdiffusion-sigmas-polyexponential-rho2-10.json",
      (n, kw) =>
        polyexponentialGrid(edm, n, {
          sigmaMin: sigmaTilde(kw.sigma_min!),
          sigmaMax: sigmaTilde(kw.sigma_max!),
          rho: kw.rho!,
        }),
    ],
  ];
  for (const [file, build] of cases) {
    it(`${file.replace(".json", "")} is reproduced to 1e-14 and ends at the data end`, () => {
      const f = loadFixture<{ kwargs: Record<string, number>; sigmas: number[] }>(file);
      const grid = build(f.kwargs.n!, f.kwargs);
      assert.ok(relErr(grid.sigmas, f.sigmas) <= 1e-14, `σ̃ rel ${relErr(grid.sigmas, f.sigmas)}`);
      assert.equal(grid.sigmas[grid.sigmas.length - 1], 0, "σ̃ = 0 appended");
      assert.ok(grid.dataEnd, "last node is the data end");
    });
  }

  it("get_sigmas_vp is the VP path on times linspace(0, 1 − 10⁻³) plus the data end", () => {
    const f = loadFixture<{ sigmas: number[] }>("kdiffusion-sigmas-vp-10.json");
    const vp = affinePath(vpSchedule({ betaMin: 0.1, betaMax: 20 }));
    const grid = customGrid(
      vp,
      Array.from({ length: 10 }, (_, i) => (i * (1 - 1e-3)) / 9),
      { dataEnd: true },
    );
    assert.ok(relErr(grid.sigmas, f.sigmas) <= 1e-12, `σ̃ rel ${relErr(grid.sigmas, f.sigmas)}`);
  });
});

describe("diffusers' discrete spacings", () => {
  it("leading + stepsOffset 1, trailing and linspace give the README's timesteps", () => {
    assert.deepEqual(
      discreteTimesteps(1000, 10, "leading", 1),
      [901, 801, 701, 601, 501, 401, 301, 201, 101, 1],
    );
    assert.deepEqual(
      discreteTimesteps(1000, 10, "trailing"),
      [999, 899, 799, 699, 599, 499, 399, 299, 199, 99],
    );
    assert.deepEqual(
      discreteTimesteps(1000, 10, "linspace"),
      [999, 888, 777, 666, 555, 444, 333, 222, 111, 0],
    );
  });

  it("linspace rounds numpy's linspace (diffusers), not torch's: np.linspace(0, 49, 23)[11] = 24.4999… gives 24", () => {
    // numpy: np.linspace(0, 49, 23).round()[::-1]
    const numpy = [49, 47, 45, 42, 40, 38, 36, 33, 31, 29, 27, 24, 22, 20, 18, 16, 13, 11, 9, 7, 4, 2, 0];
    assert.deepEqual(discreteTimesteps(50, 23, "linspace"), numpy);
  });

  it("discreteGrid puts entry k at t = 1 − (k + 1)/N and ends at ᾱ = 1 or at entry 0", () => {
    const path = affinePath(
      discreteSchedule({ betaSchedule: "scaled_linear", betaStart: 0.00085, betaEnd: 0.012 }),
    );
    const g = discreteGrid(path, 10, { spacing: "trailing" });
    assert.deepEqual(Array.from(g.trainSteps), [999, 899, 799, 699, 599, 499, 399, 299, 199, 99, -1]);
    g.trainSteps.forEach((k, i) => {
      assert.ok(Math.abs(g.times[i]! - (1 - (k + 1) / 1000)) <= 1e-15, `node ${i}`);
    });
    assert.ok(g.dataEnd && g.slices[10]!.level!.sigma === 0, "data end ᾱ = 1");
    const h = discreteGrid(path, 10, { spacing: "trailing", end: "firstEntry" });
    assert.equal(h.trainSteps[h.trainSteps.length - 1], 0, "entry 0 last");
    assert.ok(!h.dataEnd, "ᾱ₀ is not the data end");
    assert.throws(
      () => discreteGrid(edm, 10),
      /discreteGrid: path must be the affine path of a discreteSchedule/,
    );
  });
});

describe("the data end", () => {
  it("lies beyond t = 1 on VE and EDM (σ(1) = σmin): a second node at t = 1 with σ = 0", () => {
    for (const path of [edm, affinePath(veSchedule())]) {
      const g = uniformTimeGrid(path, 5);
      const n = g.times.length;
      assert.deepEqual([g.times[n - 2], g.times[n - 1]], [1, 1], `${path.name}: t = 1 twice`);
      assert.ok(g.slices[n - 2]!.level!.sigma > 0 && g.slices[n - 1]!.level!.sigma === 0, "σmin then 0");
      assert.equal(n, 6, "5 steps");
    }
  });

  it('is t = 1 where σ(1) = 0, and `end: "tMax"` stops at tMax instead', () => {
    const lin = affinePath(linearSchedule());
    const g = uniformTimeGrid(lin, 4, { start: 0 });
    assert.deepEqual(Array.from(g.times), [0, 0.25, 0.5, 0.75, 1]);
    assert.ok(g.dataEnd, "σ(1) = 0");
    const h = uniformTimeGrid(lin, 4, { start: 0, end: "tMax" });
    assert.equal(h.times[4], lin.tMax, "stops at tMax");
    assert.ok(!h.dataEnd, "not the data end");
  });

  it("on a bridge is t = 1, a data end (σ = 0) only when the evidence pins the path", () => {
    const pinned = uniformTimeGrid(bridge(0), 4);
    assert.equal(pinned.times[4], 1);
    assert.ok(pinned.dataEnd, "R = 0: Σ_p(1) = 0");
    const noisy = uniformTimeGrid(bridge(0.01), 4);
    assert.equal(noisy.times[4], 1);
    assert.ok(!noisy.dataEnd, "R > 0: x₁ = y1 + noise");
  });
});

describe("grid families", () => {
  it("shift grids warp log-SNR: σ' = sσ/(1 + (s − 1)σ) on the flow path, μ-form with exponent", () => {
    const lin = affinePath(linearSchedule());
    const base = uniformTimeGrid(lin, 8, { start: 0 });
    const g = shiftGrid(lin, 8, { shift: 3, start: 0 });
    base.times.forEach((t, i) => {
      const s = 1 - t;
      assert.ok(Math.abs(1 - g.times[i]! - (3 * s) / (1 + 2 * s)) <= 1e-13, `node ${i}`);
    });
    const mu = 0.8;
    const gamma = 1.5;
    const h = shiftGrid(lin, 8, { mu, exponent: gamma, start: 0 });
    base.times.forEach((t, i) => {
      const s = 1 - t;
      const expected = i === 8 ? 0 : Math.exp(mu) / (Math.exp(mu) + (1 / s - 1) ** gamma);
      assert.ok(Math.abs(1 - h.times[i]! - expected) <= 1e-13, `μ node ${i}`);
    });
    assert.ok(
      relErr(shiftGrid(lin, 8, { shift: 1, start: 0 }).times, base.times) <= 1e-14,
      "shift 1 is the identity",
    );
  });

  it("dynamic shift is Flux's μ(L) between (256, 0.5) and (4096, 1.15)", () => {
    assert.ok(
      Math.abs(dynamicShiftMu(256) - 0.5) < 1e-15 && Math.abs(dynamicShiftMu(4096) - 1.15) < 1e-15,
      "end points",
    );
    const lin = affinePath(linearSchedule());
    const g = dynamicShiftGrid(lin, 6, { imageSeqLen: 1024, start: 0 });
    const h = shiftGrid(lin, 6, { mu: dynamicShiftMu(1024), start: 0 });
    assert.deepEqual(Array.from(g.times), Array.from(h.times));
  });

  it("time-quadratic is quadratic in diffusion time; uniform log-SNR has equal λ steps", () => {
    const vp = affinePath(vpSchedule());
    const q = timeQuadraticGrid(vp, 10, { start: 0, end: "tMax" });
    const a = Math.sqrt(1);
    const b = Math.sqrt(1 - vp.tMax);
    q.times.forEach((t, i) => {
      assert.ok(Math.abs(1 - t - (a + (i / 10) * (b - a)) ** 2) <= 1e-14, `node ${i}`);
    });
    const u = uniformLogSnrGrid(vp, 10, { end: "tMax" });
    const steps = u.logSnrs.slice(1).map((l, i) => l - u.logSnrs[i]!);
    assert.ok(
      steps.every((d) => Math.abs(d - steps[0]!) <= 1e-9),
      `λ steps ${Array.from(steps)}`,
    );
  });

  it("EDM's grid is the Karras grid with σ ∈ [0.002, 80], ρ = 7", () => {
    assert.ok(
      relErr(
        edmGrid(edm, 18).sigmas,
        karrasGrid(edm, 18, { sigmaMin: sigmaTilde(0.002), sigmaMax: sigmaTilde(80), rho: 7 }).sigmas,
      ) === 0,
      "identical",
    );
    assert.ok(
      relErr(
        edmGrid(edm, 18).sigmas.slice(0, 18),
        uniformTimeGrid(edm, 18, { start: 0 }).sigmas.slice(0, 18),
      ) <= 1e-13,
      "uniform t on edm",
    );
  });

  it("σ̃ grids on a diagonal bridge place nodes by the mean log-SNR", () => {
    const g = uniformLogSnrGrid(bridge(0), 6, { end: "tMax" });
    const steps = g.logSnrs.slice(1).map((l, i) => l - g.logSnrs[i]!);
    assert.ok(
      steps.every((d) => Math.abs(d - steps[0]!) <= 1e-8),
      `mean λ steps ${Array.from(steps)}`,
    );
  });

  const FAMILIES: readonly [string, GridFunction][] = [
    ["uniform time", uniformTimeGrid],
    ["time-quadratic", timeQuadraticGrid],
    ["uniform log-SNR", uniformLogSnrGrid],
    ["Karras ρ = 7", karrasGrid],
    ["exponential", exponentialGrid],
    ["polyexponential ρ = 2", (p, n) => polyexponentialGrid(p, n, { rho: 2 })],
  ];
  for (const [name, family] of FAMILIES) {
    it(`${name}: on every schedule, steps + 1 nodes, increasing in t and λ, inside [0, 1], σ̃ and λ of the slices`, () => {
      for (const schedule of allSchedules()) {
        const path = affinePath(schedule);
        fc.assert(
          fc.property(fc.integer({ min: 1, max: 40 }), (steps) => {
            const g = family(path, steps);
            assert.equal(
              g.times.length,
              steps + 1,
              `${schedule.name}: ${g.times.length} nodes for ${steps} steps`,
            );
            for (let i = 0; i < g.times.length; i++) {
              const t = g.times[i]!;
              assert.ok(t >= 0 && t <= 1, `${schedule.name}: t = ${t}`);
              const l = g.slices[i]!.level!;
              assert.ok(
                Math.abs(g.sigmas[i]! - l.sigma / l.alpha) <= 1e-12 * (1 + g.sigmas[i]!),
                `${schedule.name}: σ̃[${i}]`,
              );
              if (i > 0) {
                const last = i === g.times.length - 1 && g.dataEnd;
                assert.ok(
                  t > g.times[i - 1]! || (last && t === 1),
                  `${schedule.name}: t not increasing at ${i}`,
                );
                assert.ok(g.logSnrs[i]! > g.logSnrs[i - 1]!, `${schedule.name}: λ not increasing at ${i}`);
              }
            }
            assert.ok(g.dataEnd, `${schedule.name}: ends at the data end by default`);
          }),
          { numRuns: 8 },
        );
      }
    });
  }
});

describe("custom grids", () => {
  const lin = affinePath(linearSchedule());
  it("are validated: strictly increasing canonical times inside [0, 1], at least 2 nodes", () => {
    assert.throws(
      () => customGrid(lin, [0.1, 0.5, 0.5]),
      /customGrid: times must be strictly increasing .* times\[2\] = 0.5 ≤ times\[1\] = 0.5 — sort them ascending/,
    );
    assert.throws(() => customGrid(lin, [0.2, 0.1]), /strictly increasing/);
    assert.throws(() => customGrid(lin, [-0.1, 0.5]), /customGrid: times\[0\] = -0.1 is outside \[0, 1\]/);
    assert.throws(() => customGrid(lin, [0.5, 1.5]), /outside \[0, 1\]/);
    assert.throws(() => customGrid(lin, [0.5]), /at least 2 nodes/);
    assert.throws(
      () => customGrid(lin, [0.2, 0.5], { levels: [lin.schedule.at(0.2)] }),
      /1 levels for 2 times/,
    );
    assert.throws(() => uniformTimeGrid(lin, 0), /steps must be a positive integer/);
  });

  it("keep exactly the given times; dataEnd appends the data end", () => {
    const g = customGrid(lin, [0.1, 0.4, 0.8], { dataEnd: true });
    assert.deepEqual(Array.from(g.times), [0.1, 0.4, 0.8, 1]);
    assert.ok(g.dataEnd, "t = 1 appended on the linear path is the data end (σ = 0)");
    const h = customGrid(edm, [0, 0.5, 1], { dataEnd: true });
    assert.deepEqual(Array.from(h.times), [0, 0.5, 1, 1]);
    assert.ok(
      h.dataEnd && Math.abs(h.slices[2]!.level!.sigma - 0.002) < 1e-15 && h.slices[3]!.level!.sigma === 0,
      "beyond t = 1 after σmin",
    );
  });
});
