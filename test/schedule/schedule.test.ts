import type { LogSnr, TrainStep } from "../../src/time.js";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  cosineSchedule,
  customSchedule,
  discreteSchedule,
  edmSchedule,
  levelLogSnr,
  linearSchedule,
  linearVpSchedule,
  polynomialSchedule,
  scheduleFromSpec,
  shiftedSchedule,
  subVpSchedule,
  veSchedule,
  vpSchedule,
} from "../../src/index.js";
import { derivative } from "../../src/extend.js";
import { allSchedules, assertClose } from "../helpers.js";
import { loadReference } from "../reference/load.js";

/** α(t) of the VP SDE by Simpson quadrature of ∫β — independent of the closed form. */
function vpAlphaByQuadrature(t: number, betaMin = 0.1, betaMax = 20): number {
  const s = 1 - t;
  const n = 2000;
  const h = s / n;
  let sum = 0;
  for (let i = 0; i <= n; i++) {
    const u = i * h;
    const w = i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2;
    sum += w * (betaMin + u * (betaMax - betaMin));
  }
  return Math.exp((-0.5 * sum * h) / 3);
}

describe("schedule families: closed-form values", () => {
  it("linear, cosine, polynomial and linearVp match their defining formulas", () => {
    for (const t of [0, 0.1, 0.37, 0.5, 0.9, 1]) {
      const l = linearSchedule({ sigmaMin: 0.01 }).at(t);
      assertClose([l.alpha, l.sigma, l.dAlpha, l.dSigma], [t, 1 - 0.99 * t, 1, -0.99], { rtol: 1e-15 });
      const c = cosineSchedule().at(t);
      assertClose(
        [c.alpha, c.sigma],
        [Math.sin((Math.PI * t) / 2), t === 1 ? 0 : Math.cos((Math.PI * t) / 2)],
        { rtol: 1e-15 },
      );
      const p = polynomialSchedule({ n: 3 }).at(t);
      assertClose([p.alpha, p.sigma, p.dAlpha], [t ** 3, 1 - t ** 3, 3 * t * t], { rtol: 1e-15 });
      const v = linearVpSchedule().at(t);
      assertClose([v.alpha, v.sigma], [t, Math.sqrt(1 - t * t)], { rtol: 1e-15 });
    }
  });

  it("vp's α equals exp(−½∫β) by quadrature and σ² = 1 − α²; sub-VP has σ = 1 − α²", () => {
    for (const t of [0, 0.2, 0.5, 0.8, 0.99, 1]) {
      const v = vpSchedule().at(t);
      assertClose(v.alpha, vpAlphaByQuadrature(t), { rtol: 1e-12 });
      assertClose(v.sigma * v.sigma, 1 - v.alpha * v.alpha, { rtol: 1e-12, atol: 1e-300 });
      const s = subVpSchedule().at(t);
      assertClose(s.sigma, 1 - vpAlphaByQuadrature(t) ** 2, { rtol: 1e-11, atol: 1e-300 });
    }
  });

  it("vp's σ̃ = σ/α equals k-diffusion's get_sigmas_vp grid", () => {
    const ref = loadReference<{ sigmas: number[] }>("kdiffusion-sigmas-vp-10.json");
    const vp = vpSchedule({ betaMin: 0.1, betaMax: 20 });
    ref.sigmas.slice(0, 10).forEach((expected, i) => {
      const s = 1 + ((1e-3 - 1) * i) / 9; // linspace(1, eps_s, 10) in diffusion time
      const l = vp.at(1 - s);
      assertClose(l.sigma / l.alpha, expected, { rtol: 1e-12 });
    });
  });

  it("ve is geometric between σmin and σmax; a uniform grid on edm is k-diffusion's Karras grid", () => {
    const ve = veSchedule({ sigmaMin: 0.01, sigmaMax: 50 });
    assertClose([ve.at(0).sigma, ve.at(1).sigma, ve.at(0.5).sigma], [50, 0.01, Math.sqrt(0.5)], {
      rtol: 1e-14,
    });
    const ref = loadReference<{
      sigmas: number[];
      kwargs: { n: number; sigma_min: number; sigma_max: number; rho: number };
    }>("kdiffusion-sigmas-karras-10.json");
    const { n, sigma_min, sigma_max, rho } = ref.kwargs;
    const edm = edmSchedule({ sigmaMin: sigma_min, sigmaMax: sigma_max, rho });
    for (let i = 0; i < n; i++) assertClose(edm.at(i / (n - 1)).sigma, ref.sigmas[i]!, { rtol: 1e-13 });
    assert.equal(ref.sigmas[n], 0, "k-diffusion appends σ = 0: the data end lies beyond t = 1 on edm");
  });
});

