/**
 * Discrete data: quantization round trips, bits per dimension in closed form, the dequantized
 * likelihood against exact bin masses of Gaussian data, and the DDPM variational bound against its
 * closed-form expectation for Gaussian data.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { Rng, affinePath, discreteSchedule, gaussianMixture, linearSchedule } from "../../src/index.js";
import { normalCdf } from "../../src/extend.js";
import {
  binWidth,
  bitsPerDim,
  dequantize,
  discreteLogLikelihood,
  quantize,
} from "../../src/likelihood/bitsPerDim.js";
import { logLikelihood } from "../../src/likelihood/logLikelihood.js";
import { mixtureModel } from "../../src/likelihood/models.js";
import { discreteVariationalBound } from "../../src/likelihood/vlb.js";
import { assertWithin } from "./cases.js";

describe("quantization and bits per dimension", () => {
  test("quantize inverts dequantize for both dequantizations (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 300 }),
        fc.double({ min: -5, max: 5, noNaN: true }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        fc.array(fc.nat(), { minLength: 2, maxLength: 8 }),
        (levels, lo, span, raw) => {
          const q = { levels, range: [lo, lo + span] as const };
          const k = Float64Array.from(raw.slice(0, 2 * Math.floor(raw.length / 2)), (v) => v % levels);
          for (const deq of [{ kind: "none" } as const, { kind: "uniform", seed: 5 } as const]) {
            const y = dequantize(k, 2, q, deq);
            assert.deepEqual(Array.from(quantize(y, q)), Array.from(k), `levels ${levels}, ${deq.kind}`);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  test("uniform dequantization noise is uniform within bins and independent of the batch", () => {
    const q = { levels: 8, range: [-1, 1] } as const;
    const k = new Float64Array(4000).fill(3);
    const y = dequantize(k, 2, q, { kind: "uniform", seed: 1 });
    const width = binWidth(q);
    const u = y.map((v) => (v - (-1 + 3 * width)) / width);
    const mean = u.reduce((a, b) => a + b, 0) / u.length;
    const variance = u.reduce((a, b) => a + (b - mean) ** 2, 0) / u.length;
    assert.ok(
      Math.abs(mean - 0.5) < 0.01 && Math.abs(variance - 1 / 12) < 0.003,
      `mean ${mean}, variance ${variance}`,
    );
    const row5 = dequantize(k.slice(10, 12), 2, q, { kind: "uniform", seed: 1, rowOffset: 5 });
    assert.deepEqual(Array.from(row5), Array.from(y.slice(10, 12)), "row 5 alone equals row 5 in the batch");
  });

  test("a uniform density on the range has log₂(levels) bits per dimension", () => {
    for (const levels of [2, 256, 1000]) {
      const q = { levels, range: [-1, 3] } as const;
      const d = 5;
      const bpd = bitsPerDim(Float64Array.of(-d * Math.log(4)), d, q);
      assert.ok(Math.abs(bpd[0]! - Math.log2(levels)) < 1e-12, `levels ${levels}: ${bpd[0]}`);
    }
    const continuous = bitsPerDim(Float64Array.of(-2 * Math.LN2), 2);
    assert.ok(Math.abs(continuous[0]! - 1) < 1e-15, "without quantization bpd = −log p/(d ln 2)");
  });

  test("dequantized likelihood of discretized Gaussian data: 'none' is the midpoint rule, 'uniform' a bound below the exact bin mass", async () => {
    const mean = [0.2, -0.3];
    const variance = [0.25, 0.16];
    const data = gaussianMixture({ weights: [1], means: [mean], covariances: [variance] });
    const path = affinePath(linearSchedule());
    const model = mixtureModel(data, path);
    const q = { levels: 16, range: [-2, 2] } as const;
    const k = quantize(data.sample(new Rng(4), 6), q);
    const width = binWidth(q);
    // Exact log P(k) = Σⱼ log[Φ((upper − μ)/s) − Φ((lower − μ)/s)].
    const exact = new Float64Array(6);
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 2; j++) {
        const lower = -2 + k[i * 2 + j]! * width;
        const s = Math.sqrt(variance[j]!);
        exact[i]! += Math.log(normalCdf((lower + width - mean[j]!) / s) - normalCdf((lower - mean[j]!) / s));
      }
    }
    const solver = { kind: "adaptive", rtol: 1e-7, atol: 1e-7 } as const;
    const centre = await discreteLogLikelihood(model, k, {
      dim: 2,
      quantization: q,
      dequantization: { kind: "none" },
      solver,
    });
    const direct = await logLikelihood(model, dequantize(k, 2, q, { kind: "none" }), { dim: 2, solver });
    assertWithin(
      centre.logProbability,
      direct.logLikelihood.map((l) => l + 2 * Math.log(width)),
      1e-12,
      "none = density at centre × Δᵈ",
    );
    assertWithin(centre.logProbability, exact, 0.05, "midpoint rule on 0.25-wide bins");
    const uniform = await discreteLogLikelihood(model, k, {
      dim: 2,
      quantization: q,
      dequantization: { kind: "uniform", seed: 2 },
      draws: 32,
      solver: { kind: "adaptive", rtol: 1e-5, atol: 1e-5 },
    });
    uniform.logProbability.forEach((l, i) => {
      assert.ok(
        l <= exact[i]! + 3 * uniform.standardError[i]!,
        `sample ${i}: bound ${l} above log P = ${exact[i]}`,
      );
      assert.ok(l > exact[i]! - 0.1, `sample ${i}: bound ${l} is far below log P = ${exact[i]}`);
    });
    assertWithin(
      uniform.bitsPerDim,
      uniform.logProbability.map((l) => -l / (2 * Math.LN2)),
      1e-12,
      "bits per dim",
    );
  });
});

describe("the DDPM variational bound", () => {
  const mean = [0.5, -0.5];
  const s2 = 0.09;
  const data = gaussianMixture({ weights: [1], means: [mean], covariances: s2 });
  const N = 100;
  const schedule = discreteSchedule({
    betaSchedule: "linear",
    numTrainSteps: N,
    betaStart: 1e-3,
    betaEnd: 0.2,
    precision: "float64",
  });
  const path = affinePath(schedule);
  const n = 1000;
  const x = data.sample(new Rng(1), n);

  /** E[bound] for Gaussian data from the posterior variance Var[x₀ | x_k] = s²(1 − ᾱ)/(ᾱs² + 1 − ᾱ). */
  function expectedBound(variance: "posterior" | "beta"): number {
    const abar = schedule.alphasCumprod;
    const betas = schedule.betas;
    const d = 2;
    const prev = (k: number) => (k === 0 ? 1 : abar[k - 1]!);
    const tilde = (k: number) => ((1 - prev(k)) * betas[k]!) / (1 - abar[k]!);
    const posterior = (a: number) => (s2 * (1 - a)) / (a * s2 + 1 - a);
    const aT = abar[N - 1]!;
    const s0 = 1 - aT;
    const m2 = (mean[0]! ** 2 + mean[1]! ** 2) / d + s2;
    let total = 0.5 * d * ((1 - aT) / s0 - 1 - Math.log((1 - aT) / s0) + (aT * m2) / s0);
    for (let k = 1; k < N; k++) {
      const v = variance === "beta" ? betas[k]! : tilde(k);
      const c0 = (Math.sqrt(prev(k)) * betas[k]!) / (1 - abar[k]!);
      total +=
        0.5 * d * (tilde(k) / v - 1 - Math.log(tilde(k) / v)) + (d * c0 * c0 * posterior(abar[k]!)) / (2 * v);
    }
    const v0 = variance === "beta" ? betas[0]! : tilde(1);
    return total + d * (0.5 * Math.log(2 * Math.PI * v0) + posterior(abar[0]!) / (2 * v0));
  }

  for (const variance of ["posterior", "beta"] as const) {
    test(`with the exact denoiser the mean bound (${variance} variance) matches its closed-form expectation`, async () => {
      const r = await discreteVariationalBound(mixtureModel(data, path, "noise"), x, {
        dim: 2,
        decoder: { kind: "gaussian" },
        seed: 3,
        variance,
      });
      assert.equal(r.nfe, N, "one model call per table entry");
      const mean_ = r.bound.reduce((a, b) => a + b, 0) / n;
      const se = Math.sqrt(r.bound.reduce((a, b) => a + (b - mean_) ** 2, 0) / (n - 1) / n);
      const expected = expectedBound(variance);
      assert.ok(Math.abs(mean_ - expected) < 4 * se, `mean bound ${mean_} ± ${se} vs expected ${expected}`);
      assertWithin(
        r.bound,
        r.prior.map((p, i) => p + r.diffusion[i]! + r.decoder[i]!),
        1e-12,
        "bound = sum of its terms",
      );
      const nll = -data.logProb(x).reduce((a, b) => a + b, 0) / n;
      assert.ok(expected >= nll, `expected bound ${expected} must exceed the true NLL ${nll}`);
    });
  }

  test("the bound is the same for every kind of the exact denoiser", async () => {
    const small = x.slice(0, 20);
    const ref = await discreteVariationalBound(mixtureModel(data, path), small, {
      dim: 2,
      decoder: { kind: "gaussian" },
      seed: 7,
    });
    for (const kind of ["noise", "v", "score", "velocity"] as const) {
      const r = await discreteVariationalBound(mixtureModel(data, path, kind), small, {
        dim: 2,
        decoder: { kind: "gaussian" },
        seed: 7,
      });
      assertWithin(r.bound, ref.bound, 1e-7, `${kind} vs data`);
    }
  });

  test("a discretized decoder on fine bins approaches the Gaussian decoder minus d·log Δ at bin centres", async () => {
    const q = { levels: 4096, range: [-3, 3] } as const;
    // Data at bin centres, so the bin mass is the midpoint rule of the density at x.
    const small = dequantize(quantize(x.slice(0, 20), q), 2, q, { kind: "none" });
    const opts = { dim: 2, seed: 7, variance: "beta" } as const;
    const gauss = await discreteVariationalBound(mixtureModel(data, path), small, {
      ...opts,
      decoder: { kind: "gaussian" },
    });
    const disc = await discreteVariationalBound(mixtureModel(data, path), small, {
      ...opts,
      decoder: { kind: "discretized", quantization: q },
    });
    assertWithin(
      disc.decoder,
      gauss.decoder.map((g) => g - 2 * Math.log(binWidth(q))),
      1e-3,
      "fine-bin decoder",
    );
    assertWithin(
      disc.bitsPerDim,
      disc.bound.map((b) => b / (2 * Math.LN2)),
      1e-12,
      "bits per dim of the discrete bound",
    );
  });
});
