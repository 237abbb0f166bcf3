/**
 * Loss weightings against hand-computed values (including SNR = 0 and ∞), against the formulas of the
 * reference implementations they come from (Hang et al.'s three Min-SNR forms, k-diffusion's
 * soft-min-snr, EDM's λ(σ), diffusers' SD3 weights, the SDE's g²), and the equivalence factor between
 * kinds (definition, composition, identity, singular points).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { convert } from "../../src/convert/convert.js";
import { KINDS, type Kind } from "../../src/convert/kernel.js";
import { affineSlice } from "../../src/path/affine.js";
import { cosineSchedule } from "../../src/schedule/cosine.js";
import { edmSchedule } from "../../src/schedule/edm.js";
import { linearSchedule } from "../../src/schedule/linear.js";
import { levelLogSnr, type NoiseLevel } from "../../src/schedule/schedule.js";
import { vpSchedule } from "../../src/schedule/vp.js";
import { equivalentWeight, lossWeight } from "../../src/loss/equivalent.js";
import { weightingFromSpec } from "../../src/registry/losses.js";
import {
  type LogSnrWeighting,
  edmWeighting,
  likelihoodWeighting,
  minSnrWeighting,
  sd3CosmapWeighting,
  sd3SigmaSqrtWeighting,
  snrWeighting,
  softMinSnrWeighting,
  timeWeighting,
  snrOnNoiseWeighting,
  truncatedSnrOnNoiseWeighting,
  truncatedSnrWeighting,
  uniformWeighting,
} from "../../src/loss/weighting.js";
import { allSchedules, assertClose } from "../helpers.js";
import { brownianBridge, brownianBridgeTwin, denseBridge } from "./paths.js";

const INF = Number.POSITIVE_INFINITY;
const level = (alpha: number, sigma: number, dAlpha = 1, dSigma = -1, t = 0.5): NoiseLevel => ({
  t,
  alpha,
  sigma,
  dAlpha,
  dSigma,
});
const vp = (snr: number): NoiseLevel => level(Math.sqrt(snr / (1 + snr)), Math.sqrt(1 / (1 + snr)));
const g2 = 0.7;

/** assertClose for finite expectations, exact equality for ±∞. */
function near(actual: number, expected: number, message: string, rtol = 1e-14): void {
  if (Number.isFinite(expected)) assertClose(actual, expected, { rtol, message });
  else assert.equal(actual, expected, message);
}

/** [λ, expected data form, expected noise form] rows per weighting, by hand. */
const HAND: [string, LogSnrWeighting, [number, number, number][]][] = [
  [
    "snr",
    snrWeighting(),
    [
      [-INF, 0, 1],
      [Math.log(4), 4, 1],
      [INF, INF, 1],
    ],
  ],
  [
    "truncatedSnr",
    truncatedSnrWeighting(),
    [
      [-INF, 1, INF],
      [-Math.log(4), 1, 4],
      [Math.log(4), 4, 1],
      [INF, INF, 1],
    ],
  ],
  [
    "minSnr(5)",
    minSnrWeighting({ gamma: 5 }),
    [
      [-INF, 0, 1],
      [Math.log(4), 4, 1],
      [Math.log(16), 5, 5 / 16],
      [INF, 5, 0],
    ],
  ],
  [
    "softMinSnr(4)",
    softMinSnrWeighting({ gamma: 4 }),
    [
      [-INF, 0, 1],
      [Math.log(4), 2, 0.5],
      [Math.log(12), 3, 0.25],
      [INF, 4, 0],
    ],
  ],
  [
    "edm(0.5)",
    edmWeighting({ sigmaData: 0.5 }),
    [
      [-INF, 4, INF],
      [0, 5, 5],
      [Math.log(4), 8, 2],
      [INF, INF, 1],
    ],
  ],
  [
    "sd3SigmaSqrt",
    sd3SigmaSqrtWeighting(),
    [
      [-INF, 1, INF],
      [0, 16, 16],
      [INF, INF, INF],
    ],
  ],
  [
    "snrOnNoise (the DDPM recipe's snr: SNR on the ε error)",
    snrOnNoiseWeighting(),
    [
      [-INF, 0, 0],
      [Math.log(4), 16, 4],
      [INF, INF, INF],
    ],
  ],
  [
    "truncatedSnrOnNoise(5) (the DDPM recipe's truncated_snr: min(SNR, 5) on the ε error)",
    truncatedSnrOnNoiseWeighting(),
    [
      [-INF, 0, 0],
      [Math.log(4), 16, 4],
      [Math.log(16), 80, 5],
      [INF, INF, 5],
    ],
  ],
  [
    "sd3Cosmap",
    sd3CosmapWeighting(),
    [
      [-INF, 2 / Math.PI, INF],
      [0, 16 / Math.PI, 16 / Math.PI],
      [INF, INF, 2 / Math.PI],
    ],
  ],
];

