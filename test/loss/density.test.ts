/**
 * Time densities: each pdf integrates to 1 and its quantile inverts its CDF, samples follow the pdf
 * (Kolmogorov–Smirnov), the SD3/EDM parameterizations match their source formulas, stratification
 * puts one time per stratum, and the importance correction is unbiased.
 */
import { logSnr, sigmaTilde } from "../../src/time.js";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { normalCdf } from "../../src/math/scalar.js";
import { affinePath, affineSlice } from "../../src/path/affine.js";
import { Rng } from "../../src/random/rng.js";
import { cosineSchedule } from "../../src/schedule/cosine.js";
import { edmSchedule } from "../../src/schedule/edm.js";
import { linearSchedule } from "../../src/schedule/linear.js";
import { vpSchedule } from "../../src/schedule/vp.js";
import {
  type TimeDensity,
  cosmapTime,
  importanceWeight,
  logNormalSigmaTime,
  logUniformSigmaTime,
  logitNormalTime,
  modeTime,
  proportionalTime,
  ddpmTimestepTime,
  stratifiedTime,
  uniformLevelTime,
  uniformTime,
} from "../../src/loss/density.js";
import { lossWeight } from "../../src/loss/equivalent.js";
import { timeDensityFromSpec } from "../../src/registry/losses.js";
import {
  sd3CosmapWeighting,
  snrOnNoiseWeighting,
  truncatedSnrOnNoiseWeighting,
} from "../../src/loss/weighting.js";
import { trainingBatch } from "../../src/loss/batch.js";
import { discreteSchedule } from "../../src/schedule/discrete.js";
import type { TrainingPath } from "../../src/loss/trainingPath.js";
import { assertClose } from "../helpers.js";
import { brownianBridge } from "./paths.js";

const edm = affinePath(edmSchedule());
const vp = affinePath(vpSchedule());
const linear = affinePath(linearSchedule());
const cosine = affinePath(cosineSchedule());

/**
 * ∫ₐᵇ f by composite Gauss–Legendre (5 points per panel), with [a, b] split at `breaks` (the jumps of a
 * piecewise density) so that no panel straddles a discontinuity.
 */
function integrate(
  f: (t: number) => number,
  a: number,
  b: number,
  breaks: readonly number[] = [],
  panels = 4000,
): number {
  const x = [0, -0.5384693101056831, 0.5384693101056831, -0.906179845938664, 0.906179845938664];
  const w = [
    0.5688888888888889, 0.47862867049936647, 0.47862867049936647, 0.23692688505618908, 0.23692688505618908,
  ];
  const edges = [a, ...breaks.filter((c) => c > a && c < b).sort((p, q) => p - q), b];
  let s = 0;
  for (let e = 0; e + 1 < edges.length; e++) {
    const lo = edges[e]!;
    const h = (edges[e + 1]! - lo) / panels;
    for (let k = 0; k < panels; k++) {
      const m = lo + (k + 0.5) * h;
      for (let j = 0; j < 5; j++) s += 0.5 * h * w[j]! * f(m + 0.5 * h * x[j]!);
    }
  }
  return s;
}

const edmAt = (sigma: number) => edmSchedule().timeAtLogSnr(logSnr(-2 * Math.log(sigma)));

