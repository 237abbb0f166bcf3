/**
 * Forward-mode JVPs of a trained-network-shaped MLP through the dual tensor algebra: against central
 * finite differences for every activation, and the likelihood with exact JVP divergence against the
 * black-box finite-difference divergence.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  Rng,
  type Shape,
  affinePath,
  classifierFreeGuidance,
  cosineSchedule,
  linearSchedule,
  retime,
} from "../../src/index.js";
import { type Dual, constantDual, dualOps } from "../../src/train/dual.js";
import type { JacobianModel } from "../../src/likelihood/divergence.js";
import { logLikelihood } from "../../src/likelihood/logLikelihood.js";
import {
  ACTIVATIONS,
  featureWidth,
  initMlpParams,
  mlpConfig,
  mlpFeatures,
  mlpForward,
} from "../../src/train/mlp.js";
import { hostOps } from "../../src/train/tensor.js";
import { networkModel } from "../../src/train/network.js";
import { assertJvpMatchesDifferences, assertWithin } from "./cases.js";

const path = affinePath(linearSchedule());

/** A float64 MLP as a velocity model; networkModel gives it an exact forward-mode `jvp`. */
function mlpWithJvp(activation: (typeof ACTIVATIONS)[number], seed: number): JacobianModel {
  const config = mlpConfig({ dim: 2, width: 24, depth: 2, activation, timeEmbedding: { scale: 1 } });
  const params = initMlpParams(config, new Rng(seed), "float64");
  return networkModel(params, config, path, "velocity", { forward: "host" });
}

/** The same JVP through the dual algebra directly (checks networkModel's wiring of input tangents). */
function dualJvp(
  activation: (typeof ACTIVATIONS)[number],
  seed: number,
  xt: Float64Array,
  t: number,
  shape: Shape,
  v: Float64Array,
): Float64Array {
  const config = mlpConfig({ dim: 2, width: 24, depth: 2, activation, timeEmbedding: { scale: 1 } });
  const params = initMlpParams(config, new Rng(seed), "float64");
  const width = featureWidth(config);
  const features = mlpFeatures(config, xt, t, shape, new Float64Array(shape.batch * width));
  const tangent = new Float64Array(shape.batch * width);
  for (let i = 0; i < shape.batch; i++)
    for (let j = 0; j < shape.dim; j++) tangent[i * width + j] = v[i * shape.dim + j]!;
  const input: Dual = {
    value: { shape: [shape.batch, width], data: features },
    tangent: { shape: [shape.batch, width], data: tangent },
  };
  return mlpForward(dualOps(hostOps("float64")), config, params.map(constantDual), input).tangent!
    .data as Float64Array;
}

describe("forward-mode JVP of an MLP (dual tensor algebra)", () => {
  for (const activation of ACTIVATIONS) {
    test(`the ${activation} network's JVP equals central finite differences`, async () => {
      const model = mlpWithJvp(activation, 3);
      const rng = new Rng(1);
      const x = Float64Array.from({ length: 10 }, () => rng.normal());
      const v = Float64Array.from({ length: 10 }, () => rng.normal());
      const shape = { batch: 5, dim: 2 };
      // relu has kinks; the random points avoid them with probability 1.
      await assertJvpMatchesDifferences(model, x, v, 0.4, shape, 1e-7, `${activation} JVP`);
      assert.deepEqual(await model.jvp!(x, 0.4, shape, v), dualJvp(activation, 3, x, 0.4, shape, v));
    });
  }

  test("the likelihood with exact JVP divergence matches the finite-difference divergence", async () => {
    const model = mlpWithJvp("silu", 5);
    const x = Float64Array.of(0.3, -0.2, 1.1, 0.4, -0.9, 0.05);
    const solver = { kind: "fixed", steps: 10 } as const;
    const exact = await logLikelihood(model, x, {
      dim: 2,
      solver,
      tStart: 1,
      divergence: { kind: "exact", jacobian: "jvp" },
    });
    const fd = await logLikelihood(model, x, {
      dim: 2,
      solver,
      tStart: 1,
      divergence: { kind: "exact", jacobian: "finiteDifference", finiteDifference: { scheme: "central" } },
    });
    assertWithin(exact.logLikelihood, fd.logLikelihood, 1e-7, "JVP vs central differences");
    assert.ok(exact.modelCalls > exact.nfe, "the JVP path makes a predict and a jvp call per evaluation");
  });

  test("a float32 network behind a float64 preconditioning says float32: auto takes central differences, not its float64 jvp", async () => {
    const config = mlpConfig({
      dim: 2,
      width: 24,
      depth: 2,
      activation: "silu",
      timeEmbedding: { scale: 1 },
    });
    const parameterization = { kind: "preconditioned", sigmaData: 1 } as const;
    const x = Float64Array.of(0.3, -0.2, 1.1, 0.4, -0.9, 0.05);
    const solver = { kind: "fixed", steps: 10 } as const;
    const run = async (dtype: "float32" | "float64") => {
      const net = networkModel(initMlpParams(config, new Rng(5), dtype), config, path, "velocity", {
        forward: "host",
        parameterization,
      });
      let jvpCalls = 0;
      const model: JacobianModel = {
        kind: "velocity",
        path: net.path,
        precision: net.precision,
        predict: (...a) => net.predict(...a),
        jvp: (...a) => {
          jvpCalls++;
          return net.jvp(...a);
        },
      };
      const probe = await net.predict(x, 0.5, { batch: 3, dim: 2 });
      const result = await logLikelihood(model, x, {
        dim: 2,
        solver,
        tStart: 1,
        divergence: { kind: "exact" },
      });
      return { precision: net.precision, probe, jvpCalls, result };
    };
    const f32 = await run("float32");
    assert.ok(f32.probe instanceof Float64Array, "the preconditioning returns float64 arrays");
    assert.equal(f32.precision, "float32");
    assert.equal(f32.jvpCalls, 0, "float32 network: central differences");
    const f64 = await run("float64");
    assert.equal(f64.precision, "float64");
    assert.ok(f64.jvpCalls > 0, "float64 network: the exact jvp");
    // The same weights rounded to float32: the two likelihoods agree to float32 accuracy.
    assertWithin(
      f32.result.logLikelihood,
      f64.result.logLikelihood,
      1e-4,
      "float32 + differences vs float64 + jvp",
    );
  });

  test("retiming and guidance pass a model's precision on; a precision that is neither is an error", async () => {
    const config = mlpConfig({ dim: 2, width: 8, depth: 1, timeEmbedding: { scale: 1 } });
    const net = networkModel(initMlpParams(config, new Rng(2)), config, path, "velocity", {
      forward: "host",
    });
    assert.equal(retime(net, affinePath(cosineSchedule())).precision, "float32");
    assert.equal(classifierFreeGuidance(net, { scale: 2 }).precision, "float32");
    const bare = { kind: "velocity", path, predict: net.predict } as const;
    assert.equal(retime(bare, path).precision, undefined, "nothing to pass on: the array type decides");
    const x = Float64Array.of(0.3, -0.2);
    await assert.rejects(
      logLikelihood({ ...bare, precision: "float16" as never }, x, { dim: 2, divergence: { kind: "exact" } }),
      /model\.precision must be "float32" or "float64" \(or absent\), got "float16"/,
    );
  });
});