describe("loss weightings", () => {
  for (const [name, w, rows] of HAND) {
    it(`${name} matches its hand-computed data and noise forms, including SNR = 0 and ∞`, () => {
      for (const [lambda, data, noise] of rows) {
        near(w.data(lambda), data, `${name} data form at λ = ${lambda}`);
        near(w.noise(lambda), noise, `${name} noise form at λ = ${lambda}`);
      }
    });
  }

  it("every λ-weighting's noise form is its data form times e^{−λ} at finite λ", () => {
    fc.assert(
      fc.property(fc.double({ min: -30, max: 30, noNaN: true }), (lambda) => {
        for (const [name, w] of HAND) {
          assertClose(w.noise(lambda), w.data(lambda) * Math.exp(-lambda), {
            rtol: 1e-12,
            message: `${name} at λ = ${lambda}`,
          });
        }
      }),
    );
  });

  it("Min-SNR-γ takes Hang et al.'s three forms on data, noise and v targets of a VP path, and 0 on v at SNR = 0 and ∞", () => {
    const w = minSnrWeighting({ gamma: 5 });
    for (const snr of [0.01, 0.5, 16 / 9, 5, 16, 1e4]) {
      const slice = affineSlice(vp(snr));
      assertClose(lossWeight(w, "data", slice), Math.min(snr, 5), {
        rtol: 1e-12,
        message: `data at SNR ${snr}`,
      });
      assertClose(lossWeight(w, "noise", slice), Math.min(snr, 5) / snr, {
        rtol: 1e-12,
        message: `noise at SNR ${snr}`,
      });
      assertClose(lossWeight(w, "v", slice), Math.min(snr, 5) / (snr + 1), {
        rtol: 1e-12,
        message: `v at SNR ${snr}`,
      });
    }
    assertClose(lossWeight(w, "v", affineSlice(level(0.8, 0.6))), 0.64, {
      rtol: 1e-14,
      message: "v at α = 0.8, σ = 0.6 (SNR 16/9) by hand",
    });
    assert.equal(lossWeight(w, "v", affineSlice(level(0, 1))), 0, "v at SNR = 0");
    assert.equal(lossWeight(w, "v", affineSlice(level(1, 0))), 0, "v at SNR = ∞");
    assert.equal(lossWeight(w, "noise", affineSlice(level(0, 1))), 1, "noise at SNR = 0");
    assert.equal(lossWeight(w, "data", affineSlice(level(1, 0))), 5, "data at SNR = ∞");
  });

  it("limits on every kind at SNR = 0 and ∞ agree with the weights just inside the ends", () => {
    // Linear schedule: α = t, σ = 1 − t; t = 0 is SNR = 0, t = 1 is SNR = ∞.
    const schedule = linearSchedule();
    for (const [name, w] of HAND) {
      for (const kind of ["data", "noise", "v", "velocity"] as Kind[]) {
        for (const [end, inside] of [
          [0, 1e-9],
          [1, 1 - 1e-9],
        ]) {
          const atEnd = lossWeight(w, kind, affineSlice(schedule.at(end!)));
          const near = lossWeight(w, kind, affineSlice(schedule.at(inside!)));
          if (atEnd === INF)
            assert.ok(near > 1e6, `${name} on ${kind}: ∞ at t = ${end}, ${near} just inside`);
          else
            assertClose(near, atEnd, { rtol: 1e-6, atol: 1e-6, message: `${name} on ${kind} at t = ${end}` });
        }
      }
    }
  });

  it("soft-min-SNR with γ = σ_d⁻² is k-diffusion's soft-min-snr weighting of the preconditioned output", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 100, noNaN: true }),
        fc.double({ min: 0.1, max: 2, noNaN: true }),
        (s, sd) => {
          const kdiffusion = (s * sd) ** 2 / (s * s + sd * sd) ** 2;
          const cOut2 = (s * sd) ** 2 / (s * s + sd * sd);
          const w = softMinSnrWeighting({ gamma: 1 / (sd * sd) });
          assertClose(w.data(-2 * Math.log(s)), kdiffusion / cOut2, {
            rtol: 1e-12,
            message: `σ = ${s}, σ_d = ${sd}`,
          });
        },
      ),
    );
  });

  it("the EDM weighting is (σ̃² + σ_d²)/(σ̃σ_d)² on the denoiser error of any affine path", () => {
    const w = edmWeighting({ sigmaData: 0.5 });
    for (const schedule of [edmSchedule(), vpSchedule(), cosineSchedule()]) {
      for (const t of [0.1, 0.5, 0.9]) {
        const l = schedule.at(t);
        const s = l.sigma / l.alpha;
        assertClose(lossWeight(w, "data", affineSlice(l)), (s * s + 0.25) / (s * 0.5) ** 2, {
          rtol: 1e-12,
          message: `${schedule.name} t = ${t}`,
        });
      }
    }
  });

  it("SD3 sigma_sqrt and cosmap equal diffusers' weights on the rectified-flow velocity", () => {
    const schedule = linearSchedule();
    for (const t of [0.01, 0.2, 0.5, 0.77, 0.99]) {
      const slice = affineSlice(schedule.at(t));
      const s = 1 - t;
      assertClose(lossWeight(sd3SigmaSqrtWeighting(), "velocity", slice), s ** -2, {
        rtol: 1e-12,
        message: `sigma_sqrt at t = ${t}`,
      });
      assertClose(
        lossWeight(sd3CosmapWeighting(), "velocity", slice),
        2 / (Math.PI * (1 - 2 * s + 2 * s * s)),
        {
          rtol: 1e-12,
          message: `cosmap at t = ${t}`,
        },
      );
    }
    assert.equal(
      lossWeight(sd3CosmapWeighting(), "velocity", affineSlice(schedule.at(0))),
      2 / Math.PI,
      "cosmap at the noise end",
    );
  });

  it("the likelihood weighting is g² on the score error and dλ/dt on the noise error", () => {
    const w = likelihoodWeighting();
    const l = linearSchedule().at(0.5);
    assertClose(lossWeight(w, "noise", affineSlice(l)), 8, {
      rtol: 1e-14,
      message: "λ' = 2(1/α + 1/σ) = 8 at t = ½ (linear)",
    });
    assertClose(lossWeight(w, "score", affineSlice(l)), 2, { rtol: 1e-14, message: "g² = σ²λ' = 2" });
    assertClose(lossWeight(w, "data", affineSlice(l)), 8, { rtol: 1e-14, message: "λ'·SNR = 8" });
    for (const schedule of allSchedules()) {
      for (const t of [0.2, 0.5, 0.8]) {
        const tt = schedule.tMin + t * (schedule.tMax - schedule.tMin);
        assertClose(lossWeight(w, "score", affineSlice(schedule.at(tt))), schedule.sde(tt).g2, {
          rtol: 1e-10,
          message: `${schedule.name} at t = ${tt}`,
        });
      }
    }
    assert.equal(
      lossWeight(w, "score", affineSlice(linearSchedule().at(1))),
      0,
      "g² = 0 at σ = 0 (linear, t = 1)",
    );
    assert.equal(lossWeight(w, "noise", affineSlice(linearSchedule().at(0))), INF, "λ' = ∞ at α = 0");
  });

  it("uniform and time weightings weight the trained kind by w(t) whatever the kind", () => {
    const slice = affineSlice(level(0.3, 0.9, 1, -1, 0.25));
    for (const kind of KINDS) {
      assert.equal(lossWeight(uniformWeighting(), kind, slice, { g2 }), 1, `uniform on ${kind}`);
      assert.equal(
        lossWeight(
          timeWeighting((t) => 1 + t),
          kind,
          slice,
          { g2 },
        ),
        1.25,
        `w(t) = 1 + t on ${kind}`,
      );
    }
  });

  it("specs round-trip and unknown names, non-positive γ and custom weightings give errors naming the fix", () => {
    for (const [, w] of HAND) assert.deepEqual(weightingFromSpec(w.spec).spec, w.spec, `${w.name} spec`);
    assert.deepEqual(
      weightingFromSpec({ name: "likelihood" }).spec,
      { name: "likelihood" },
      "likelihood spec",
    );
    assert.throws(
      () => weightingFromSpec({ name: "minimumSnr" } as never),
      /weightingFromSpec: spec: must be one of uniform, .*; got "minimumSnr"/,
    );
    assert.throws(
      () => weightingFromSpec(timeWeighting(() => 1, "mine").spec),
      /custom "mine" has no JSON form; rebuild it with timeWeighting/,
    );
    assert.throws(
      () => minSnrWeighting({ gamma: -5 }),
      /minSnrWeighting: gamma must be a finite number > 0 .*got -5/,
    );
    assert.throws(
      () => softMinSnrWeighting({ gamma: 0 }),
      /softMinSnrWeighting: gamma must be a finite number > 0/,
    );
    assert.throws(
      () => edmWeighting({ sigmaData: Number.NaN }),
      /edmWeighting: sigmaData must be a finite number > 0/,
    );
    assert.throws(
      () => lossWeight({ type: "snr" } as never, "data", affineSlice(vp(1))),
      /lossWeight: weighting must be a Weighting/,
    );
    assert.throws(
      () => lossWeight(snrWeighting(), "eps" as Kind, affineSlice(vp(1))),
      /lossWeight: kind must be one of .*got "eps"/,
    );
  });
});