/** [name, density, path, the density's jumps]. */
const CASES: [string, TimeDensity, TrainingPath, number[]?][] = [
  ["uniform", uniformTime(), linear],
  ["uniform(0.1, 0.7)", uniformTime({ lo: 0.1, hi: 0.7 }), linear, [0.1, 0.7]],
  ["logitNormal(0, 1)", logitNormalTime(), linear],
  ["logitNormal(0.5, 0.8)", logitNormalTime({ mean: 0.5, std: 0.8 }), linear],
  ["logNormalSigma on EDM", logNormalSigmaTime(), edm],
  // σ → 0 like √(1 − t) at the data end of VP: geometric breaks resolve the log-scale tail there.
  [
    "logNormalSigma on VP (truncated)",
    logNormalSigmaTime({ pMean: 0.5, pStd: 2 }),
    vp,
    Array.from({ length: 12 }, (_, k) => 1 - 10 ** -(k + 1)),
  ],
  [
    "logUniformSigma on cosine",
    logUniformSigmaTime(),
    cosine,
    [cosineSchedule().tMin, cosineSchedule().tMax],
  ],
  [
    "logUniformSigma on EDM [0.01, 10]",
    logUniformSigmaTime({ sigmaMin: sigmaTilde(0.01), sigmaMax: sigmaTilde(10) }),
    edm,
    [edmAt(10), edmAt(0.01)],
  ],
  ["uniformLevel on EDM", uniformLevelTime(), edm, [edmSchedule().tMin, edmSchedule().tMax]],
  [
    "uniformLevel on VP",
    uniformLevelTime(),
    vp,
    [
      vpSchedule().tMin,
      ...Array.from({ length: 8 }, (_, k) => vpSchedule().tMax - 10 ** -(k + 1)),
      vpSchedule().tMax,
    ],
  ],
  ["mode(1.29)", modeTime(), linear],
  ["mode(−0.5)", modeTime({ scale: -0.5 }), linear],
  ["cosmap", cosmapTime(), linear],
  [
    "proportional",
    proportionalTime((t) => 1 + Math.sin(6 * t) ** 2, { bins: 64 }),
    linear,
    Array.from({ length: 63 }, (_, k) => (k + 1) / 64),
  ],
];