describe("schedule derivatives, log-SNR and its inverse", () => {
  for (const schedule of allSchedules()) {
    it(`${schedule.name}: dα/dt and dσ/dt match 4th-order finite differences`, () => {
      const lo = Math.max(schedule.tMin, 0.01);
      const hi = Math.min(schedule.tMax, 0.99);
      for (let i = 0; i <= 20; i++) {
        const t = lo + ((hi - lo) * i) / 20;
        // Discrete schedules have kinks at table entries: step between them.
        if ("alphasCumprod" in schedule) continue;
        const l = schedule.at(t);
        const scale = Math.abs(l.dAlpha) + Math.abs(l.dSigma) + 1;
        assertClose(
          l.dAlpha,
          derivative((u) => schedule.at(u).alpha, t, 1e-4),
          { atol: 2e-7 * scale, message: `dα at t=${t}` },
        );
        assertClose(
          l.dSigma,
          derivative((u) => schedule.at(u).sigma, t, 1e-4),
          { atol: 2e-7 * scale, message: `dσ at t=${t}` },
        );
      }
    });

    it(`${schedule.name}: timeAtLogSnr inverts logSnr on [tMin, tMax] and logSnr = 2 log(α/σ)`, () => {
      fc.assert(
        fc.property(fc.double({ min: schedule.tMin, max: schedule.tMax, noNaN: true }), (t) => {
          const lambda = schedule.logSnr(t);
          const l = schedule.at(t);
          assertClose(lambda, levelLogSnr(l), { rtol: 1e-12, atol: 1e-12 });
          // dt = dλ / λ'(t): allow the conditioning of λ itself.
          const back = schedule.timeAtLogSnr(lambda);
          assert.ok(
            Math.abs(back - t) <= 1e-12 + 1e-12 * Math.abs(t),
            `${schedule.name}: t=${t}, back=${back}`,
          );
        }),
        { numRuns: 60 },
      );
    });
  }

  it("the safe range [tMin, tMax] is inside [0, 1] and stops at |λ| = 13 where the ends go beyond", () => {
    for (const s of allSchedules()) {
      assert.ok(s.tMin >= 0 && s.tMin < s.tMax && s.tMax <= 1, s.name);
      const l0 = s.logSnr(0);
      const l1 = s.logSnr(1);
      assertClose(s.logSnr(s.tMin), Math.max(l0, -13), { rtol: 1e-9, message: `${s.name} tMin` });
      assertClose(s.logSnr(s.tMax), Math.min(l1, 13), { rtol: 1e-9, message: `${s.name} tMax` });
    }
    assert.equal(vpSchedule().tMin, 0, "vp's α(0) > 0: t = 0 is safe");
    assert.equal(edmSchedule().tMax, 1, "edm's σ(1) = σmin > 0: t = 1 is safe");
  });
});

describe("the forward SDE implied by a schedule", () => {
  it("vp's f = −β/2 and g² = β(s) (Song et al. 2021, eq. 11)", () => {
    for (const t of [0, 0.3, 0.7, 0.95, 1]) {
      const s = 1 - t;
      const beta = 0.1 + s * (20 - 0.1);
      const { f, g2 } = vpSchedule().sde(t);
      assertClose([f, g2], [-beta / 2, beta], { rtol: 1e-12 });
      assert.ok(Number.isFinite(g2), `vp g² at t = ${t} is finite (β_min at the data end)`);
      const sub = subVpSchedule().sde(t);
      const a = vpSchedule().at(t).alpha;
      assertClose([sub.f, sub.g2], [-beta / 2, beta * (1 - a ** 4)], { rtol: 1e-12 });
    }
  });

  it("for every schedule, dα/ds = f·α and dσ²/ds = 2f·σ² + g² (finite differences in s)", () => {
    for (const schedule of allSchedules()) {
      if ("alphasCumprod" in schedule) continue;
      for (const t of [0.2, 0.5, 0.8]) {
        if (t < schedule.tMin || t > schedule.tMax) continue;
        const { f, g2 } = schedule.sde(t);
        const l = schedule.at(t);
        const dSigma2ds = -derivative((u) => schedule.at(u).sigma ** 2, t, 1e-4);
        const dAlphads = -derivative((u) => schedule.at(u).alpha, t, 1e-4);
        assertClose(dAlphads, f * l.alpha, { rtol: 1e-7, atol: 1e-9, message: `${schedule.name} dα/ds` });
        assertClose(dSigma2ds, 2 * f * l.sigma ** 2 + g2, {
          rtol: 1e-7,
          atol: 1e-9,
          message: `${schedule.name} dσ²/ds`,
        });
      }
    }
  });

  it("is singular where α = 0 and says so", () => {
    assert.throws(() => linearSchedule().sde(0), /α = 0 at t = 0.*use t ≥ tMin/);
  });
});