describe("equivalentWeight", () => {
  it("ε-loss = SNR·x₀-loss, x₀-loss = σ²/α²·ε-loss, and x₀-loss = σ²·v-loss on a VP path (hand values)", () => {
    const l = level(0.8, 0.6);
    assertClose(equivalentWeight("data", "noise", l), 16 / 9, { rtol: 1e-14, message: "data → noise" });
    assertClose(equivalentWeight("noise", "data", l), 9 / 16, { rtol: 1e-14, message: "noise → data" });
    assertClose(equivalentWeight("v", "data", l), 0.36, { rtol: 1e-14, message: "v → data" });
    assertClose(equivalentWeight("noise", "score", l), 1 / 0.36, {
      rtol: 1e-14,
      message: "noise → score = 1/σ²",
    });
  });

  it("is the squared change of the implied prediction of the other kind under a perturbation", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 3, noNaN: true }),
        fc.double({ min: 0.05, max: 3, noNaN: true }),
        fc.double({ min: 0.1, max: 2, noNaN: true }),
        fc.double({ min: -2, max: -0.1, noNaN: true }),
        fc.constantFrom(...KINDS),
        fc.constantFrom(...KINDS),
        (alpha, sigma, dAlpha, dSigma, from, to) => {
          const l = level(alpha, sigma, dAlpha, dSigma);
          const xt = Float64Array.from([0.3, -1.2, 2]);
          const value = Float64Array.from([1, 0.5, -0.7]);
          const delta = Float64Array.from([0.01, -0.02, 0.015]);
          const moved = value.map((v, i) => v + delta[i]!);
          const a = convert(value, from, to, xt, l, { g2 });
          const b = convert(moved, from, to, xt, l, { g2 });
          const err2 = a.reduce((s, x, i) => s + (b[i]! - x) ** 2, 0);
          const d2 = delta.reduce((s, x) => s + x * x, 0);
          assertClose(err2, equivalentWeight(from, to, l, { g2 }) * d2, {
            rtol: 1e-8,
            message: `${from} → ${to}`,
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("composes (A → B → C = A → C) and is 1 from a kind to itself", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 3, noNaN: true }),
        fc.double({ min: 0.05, max: 3, noNaN: true }),
        fc.constantFrom(...KINDS),
        fc.constantFrom(...KINDS),
        fc.constantFrom(...KINDS),
        (alpha, sigma, a, b, c) => {
          const l = level(alpha, sigma, 0.9, -1.3);
          assert.equal(equivalentWeight(a, a, l, { g2 }), 1, `${a} → ${a}`);
          const chained = equivalentWeight(a, b, l, { g2 }) * equivalentWeight(b, c, l, { g2 });
          assertClose(chained, equivalentWeight(a, c, l, { g2 }), {
            rtol: 1e-10,
            message: `${a} → ${b} → ${c}`,
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("carries every λ-weighting to every kind as its data form times equivalentWeight(kind, data)", () => {
    const schedule = cosineSchedule();
    for (const [name, w] of HAND) {
      for (const t of [0.05, 0.3, 0.6, 0.95]) {
        const l = schedule.at(t);
        for (const kind of KINDS) {
          const expected = w.data(levelLogSnr(l)) * equivalentWeight(kind, "data", l, { g2 });
          assertClose(lossWeight(w, kind, affineSlice(l), { g2 }), expected, {
            rtol: 1e-11,
            message: `${name} on ${kind} at t = ${t}`,
          });
        }
      }
    }
  });

  it("throws at singular levels and for unknown kinds, naming the pair and the fix", () => {
    assert.throws(
      () => equivalentWeight("data", "noise", level(1, 0)),
      /equivalentWeight\(data → noise\): .*sigma is 0/,
    );
    assert.throws(() => equivalentWeight("drift", "data", level(0.5, 0.5)), /needs options.g2/);
    assert.throws(
      () => equivalentWeight("x0" as Kind, "data", level(0.5, 0.5)),
      /equivalentWeight: fromKind must be one of/,
    );
  });
});

describe("weightings on bridge paths", () => {
  const isotropic = brownianBridge(2);
  // The same conditional law xₜ | data ~ N(t·data, (1 − t)·I) as an affine schedule.
  const affine = brownianBridgeTwin();

  it("use the isotropic conditional's log-SNR and scalar conversions, matching the equivalent affine path", () => {
    for (const t of [0.1, 0.4, 0.8]) {
      for (const w of [minSnrWeighting(), edmWeighting(), sd3CosmapWeighting()]) {
        for (const kind of ["data", "noise", "score", "velocity", "v"] as Kind[]) {
          assertClose(lossWeight(w, kind, isotropic.slice(t)), lossWeight(w, kind, affine.slice(t)), {
            rtol: 1e-9,
            message: `${w.name} on ${kind} at t = ${t}`,
          });
        }
      }
    }
  });

  it("throw for matrix-valued levels and level weightings, naming timeWeighting as the fix", () => {
    const dense = denseBridge();
    assert.throws(
      () => lossWeight(minSnrWeighting(), "data", dense.slice(0.5)),
      /matrix-valued conditional .* timeWeighting/,
    );
    assert.throws(
      () => lossWeight(likelihoodWeighting(), "noise", isotropic.slice(0.5)),
      /needs an affine level .* timeWeighting/,
    );
    assert.equal(
      lossWeight(uniformWeighting(), "velocity", dense.slice(0.5)),
      1,
      "uniform works on any bridge",
    );
  });
});