describe("time densities", () => {
  for (const [name, density, path, breaks = []] of CASES) {
    it(`${name}: the pdf integrates to 1, the quantile inverts the CDF, and 4000 samples pass a KS test`, () => {
      const pdf = (t: number) => density.pdf(t, path);
      assertClose(integrate(pdf, 0, 1, breaks), 1, { rtol: 1e-6, message: `${name} total mass` });
      for (const u of [0.05, 0.3, 0.5, 0.8, 0.97]) {
        const t = density.quantile(u, path);
        assertClose(integrate(pdf, 0, t, breaks, 500), u, { atol: 1e-6, message: `${name} CDF(Q(${u}))` });
      }
      const n = 4000;
      const samples = Array.from(density.sample(new Rng(7), n, path)).sort((a, b) => a - b);
      // KS distance against the CDF, evaluated incrementally between sorted samples.
      let cdf = 0;
      let prev = 0;
      let ks = 0;
      samples.forEach((t, i) => {
        cdf += integrate(pdf, prev, t, breaks, 4);
        prev = t;
        ks = Math.max(ks, Math.abs(cdf - i / n), Math.abs(cdf - (i + 1) / n));
      });
      assert.ok(ks < 1.95 / Math.sqrt(n), `${name}: KS distance ${ks.toFixed(4)} < 1.95/√n (0.1% level)`);
    });
  }

  it("logNormalSigma gives ln σ̃ ~ N(P_mean, P_std²) on the EDM schedule, and truncates to the schedule's range", () => {
    const times = logNormalSigmaTime().sample(new Rng(3), 20_000, edm);
    const logSigma = Array.from(times, (t) => Math.log(edmSchedule().at(t).sigma));
    const mean = logSigma.reduce((a, b) => a + b, 0) / logSigma.length;
    const sd = Math.sqrt(logSigma.reduce((a, b) => a + (b - mean) ** 2, 0) / logSigma.length);
    assertClose(mean, -1.2, { atol: 4 * (1.2 / Math.sqrt(20_000)), message: "mean of ln σ̃" });
    assertClose(sd, 1.2, { atol: 0.03, message: "std of ln σ̃" });
    // On VP, ln σ̃ ∈ [−λ(1)/2, −λ(0)/2]: the mass of N(0.5, 2²) outside is cut and renormalized.
    const schedule = vpSchedule();
    const hi = -0.5 * schedule.logSnr(0);
    const lo = -0.5 * schedule.logSnr(1);
    const mass = normalCdf((hi - 0.5) / 2) - normalCdf((lo - 0.5) / 2);
    const d = logNormalSigmaTime({ pMean: 0.5, pStd: 2 });
    const t = schedule.timeAtLogSnr(logSnr(0)); // σ̃ = 1, z = −0.25
    const dLambda =
      2 * (schedule.at(t).dAlpha / schedule.at(t).alpha - schedule.at(t).dSigma / schedule.at(t).sigma);
    assertClose(
      d.pdf(t, vp),
      (Math.exp(-0.5 * 0.0625) / (Math.sqrt(2 * Math.PI) * 2 * mass)) * 0.5 * dLambda,
      {
        rtol: 1e-12,
        message: "truncated pdf at σ̃ = 1 by hand",
      },
    );
    assert.equal(d.pdf(1, vp), 0, "the density's limit at the data end (λ = ∞, λ' = ∞) is 0, not NaN");
  });

  it("logitNormal puts mass Φ(m/s) below t = ½ (SD3: the noise level 1 − t is sigmoid(m + s·z))", () => {
    const d = logitNormalTime({ mean: 0.7, std: 1.3 });
    assertClose(
      integrate((t) => d.pdf(t, linear), 0, 0.5),
      normalCdf(0.7 / 1.3),
      { rtol: 1e-9, message: "P(t < ½)" },
    );
  });

  it("mode and cosmap quantiles are one minus diffusers' / SD3's noise-level maps (u ↦ 1 − u for cosmap)", () => {
    const s = 1.29;
    for (const u of [0, 0.1, 0.37, 0.5, 0.9, 1]) {
      const sd3Mode = 1 - u - s * (Math.cos((Math.PI * u) / 2) ** 2 - 1 + u);
      assertClose(modeTime({ scale: s }).quantile(u, linear), Math.min(1, Math.max(0, 1 - sd3Mode)), {
        atol: 1e-15,
        message: `mode u = ${u}`,
      });
      if (u > 0 && u < 1) {
        const sd3Cosmap = 1 - 1 / (Math.tan((Math.PI * (1 - u)) / 2) + 1);
        assertClose(cosmapTime().quantile(u, linear), 1 - sd3Cosmap, {
          rtol: 1e-12,
          message: `cosmap u = ${u}`,
        });
      }
    }
    for (const t of [0, 0.2, 0.5, 0.9])
      assertClose(modeTime({ scale: 0 }).pdf(t, linear), 1, { rtol: 1e-12, message: "mode(0) is uniform" });
  });

  it("the cosmap density equals the sd3Cosmap weight on the rectified-flow velocity", () => {
    for (const t of [0, 0.15, 0.5, 0.8, 1]) {
      assertClose(
        lossWeight(sd3CosmapWeighting(), "velocity", affineSlice(linearSchedule().at(t))),
        cosmapTime().pdf(t, linear),
        {
          rtol: 1e-12,
          message: `t = ${t}`,
        },
      );
    }
  });

  it("stratified sampling puts one time in each of the n equal-probability strata and lowers the variance of batch means", () => {
    const base = logitNormalTime();
    const strat = stratifiedTime(base);
    const n = 64;
    const times = strat.sample(new Rng(9), n, linear);
    const cdf = (t: number) => integrate((x) => base.pdf(x, linear), 0, t, [], 400);
    times.forEach((t, i) => {
      const u = cdf(t);
      assert.ok(u >= i / n - 1e-6 && u <= (i + 1) / n + 1e-6, `time ${i} lies in stratum ${i} (u = ${u})`);
    });
    const batchMeans = (d: TimeDensity) => {
      const rng = new Rng(10);
      return Array.from({ length: 300 }, () => d.sample(rng, n, linear).reduce((a, b) => a + b, 0) / n);
    };
    const variance = (x: number[]) => {
      const m = x.reduce((a, b) => a + b, 0) / x.length;
      return x.reduce((a, b) => a + (b - m) ** 2, 0) / x.length;
    };
    const vIid = variance(batchMeans(base));
    const vStrat = variance(batchMeans(strat));
    assert.ok(
      vStrat < vIid / 20,
      `stratified variance ${vStrat.toExponential(2)} ≪ i.i.d. ${vIid.toExponential(2)}`,
    );
  });

  it("the importance correction π/q is unbiased: E_q[(π/q)·f] = E_π[f] (Monte Carlo within 4 standard errors)", () => {
    const target = logitNormalTime({ mean: -0.5, std: 0.7 });
    const f = (t: number) => Math.cos(3 * t) + t * t;
    const exact = integrate((t) => f(t) * target.pdf(t, linear), 0, 1);
    for (const proposal of [
      uniformTime(),
      cosmapTime(),
      proportionalTime((t) => target.pdf(t, linear) + 0.1, { bins: 256 }),
    ]) {
      const n = 50_000;
      const times = proposal.sample(new Rng(21), n, linear);
      let s = 0;
      let s2 = 0;
      let wSum = 0;
      for (const t of times) {
        const w = importanceWeight(target, proposal, t, linear);
        s += w * f(t);
        s2 += (w * f(t)) ** 2;
        wSum += w;
      }
      const mean = s / n;
      const se = Math.sqrt((s2 / n - mean * mean) / n);
      assert.ok(
        Math.abs(mean - exact) < 4 * se,
        `${proposal.name}: IS estimate ${mean} vs exact ${exact} (standard error ${se})`,
      );
      assert.ok(Math.abs(wSum / n - 1) < 0.03, `${proposal.name}: mean importance weight ${wSum / n} ≈ 1`);
    }
    assert.throws(
      () => importanceWeight(uniformTime(), uniformTime({ lo: 0.5, hi: 1 }), 0.2, linear),
      /importanceWeight: at t = 0.2 the proposal .* must cover the target's support/,
    );
  });

  it("specs round-trip; bad parameters, unknown names and σ-densities on bridge paths give errors naming the fix", () => {
    for (const [name, d] of CASES.filter(([n]) => n !== "proportional")) {
      assert.deepEqual(timeDensityFromSpec(d.spec).spec, d.spec, `${name} spec`);
    }
    assert.deepEqual(
      timeDensityFromSpec(stratifiedTime(cosmapTime()).spec).spec,
      stratifiedTime(cosmapTime()).spec,
      "stratified spec",
    );
    assert.throws(
      () => timeDensityFromSpec({ name: "logitGaussian" } as never),
      /timeDensityFromSpec: spec: must be one of uniform, .*; got "logitGaussian"/,
    );
    assert.throws(() => uniformTime({ lo: 0.6, hi: 0.2 }), /uniformTime: need 0 ≤ lo < hi ≤ 1/);
    assert.throws(() => logitNormalTime({ std: 0 }), /logitNormalTime: std must be > 0/);
    assert.throws(() => modeTime({ scale: 2 }), /modeTime: scale must be in \[−1, 2\/\(π − 2\)/);
    assert.throws(
      () => logUniformSigmaTime({ sigmaMin: sigmaTilde(1), sigmaMax: sigmaTilde(0.5) }),
      /sigmaMax \(0.5\) must exceed sigmaMin \(1\)/,
    );
    assert.throws(
      () => logUniformSigmaTime({ sigmaMin: sigmaTilde(1e-4), sigmaMax: sigmaTilde(1) }).quantile(0.5, edm),
      /leaves the range of the path/,
    );
    assert.throws(
      () => proportionalTime((t) => t - 0.5),
      /proportionalTime: f\(.*\) = .*; f must be finite and ≥ 0/,
    );
    // On an isotropic bridge λ(t) exists, so σ-densities sample; their pdf needs dλ/dt, which only
    // paths with scalar levels state.
    const bridge = brownianBridge(1);
    const drawn = logNormalSigmaTime().sample(new Rng(0), 2, bridge);
    assert.ok(
      drawn.every((t) => t > 0 && t < 1),
      "samples inside (0, 1)",
    );
    assert.throws(
      () => logNormalSigmaTime().pdf(0.5, bridge),
      /the path "bridge\(.*\)" has no scalar level at t = 0.5 \(a bridge path: its levels are matrices\); use a time density defined in t/,
    );
  });

  it("uniformLevel is uniform t on rectified flow's safe range and visits the same noise levels τ = α/(α + σ) on every path", () => {
    const density = uniformLevelTime();
    const { tMin, tMax } = linear.schedule;
    for (const u of [0, 0.1, 0.5, 0.93, 1])
      assertClose(density.quantile(u, linear), tMin + u * (tMax - tMin), { rtol: 1e-12, atol: 1e-15 });
    for (const path of [edm, vp, cosine]) {
      for (const u of [0.2, 0.5, 0.8]) {
        const l = path.schedule.at(density.quantile(u, path));
        const tau = l.alpha / (l.alpha + l.sigma);
        const lo = density.quantile(0, path);
        const hi = density.quantile(1, path);
        const at = (t: number) => path.schedule.at(t);
        const tauLo = at(lo).alpha / (at(lo).alpha + at(lo).sigma);
        const tauHi = at(hi).alpha / (at(hi).alpha + at(hi).sigma);
        assertClose(tau, tauLo + u * (tauHi - tauLo), { rtol: 1e-9, message: `${path.name} at u = ${u}` });
      }
    }
  });

  it("ddpmTimestep draws the N table times t = 1 − (k + 1)/N uniformly, and with snrOnNoise on ε gives the DDPM recipe's weight ᾱ/(1 − ᾱ)", () => {
    const schedule = discreteSchedule({ betaSchedule: "linear", numTrainSteps: 50 });
    const path = affinePath(schedule);
    const density = ddpmTimestepTime();
    const times = density.sample(new Rng(4), 5000, path);
    const counts = new Array<number>(50).fill(0);
    for (const t of times) {
      const k = Math.round((1 - t) * 50) - 1;
      assert.equal(1 - (k + 1) / 50, t, `t = ${t} is a table time`);
      counts[k]!++;
    }
    // χ² against uniform over 50 cells (49 degrees of freedom; 0.1 % critical value 85.4).
    const chi2 = counts.reduce((s, c) => s + (c - 100) ** 2 / 100, 0);
    assert.ok(chi2 < 85.4, `χ² = ${chi2}`);
    assert.equal(density.pdf(1 - 3 / 50, path), 1 / 50);
    assert.equal(density.pdf(0.5 + 1e-9, path), 0);
    const ac = schedule.alphasCumprod;
    const data = new Rng(5).fillNormal(new Float64Array(64));
    for (const [weighting, form] of [
      [snrOnNoiseWeighting(), (snr: number) => snr],
      [truncatedSnrOnNoiseWeighting(), (snr: number) => Math.min(snr, 5)],
    ] as const) {
      const b = trainingBatch(path, data, {
        kind: "noise",
        dim: 2,
        timeDensity: density,
        weighting,
        rng: new Rng(6),
      });
      b.t.forEach((t, i) => {
        const k = Math.round((1 - t) * 50) - 1;
        assertClose(b.weight[i]!, form(ac[k]! / (1 - ac[k]!)), {
          rtol: 1e-9,
          message: `${weighting.name} at k = ${k}`,
        });
      });
    }
    assert.deepEqual(timeDensityFromSpec(density.spec).spec, { name: "ddpmTimestep", steps: null });
    assert.throws(
      () => density.sample(new Rng(0), 1, linear),
      /ddpmTimestepTime: the path is not a discrete table/,
    );
    assert.equal(ddpmTimestepTime({ steps: 4 }).quantile(0.99, linear), 0, "k = 3 of 4 is t = 0");
  });
});