describe("discrete schedules", () => {
  const cases = [
    ["linear", { betaSchedule: "linear", betaStart: 0.0001, betaEnd: 0.02 }],
    ["linear-zsnr", { betaSchedule: "linear", betaStart: 0.0001, betaEnd: 0.02, zeroTerminalSnr: true }],
    ["scaledlinear", { betaSchedule: "scaled_linear", betaStart: 0.00085, betaEnd: 0.012 }],
    [
      "scaledlinear-zsnr",
      { betaSchedule: "scaled_linear", betaStart: 0.00085, betaEnd: 0.012, zeroTerminalSnr: true },
    ],
    ["squaredcoscapv2", { betaSchedule: "squaredcos_cap_v2" }],
    ["squaredcoscapv2-zsnr", { betaSchedule: "squaredcos_cap_v2", zeroTerminalSnr: true }],
  ] as const;
  for (const [file, options] of cases) {
    it(`reproduces diffusers' ${file} betas and alphas_cumprod to 1e-12`, () => {
      const ref = loadReference<{ betas: number[]; alphas_cumprod: number[] }>(
        `diffusers-alphas-cumprod-${file}.json`,
      );
      const s = discreteSchedule(options);
      assertClose(s.betas, ref.betas, { rtol: 1e-12 });
      assertClose(s.alphasCumprod, ref.alphas_cumprod, { rtol: 1e-12 });
    });
  }

  it("puts table entry k at t = 1 − (k + 1)/N with α² = ᾱ_k, interpolates log σ̃, and reaches σ = 0 at t = 1", () => {
    const s = discreteSchedule({ betaSchedule: "scaled_linear", betaStart: 0.00085, betaEnd: 0.012 });
    for (const k of [0, 1, 10, 500, 998, 999]) {
      const l = s.at(s.trainSteps.timeOf(k as TrainStep));
      assertClose(l.alpha * l.alpha, s.alphasCumprod[k]!, { rtol: 1e-12 });
      assertClose(s.trainSteps.stepOf(s.trainSteps.timeOf(k as TrainStep)), k, { atol: 1e-9 });
    }
    const mid = s.at(s.trainSteps.timeOf(10.5 as TrainStep));
    assertClose(Math.log(mid.sigma / mid.alpha), 0.5 * (Math.log(s.sigmas[10]!) + Math.log(s.sigmas[11]!)), {
      rtol: 1e-12,
    });
    assert.equal(s.at(1).sigma, 0);
    assert.equal(s.at(1).alpha, 1);
    // The same adapters as trainStepToTime / timeToTrainStep, with their range checks.
    assert.throws(
      () => s.trainSteps.timeOf(1000 as TrainStep),
      /trainStepToTime: k = 1000 is outside \[-1, 999\]/,
    );
    assert.throws(() => s.trainSteps.stepOf(1.5), /timeToTrainStep: t = 1.5 is outside \[0, 1\]/);
  });

  it("zero terminal SNR gives α = 0 exactly at t = 0 and a finite tMin", () => {
    const s = discreteSchedule({ betaSchedule: "linear", zeroTerminalSnr: true });
    assert.equal(s.alphasCumprod[999], 0);
    assert.equal(s.at(0).alpha, 0);
    assert.ok(s.tMin > 0 && s.tMin < 0.05, `tMin = ${s.tMin}`);
    assertClose(s.logSnr(s.tMin), -13, { rtol: 1e-9 });
  });

  it("accepts explicit betas or an ᾱ table, and rejects bad tables", () => {
    const betas = Array.from({ length: 10 }, (_, i) => 0.01 + 0.01 * i);
    const a = discreteSchedule({ betas, precision: "float64" });
    const b = discreteSchedule({ alphasCumprod: a.alphasCumprod });
    assertClose(b.betas, betas, { rtol: 1e-12 });
    assert.throws(() => discreteSchedule({ alphasCumprod: [0.5, 0.6] }), /strictly decreasing/);
    assert.throws(() => discreteSchedule({ betaSchedule: "quadratic" as never }), /betaSchedule must be/);
    assert.throws(() => discreteSchedule({ betas: [0.1, -0.1] }), /betas\[1\]/);
  });
});

