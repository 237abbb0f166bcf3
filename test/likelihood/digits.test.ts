/**
 * Bits per dimension of the (discrete) digits under a model whose density is known in closed form:
 * an isotropic Gaussian N(μ, s²I) in 64 dimensions, through its exact denoiser on the rectified-flow
 * path, at the digits' own quantization (17 bins of width 1/8 on [−1 − 1/16, 1 + 1/16]).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { affinePath, gaussianMixture, linearSchedule } from "../../src/index.js";
import { binWidth, dequantize, discreteLogLikelihood, quantize } from "../../src/likelihood/bitsPerDim.js";
import { mixtureModel } from "../../src/likelihood/models.js";
import { loadDataset } from "../../src/train/datasets/registry.js";
import { assertWithin } from "./cases.js";

const dim = 64;
const s2 = 0.3;
const mu = Array.from({ length: dim }, (_, j) => 0.3 * Math.sin(j));
const gaussian = gaussianMixture({ weights: [1], means: [mu], covariances: s2 });
const model = mixtureModel(gaussian, affinePath(linearSchedule()));
const solver = { kind: "adaptive", rtol: 1e-7, atol: 1e-7 } as const;
const digits = loadDataset("digits", { split: "heldout", n: 3 });
const q = digits.quantization!;
const k = quantize(digits.data, q);
const width = binWidth(q);

/** log N(y; μ, s²I) of each row of y. */
function logGaussian(y: Float64Array): Float64Array {
  return Float64Array.from({ length: y.length / dim }, (_, i) => {
    let r2 = 0;
    for (let j = 0; j < dim; j++) r2 += (y[i * dim + j]! - mu[j]!) ** 2;
    return -r2 / (2 * s2) - (dim / 2) * Math.log(2 * Math.PI * s2);
  });
}

/** Bits per dimension of log-probabilities (nats) of `dim` pixels. */
const bits = (logP: Float64Array) => logP.map((l) => -l / (dim * Math.LN2));

describe("bits per dimension of digits", () => {
  it("with bin centres, equal −(log N(pixels) + d·log Δ)/(d·ln 2) in closed form", async () => {
    assert.equal(width, 1 / 8, "Δ of the [−1, 1] scale");
    const r = await discreteLogLikelihood(model, k, {
      dim,
      quantization: q,
      dequantization: { kind: "none" },
      solver,
    });
    const closed = logGaussian(Float64Array.from(digits.data)).map((l) => l + dim * Math.log(width));
    assertWithin(r.logProbability, closed, 1e-4, "log P(k) in nats");
    assertWithin(r.bitsPerDim, bits(closed), 1e-4 / (dim * Math.LN2), "bits/dim");
  });

  it("with uniform dequantization, equal the closed form at the dequantized points, around E_u = log N(c) − d·Δ²/(24s²)", async () => {
    const draws = 6;
    const seed = 11;
    const r = await discreteLogLikelihood(model, k, {
      dim,
      quantization: q,
      dequantization: { kind: "uniform", seed },
      draws,
      solver,
    });
    // The same draws, evaluated in closed form.
    const atPoints = new Float64Array(3);
    for (let d = 0; d < draws; d++) {
      const y = dequantize(k, dim, q, { kind: "uniform", seed, draw: d });
      logGaussian(y).forEach((l, i) => void (atPoints[i]! += (l + dim * Math.log(width)) / draws));
    }
    assertWithin(r.logProbability, atPoints, 1e-4, "mean over draws of log N(y) + d·log Δ");
    assertWithin(r.bitsPerDim, bits(atPoints), 1e-4 / (dim * Math.LN2), "bits/dim");
    // E_u[(c + (u − ½)Δ − μ)²] = (c − μ)² + Δ²/12 per coordinate.
    const expected = logGaussian(Float64Array.from(digits.data)).map(
      (l) => l - (dim * width * width) / (24 * s2) + dim * Math.log(width),
    );
    r.logProbability.forEach((l, i) => {
      assert.ok(
        Math.abs(l - expected[i]!) < 4 * r.standardError[i]! + 1e-3,
        `image ${i}: ${l} is ${((l - expected[i]!) / r.standardError[i]!).toFixed(1)} standard errors from E_u = ${expected[i]}`,
      );
    });
  });

  it("refuses Hutchinson probes on the dequantization's seed, which would correlate them", async () => {
    await assert.rejects(
      discreteLogLikelihood(model, k, {
        dim,
        quantization: q,
        dequantization: { kind: "uniform", seed: 3 },
        divergence: { kind: "hutchinson", probes: 2, seed: 3 },
      }),
      /discreteLogLikelihood: the dequantization and the Hutchinson probes both use seed 3, .* give divergence\.seed and dequantization\.seed different values/,
    );
  });
});
