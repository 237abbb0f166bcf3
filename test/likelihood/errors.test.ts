/**
 * Bad inputs to the likelihood functions fail fast with messages naming the function, the argument
 * and the fix.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { affinePath, bridgePath, discreteSchedule, linearSchedule, vpSchedule } from "../../src/index.js";
import { discreteLogLikelihood, dequantize } from "../../src/likelihood/bitsPerDim.js";
import { logLikelihood } from "../../src/likelihood/logLikelihood.js";
import { mixtureModel } from "../../src/likelihood/models.js";
import { discreteVariationalBound } from "../../src/likelihood/vlb.js";
import { blackBox, brownianBridge, ring2d } from "./cases.js";

const ring = ring2d();
const linear = affinePath(linearSchedule());
const model = mixtureModel(ring, linear);
const x = Float64Array.of(0.1, 0.2, -0.3, 0.4);

describe("logLikelihood rejects bad inputs", () => {
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    [
      "x that is not a float array",
      () => logLikelihood(model, [1, 2] as unknown as Float64Array, { dim: 2 }),
      /logLikelihood: x must be a Float32Array or Float64Array, got Array/,
    ],
    [
      "a missing dim on an affine path",
      () => logLikelihood(model, x),
      /logLikelihood: options\.dim is required on an affine path.*pass \{ dim/,
    ],
    [
      "a length that is not a multiple of dim",
      () => logLikelihood(model, x, { dim: 3 }),
      /logLikelihood: x has length 4, not a multiple of dim = 3; pass a batch-major array/,
    ],
    [
      "a non-finite value",
      () => logLikelihood(model, Float64Array.of(0, Number.NaN), { dim: 2 }),
      /logLikelihood: x\[1\] is NaN; every entry must be finite/,
    ],
    [
      "an infinite value",
      () => logLikelihood(model, Float64Array.of(Number.POSITIVE_INFINITY, 0), { dim: 2 }),
      /logLikelihood: x\[0\] is Infinity/,
    ],
    [
      "a dim that disagrees with a bridge path",
      () => {
        const path = bridgePath(brownianBridge(0.1));
        return logLikelihood(mixtureModel(ring, path), Float64Array.of(1, 2, 3), { dim: 3 });
      },
      /logLikelihood: options\.dim is 3 but the model's path has dimension 2; pass samples of 2 coordinates/,
    ],
    [
      "endpoints in the wrong order",
      () => logLikelihood(model, x, { dim: 2, tStart: 0.2, tEnd: 0.5 }),
      /logLikelihood: need 0 ≤ tEnd < tStart ≤ 1/,
    ],
    [
      "a data model started where its velocity is singular",
      () => logLikelihood(model, x, { dim: 2, tStart: 1 }),
      /logLikelihood: the data model's velocity is singular at tStart = 1 .*pass tStart ≤ path\.tMax/,
    ],
    [
      "a noise model ended where its velocity is singular",
      () => logLikelihood(mixtureModel(ring, linear, "noise"), x, { dim: 2, tEnd: 0 }),
      /logLikelihood: the noise model's velocity is singular at tEnd = 0 .*pass tEnd ≥ path\.tMin/,
    ],
    [
      "an unknown divergence kind",
      () => logLikelihood(model, x, { dim: 2, divergence: { kind: "magic" } as never }),
      /logLikelihood: options\.divergence must be \{ kind: "exact" \}/,
    ],
    [
      "zero probes",
      () => logLikelihood(model, x, { dim: 2, divergence: { kind: "hutchinson", probes: 0, seed: 1 } }),
      /logLikelihood: divergence\.probes must be a positive integer, got 0/,
    ],
    [
      "a negative seed",
      () => logLikelihood(model, x, { dim: 2, divergence: { kind: "hutchinson", probes: 2, seed: -1 } }),
      /logLikelihood: divergence\.seed must be a non-negative safe integer/,
    ],
    [
      "a closed form the model lacks",
      () =>
        logLikelihood(blackBox(model), x, { dim: 2, divergence: { kind: "exact", jacobian: "closedForm" } }),
      /logLikelihood: jacobian "closedForm" needs a model with a divergence.*use "finiteDifference"/,
    ],
    [
      "a JVP the model lacks",
      () => logLikelihood(model, x, { dim: 2, divergence: { kind: "exact", jacobian: "jvp" } }),
      /logLikelihood: jacobian "jvp" needs a model with a jvp.*use "finiteDifference"/,
    ],
    [
      "a bad finite-difference step",
      () =>
        logLikelihood(blackBox(model), x, {
          dim: 2,
          divergence: { kind: "exact", finiteDifference: { step: 2 } },
        }),
      /logLikelihood: finiteDifference\.step must be in \(0, 1\), got 2/,
    ],
    [
      "a bad dataEnd",
      () => logLikelihood(model, x, { dim: 2, dataEnd: "clean" as never }),
      /logLikelihood: options\.dataEnd must be "denoise" or "marginal"/,
    ],
    [
      "a model whose prediction has the wrong length",
      () => logLikelihood({ ...blackBox(model), predict: () => new Float64Array(1) }, x, { dim: 2 }),
      /predict: the data model returned length 1 for an input of length/,
    ],
    [
      "a model that is not a model",
      () => logLikelihood({} as never, x, { dim: 2 }),
      /logLikelihood: model must be a Model \{ kind, path, predict \}/,
    ],
  ];
  for (const [name, run, message] of cases) {
    test(`${name} is rejected with a message naming the function, argument and fix`, async () => {
      await assert.rejects(run, message, `${name}: wrong or missing error`);
    });
  }
});

describe("the discrete-data functions reject bad inputs", () => {
  test("dequantize rejects values that are not bin indices and bad quantizations", () => {
    const q = { levels: 4, range: [0, 1] } as const;
    assert.throws(
      () => dequantize(Float64Array.of(0, 4), 2, q, { kind: "none" }),
      /dequantize: k\[1\] = 4 is not an integer in \[0, 4\)/,
      "out of range",
    );
    assert.throws(
      () => dequantize(Float64Array.of(0.5, 1), 2, q, { kind: "none" }),
      /k\[0\] = 0\.5 is not an integer/,
      "fractional",
    );
    assert.throws(
      () => dequantize(Float64Array.of(0, 1), 2, { levels: 1, range: [0, 1] }, { kind: "none" }),
      /quantization\.levels must be an integer ≥ 2/,
      "levels",
    );
    assert.throws(
      () => dequantize(Float64Array.of(0, 1), 2, { levels: 4, range: [1, 0] }, { kind: "none" }),
      /quantization\.range must be \[lo, hi\] with finite lo < hi/,
      "range",
    );
    assert.throws(
      () => dequantize(Float64Array.of(0, 1), 2, q, { kind: "gaussian" } as never),
      /dequantization must be \{ kind: "uniform", seed \} or \{ kind: "none" \}/,
      "kind",
    );
  });

  test("discreteLogLikelihood rejects a bad number of draws", async () => {
    await assert.rejects(
      () =>
        discreteLogLikelihood(model, Float64Array.of(0, 1), {
          dim: 2,
          quantization: { levels: 4, range: [-2, 2] },
          dequantization: { kind: "uniform", seed: 1 },
          draws: 0,
        }),
      /discreteLogLikelihood: options\.draws must be a positive integer, got 0/,
      "draws",
    );
    await assert.rejects(
      () =>
        discreteLogLikelihood(model, Float64Array.of(0, 1), {
          dim: 2,
          quantization: { levels: 4, range: [-2, 2] },
        } as never),
      /discreteLogLikelihood: options\.dequantization must be \{ kind: "uniform", seed \} or \{ kind: "none" \}, got undefined/,
      "missing dequantization",
    );
  });

  test("discreteVariationalBound needs a DDPM table and a decoder", async () => {
    await assert.rejects(
      () => discreteVariationalBound(model, x, { dim: 2, decoder: { kind: "gaussian" }, seed: 1 }),
      /discreteVariationalBound: the model's path must be affinePath\(discreteSchedule\(…\)\), got linear/,
      "continuous schedule",
    );
    const vp = mixtureModel(ring, affinePath(vpSchedule()));
    await assert.rejects(
      () => discreteVariationalBound(vp, x, { dim: 2, decoder: { kind: "gaussian" }, seed: 1 }),
      /needs a DDPM table/,
      "vp",
    );
    const ddpm = mixtureModel(
      ring,
      affinePath(discreteSchedule({ betaSchedule: "linear", numTrainSteps: 10, precision: "float64" })),
    );
    await assert.rejects(
      () => discreteVariationalBound(ddpm, x, { dim: 2, decoder: { kind: "logistic" } as never, seed: 1 }),
      /discreteVariationalBound: options\.decoder must be \{ kind: "gaussian" \} or \{ kind: "discretized", quantization \}/,
      "decoder",
    );
    await assert.rejects(
      () =>
        discreteVariationalBound(ddpm, x, {
          dim: 2,
          decoder: { kind: "gaussian" },
          seed: 1,
          variance: "learned" as never,
        }),
      /discreteVariationalBound: options\.variance must be "posterior" or "beta", got "learned"/,
      "variance",
    );
    await assert.rejects(
      () => discreteVariationalBound(ddpm, x, { dim: 3, decoder: { kind: "gaussian" }, seed: 1 }),
      /discreteVariationalBound: data has length 4, not a multiple of options\.dim = 3/,
      "dim",
    );
  });
});