describe("shifted schedules", () => {
  it("on the linear path equal SD3's σ' = s·σ/(1 + (s − 1)·σ)", () => {
    const shift = 3;
    const s = shiftedSchedule(linearSchedule(), { shift });
    for (const t of [0, 0.1, 0.5, 0.9, 1]) {
      const sigma = 1 - t;
      assertClose(s.at(t).sigma, (shift * sigma) / (1 + (shift - 1) * sigma), { rtol: 1e-14, atol: 1e-16 });
      assertClose(s.at(t).alpha + s.at(t).sigma, 1, { rtol: 1e-15 });
    }
  });

  it("Flux's μ form with an exponent is σ' = e^μ/(e^μ + (1/σ − 1)^γ)", () => {
    const mu = 1.15;
    const gamma = 1.5;
    const s = shiftedSchedule(linearSchedule(), { mu, exponent: gamma });
    for (const t of [0.05, 0.3, 0.7, 0.95]) {
      const sigma = 1 - t;
      assertClose(s.at(t).sigma, Math.exp(mu) / (Math.exp(mu) + (1 / sigma - 1) ** gamma), { rtol: 1e-13 });
    }
  });

  it("shifts log-SNR by −2 log s on any base and keeps derivatives exact", () => {
    const base = cosineSchedule();
    const s = shiftedSchedule(base, { shift: 2 });
    for (const t of [0.1, 0.4, 0.8]) {
      assertClose(levelLogSnr(s.at(t)), base.logSnr(t) - 2 * Math.log(2), { rtol: 1e-12 });
    }
    // The generic path agrees with the closed form on the linear base.
    const closed = shiftedSchedule(linearSchedule(), { shift: 2 });
    const generic = shiftedSchedule(polynomialSchedule({ n: 1 }), { shift: 2 });
    for (const t of [0, 0.2, 0.6, 1]) {
      const a = closed.at(t);
      const b = generic.at(t);
      assertClose([b.alpha, b.sigma], [a.alpha, a.sigma], { rtol: 1e-12, atol: 1e-15 });
      assertClose([b.dAlpha, b.dSigma], [a.dAlpha, a.dSigma], { rtol: t === 0 || t === 1 ? 1e-5 : 1e-10 });
    }
  });

  it("refuses a base whose log-SNR is bounded (a shift would leave its range)", () => {
    assert.throws(() => shiftedSchedule(vpSchedule(), { shift: 3 }), /spans \(−∞, ∞\)/);
    assert.throws(() => shiftedSchedule(linearSchedule(), { shift: 0 }), /shift/);
  });
});

describe("custom schedules and specs", () => {
  it("take numerical derivatives accurate to 1e-9 when none are given", () => {
    const s = customSchedule({ alpha: (t) => Math.sin(t), sigma: (t) => Math.cos(t) });
    for (const t of [0, 0.25, 0.5, 1]) {
      assertClose([s.at(t).dAlpha, s.at(t).dSigma], [Math.cos(t), -Math.sin(t)], { atol: 1e-9 });
    }
    assert.throws(() => customSchedule({ alpha: () => Number.NaN, sigma: () => 1 }), /α\(0\) = NaN/);
    const late = customSchedule({ alpha: (t) => (t === 0.7 ? -1 : t), sigma: (t) => 1 - t });
    assert.throws(() => late.at(0.7), /α\(0.7\) = -1/);
  });

  it("rebuild from their JSON spec with identical levels", () => {
    for (const s of allSchedules()) {
      if (s.spec.family === "custom") {
        assert.throws(() => scheduleFromSpec(s.spec), /holds functions/);
        continue;
      }
      const r = scheduleFromSpec(JSON.parse(JSON.stringify(s.spec)));
      for (const t of [0.1, 0.5, 0.9]) assert.deepEqual(r.at(t), s.at(t), s.name);
    }
  });

  it("every schedule rejects NaN, ±∞ and t outside [0, 1] naming the schedule", () => {
    for (const s of allSchedules()) {
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1e-9, 1.0000001]) {
        assert.throws(
          () => s.at(bad),
          new RegExp(`${s.name.replace(/[()|[\]{}.*+?^$\\]/g, "\\$&")}\\.at: t`),
        );
      }
      assert.throws(() => s.timeAtLogSnr(Number.NaN as LogSnr), /λ is NaN/);
    }
    assert.throws(() => vpSchedule({ betaMin: 5, betaMax: 1 }), /betaMax \(1\) must be ≥ betaMin \(5\)/);
    assert.throws(
      () => veSchedule({ sigmaMin: 2, sigmaMax: 1 }),
      /sigmaMax \(1\) must exceed sigmaMin \(2\)/,
    );
    assert.throws(() => edmSchedule().timeAtLogSnr(-20 as LogSnr), /below λ\(0\)/);
  });
});
