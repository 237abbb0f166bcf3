/**
 * logLikelihood: exact densities of Gaussian data (an independent closed-form model), the mixture
 * oracle against the mixture's own density in 2-D and 64-D, Hutchinson's estimator against the exact
 * value, kind invariance, bridge paths, VE with σ(1) > 0, agreement of the divergence methods and
 * NFE accounting.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  DiffusionModelComponents,
  type Kind,
  Rng,
  affinePath,
  bridgePath,
  gaussian,
  gaussianMixture,
  linearSchedule,
  linearTimeInvariantSde,
  veSchedule,
  vpSchedule,
} from "../../src/index.js";
import type { JacobianModel } from "../../src/likelihood/divergence.js";
import { logLikelihood } from "../../src/likelihood/logLikelihood.js";
import { mixtureModel, modelAsKind } from "../../src/likelihood/models.js";
import {
  assertJvpMatchesDifferences,
  assertWithin,
  blackBox,
  brownianBridge,
  gaussianDataModel,
  gaussianLogDensity,
  ring2d,
} from "./cases.js";

const tight = { kind: "adaptive", rtol: 1e-8, atol: 1e-8 } as const;
const linear = affinePath(linearSchedule());

describe("logLikelihood on Gaussian data (exact density known)", () => {
  const mean = [0.5, -1, 2, 0];
  const variance = [0.3, 1.5, 0.05, 1];
  const data = gaussianMixture({ weights: [1], means: [mean], covariances: [variance] });
  const x = data.sample(new Rng(11), 6);
  const exact = gaussianLogDensity(x, mean, variance);

  test("the exact divergence gives log N(x; μ, diag s²) within 1e-4 nats on the rectified-flow path", async () => {
    const r = await logLikelihood(gaussianDataModel(linear, mean, variance, { divergence: true }), x, {
      dim: 4,
      solver: tight,
    });
    assertWithin(r.logLikelihood, exact, 1e-4, "closed-form divergence");
    assert.equal(r.tEnd, 0, "a data model's velocity is finite at t = 0, so the ODE runs to the prior");
    assert.equal(r.tStart, linear.tMax, "the data end defaults to tMax");
  });

  test("a black-box model (one finite difference per dimension) is within 1e-4 nats too", async () => {
    const r = await logLikelihood(gaussianDataModel(linear, mean, variance), x, { dim: 4, solver: tight });
    assertWithin(r.logLikelihood, exact, 1e-4, "finite-difference divergence");
  });

  test("a VP path with the exact Gaussian marginal as the noise-end density is within 1e-4 nats", async () => {
    const vp = affinePath(vpSchedule());
    const at0 = data.on(vp);
    const r = await logLikelihood(gaussianDataModel(vp, mean, variance, { jvp: true }), x, {
      dim: 4,
      solver: tight,
      prior: { logProb: (y) => at0.logProb(0, y) },
    });
    assertWithin(r.logLikelihood, exact, 1e-4, "VP with exact marginal at t = 0");
  });

  test("with the path's own prior a VP model is off by the prior mismatch of α(0) ≈ 0.0066, not more", async () => {
    const vp = affinePath(vpSchedule());
    const r = await logLikelihood(gaussianDataModel(vp, mean, variance, { divergence: true }), x, {
      dim: 4,
      solver: tight,
    });
    const worst = Math.max(...Array.from(r.logLikelihood, (v, i) => Math.abs(v - exact[i]!)));
    assert.ok(worst > 1e-4 && worst < 0.1, `prior mismatch ${worst} should be visible but small`);
  });
});

describe("logLikelihood of the Gaussian-mixture oracle", () => {
  const rng = new Rng(7);
  const mixtures = [
    { name: "the 2-D ring mixture", mixture: ring2d(), n: 16, tol: 1e-6 },
    {
      name: "a 64-D mixture with unequal weights and diagonal covariances",
      mixture: gaussianMixture({
        weights: [1, 2, 3, 4],
        means: Array.from({ length: 4 }, () => Array.from({ length: 64 }, () => rng.normal())),
        covariances: [0.5, 0.3, Array.from({ length: 64 }, (_, i) => 0.2 + 0.01 * i), 1],
      }),
      n: 8,
      tol: 1e-7,
    },
  ];
  for (const { name, mixture, n, tol } of mixtures) {
    test(`${name} is within 1e-3 nats of its exact log-density`, async () => {
      const x = mixture.sample(new Rng(3), n);
      const solver = { kind: "adaptive", rtol: tol, atol: tol } as const;
      const r = await logLikelihood(mixtureModel(mixture, linear), x, { dim: mixture.dim, solver });
      assertWithin(r.logLikelihood, mixture.logProb(x), 1e-3, name);
    });
  }

  test("Hutchinson's mean over many probes is within 3 standard errors of the exact value", async () => {
    const ring = ring2d();
    const x = ring.sample(new Rng(5), 6);
    const solver = { kind: "adaptive", rtol: 1e-6, atol: 1e-6 } as const;
    const exact = await logLikelihood(mixtureModel(ring, linear), x, { dim: 2, solver });
    for (const distribution of ["gaussian", "rademacher"] as const) {
      const r = await logLikelihood(mixtureModel(ring, linear), x, {
        dim: 2,
        solver,
        divergence: { kind: "hutchinson", probes: 256, seed: 9, distribution },
      });
      r.logLikelihood.forEach((v, i) => {
        const z = (v - exact.logLikelihood[i]!) / r.standardError[i]!;
        assert.ok(
          Math.abs(z) < 3,
          `${distribution}, sample ${i}: ${v} is ${z.toFixed(2)} standard errors from ${exact.logLikelihood[i]}`,
        );
        assert.ok(
          r.standardError[i]! > 0 && r.standardError[i]! < 2,
          `${distribution}, sample ${i}: SE ${r.standardError[i]}`,
        );
      });
    }
  });

  test("Hutchinson's standard error shrinks like 1/√K and the estimates match the per-probe spread", async () => {
    const ring = ring2d();
    const x = ring.sample(new Rng(6), 4);
    const se = async (probes: number) => {
      const r = await logLikelihood(mixtureModel(ring, linear), x, {
        dim: 2,
        solver: { kind: "fixed", scheme: "rk4", steps: 40 },
        divergence: { kind: "hutchinson", probes, seed: 1, distribution: "gaussian" },
      });
      assert.equal(r.estimates.length, 4 * probes, "one estimate per sample and probe");
      return r.standardError.reduce((a, b) => a + b, 0) / 4;
    };
    const ratio = (await se(16)) / (await se(256));
    assert.ok(ratio > 2.5 && ratio < 6.5, `SE(16)/SE(256) = ${ratio}, expected about 4`);
  });

  test("on a fixed grid, a sample's Hutchinson estimate does not depend on the batch it is in", async () => {
    const ring = ring2d();
    const x = ring.sample(new Rng(8), 5);
    const options = {
      dim: 2,
      solver: { kind: "fixed", steps: 12 } as const,
      divergence: { kind: "hutchinson", probes: 4, seed: 3 } as const,
    };
    const whole = await logLikelihood(blackBox(mixtureModel(ring, linear)), x, options);
    const alone = await logLikelihood(blackBox(mixtureModel(ring, linear)), x.slice(6, 8), {
      ...options,
      divergence: { ...options.divergence, rowOffset: 3 },
    });
    assertWithin(alone.estimates, whole.estimates.slice(12, 16), 1e-12, "row 3 alone vs in the batch");
  });
});

describe("logLikelihood batch independence and progress", () => {
  const ring = ring2d();
  const x = ring.sample(new Rng(12), 7);

  test("with the default adaptive solver a sample's log-likelihood is bit-identical whatever batch it is in", async () => {
    const whole = await logLikelihood(mixtureModel(ring, linear), x, { dim: 2 });
    for (const [from, to] of [
      [0, 1],
      [2, 5],
      [6, 7],
    ] as const) {
      const part = await logLikelihood(mixtureModel(ring, linear), x.slice(2 * from, 2 * to), { dim: 2 });
      assert.deepEqual(
        Array.from(part.logLikelihood),
        Array.from(whole.logLikelihood.subarray(from, to)),
        `rows ${from}–${to - 1} alone vs in the batch of 7`,
      );
      assert.deepEqual(Array.from(part.evaluations), Array.from(whole.evaluations.subarray(from, to)));
    }
    // An adaptive solver that does not name its control steps per sample too.
    const solver = { kind: "adaptive", rtol: 1e-6, atol: 1e-6 } as const;
    const tight7 = await logLikelihood(mixtureModel(ring, linear), x, { dim: 2, solver });
    const tight1 = await logLikelihood(mixtureModel(ring, linear), x.slice(4, 6), { dim: 2, solver });
    assert.equal(tight1.logLikelihood[0], tight7.logLikelihood[2], "row 2 with rtol = atol = 1e-6");
    const hutchinson = { kind: "hutchinson", probes: 3, seed: 4 } as const;
    const all = await logLikelihood(blackBox(mixtureModel(ring, linear)), x, {
      dim: 2,
      divergence: hutchinson,
    });
    const tail = await logLikelihood(blackBox(mixtureModel(ring, linear)), x.slice(8), {
      dim: 2,
      divergence: { ...hutchinson, rowOffset: 4 },
    });
    assert.deepEqual(
      Array.from(tail.estimates),
      Array.from(all.estimates.subarray(12)),
      "Hutchinson rows 4–6",
    );
  });

  test("the default solver meets its stated accuracy on mixture oracles: ~2e-3 nats per sample, no worse than 1.5e-2", async () => {
    const pair = gaussianMixture({
      weights: [1, 1],
      means: [
        [-2, 0],
        [2, 1],
      ],
      covariances: [0.1, 0.1],
    });
    for (const [name, mixture] of [
      ["ring", ring],
      ["pair", pair],
    ] as const) {
      const points = mixture.sample(new Rng(1), 24);
      const exact = mixture.logProb(points);
      const r = await logLikelihood(mixtureModel(mixture, linear), points, { dim: 2 });
      const errs = Array.from(r.logLikelihood, (v, i) => Math.abs(v - exact[i]!));
      const mean = errs.reduce((a, b) => a + b, 0) / errs.length;
      assert.ok(mean < 4e-3, `${name}: mean error ${mean}`);
      assert.ok(Math.max(...errs) < 1.5e-2, `${name}: max error ${Math.max(...errs)}`);
    }
    // A relative tolerance on z (|z| reaches ~d·λ/2 nats) loosens the solve: the same rtol on every
    // component is several times less accurate on the pair.
    const points = pair.sample(new Rng(1), 24);
    const exact = pair.logProb(points);
    const meanError = (r: { logLikelihood: Float64Array }) =>
      r.logLikelihood.reduce((a, v, i) => a + Math.abs(v - exact[i]!), 0) / 24;
    const xOnly = await logLikelihood(mixtureModel(pair, linear), points, { dim: 2 });
    const everywhere = await logLikelihood(mixtureModel(pair, linear), points, {
      dim: 2,
      solver: { kind: "adaptive", rtol: new Float64Array(24 * 3).fill(1e-3), atol: 1e-3 },
    });
    assert.ok(
      meanError(everywhere) > 3 * meanError(xOnly),
      `rtol on z: ${meanError(everywhere)} vs on x only: ${meanError(xOnly)}`,
    );
  });

  test("onProgress reports a share of the solve that never decreases and ends at 1", async () => {
    const seen: { fraction: number; nfe: number }[] = [];
    const r = await logLikelihood(mixtureModel(ring, linear), x, {
      dim: 2,
      onProgress: (p) => {
        seen.push(p);
      },
    });
    assert.ok(seen.length >= r.steps, `${seen.length} progress calls for ${r.steps} steps`);
    for (let i = 1; i < seen.length; i++) {
      assert.ok(seen[i]!.fraction >= seen[i - 1]!.fraction, `fraction decreased at call ${i}`);
      assert.ok(seen[i]!.nfe >= seen[i - 1]!.nfe, `NFE decreased at call ${i}`);
    }
    assert.ok(Math.abs(seen.at(-1)!.fraction - 1) < 1e-12, `last fraction ${seen.at(-1)!.fraction}`);
    await assert.rejects(
      () => logLikelihood(mixtureModel(ring, linear), x, { dim: 2, onProgress: 3 as never }),
      /logLikelihood: options\.onProgress must be a function/,
    );
  });
});

describe("logLikelihood is the same for every kind of the same model", () => {
  const ring = ring2d();
  const x = ring.sample(new Rng(4), 6);
  const kinds: Kind[] = ["data", "noise", "velocity", "score", "v", "drift"];
  const solver = { kind: "adaptive", rtol: 1e-8, atol: 1e-8 } as const;

  test("on a VP path (every conversion finite at both ends) all kinds agree to 1e-6 nats", async () => {
    const vp = affinePath(vpSchedule());
    const results: Float64Array[] = [];
    for (const kind of kinds) {
      const model = mixtureModel(ring, vp, kind, { g2: () => 0.7 });
      results.push((await logLikelihood(model, x, { dim: 2, solver })).logLikelihood);
    }
    results.forEach((r, i) => {
      assertWithin(r, results[0]!, 1e-6, `${kinds[i]} vs data`);
    });
  });

  test("on the rectified-flow path every kind is within 1e-4 nats of the exact density", async () => {
    const exact = ring.logProb(x);
    for (const kind of kinds) {
      const model = mixtureModel(ring, linear, kind, { g2: () => 0.7 });
      const r = await logLikelihood(model, x, { dim: 2, solver });
      assertWithin(r.logLikelihood, exact, 1e-4, `${kind} (tEnd = ${r.tEnd})`);
    }
  });

  test("a black-box noise model (finite differences) agrees with the closed-form data model", async () => {
    const exact = await logLikelihood(mixtureModel(ring, linear), x, { dim: 2, solver });
    const noise = await logLikelihood(blackBox(mixtureModel(ring, linear, "noise")), x, { dim: 2, solver });
    assertWithin(noise.logLikelihood, exact.logLikelihood, 1e-4, "black-box noise vs data");
  });
});

describe("logLikelihood on bridge paths", () => {
  const ring = ring2d();
  const x = ring.sample(new Rng(3), 5);
  test("a Brownian bridge with evidence noise gives the exact marginal log p₁ with dataEnd 'marginal'", async () => {
    const path = bridgePath(brownianBridge(0.05));
    const r = await logLikelihood(mixtureModel(ring, path), x, { dataEnd: "marginal", solver: tight });
    assert.equal(r.tStart, 1, "R > 0 makes every conversion finite at t = 1");
    assertWithin(r.logLikelihood, ring.on(path).logProb(1, x), 1e-6, "bridge marginal at t = 1");
  });

  test("a pinned Brownian bridge recovers the data density for data and noise models", async () => {
    const path = bridgePath(brownianBridge(0), { tMax: 1 - 1e-5 });
    for (const kind of ["data", "noise"] as const) {
      const r = await logLikelihood(mixtureModel(ring, path, kind), x, { solver: tight });
      assertWithin(r.logLikelihood, ring.logProb(x), 1e-4, `pinned bridge, ${kind} model (tEnd = ${r.tEnd})`);
    }
  });

  test("a dense LTI bridge (matrix-valued conversions) falls back to finite differences and stays exact", async () => {
    const components = new DiffusionModelComponents({
      linearSde: linearTimeInvariantSde({
        F: [
          [-0.7, 1.3],
          [-0.4, -0.2],
        ],
        L: [
          [1, 0],
          [0.5, 0.8],
        ],
      }),
      t0: 0,
      priorAtT0: gaussian({
        mean: [0.3, -0.6],
        cov: [
          [1, 0.2],
          [0.2, 0.7],
        ],
      }),
      t1: 1,
      evidenceCov: 0.05,
    });
    const path = bridgePath(components);
    const on = ring.on(path);
    for (const kind of ["data", "velocity"] as const) {
      const r = await logLikelihood(mixtureModel(ring, path, kind), x, {
        dataEnd: "marginal",
        solver: tight,
      });
      assertWithin(r.logLikelihood, on.logProb(1, x), 1e-5, `dense bridge, ${kind} model`);
    }
  });
});

describe("logLikelihood endpoints and divergence methods", () => {
  test("VE (σ(1) = σmin > 0): 'marginal' gives log p₁ exactly with the exact density at the noise end", async () => {
    const ve = affinePath(veSchedule());
    const ring = ring2d();
    const x = ring.sample(new Rng(12), 5);
    const on = ring.on(ve);
    const r = await logLikelihood(mixtureModel(ring, ve), x, {
      dim: 2,
      dataEnd: "marginal",
      solver: tight,
      prior: { logProb: (y) => on.logProb(0, y) },
    });
    assert.equal(r.tStart, 1, "VE conversions are finite at t = 1");
    assertWithin(r.logLikelihood, on.logProb(1, x), 1e-5, "VE marginal");
    const denoised = await logLikelihood(mixtureModel(ring, ve), x, {
      dim: 2,
      solver: tight,
      prior: { logProb: (y) => on.logProb(0, y) },
    });
    assertWithin(
      denoised.logLikelihood,
      ring.logProb(x),
      1e-3,
      "VE denoised to the data density (σmin = 0.01)",
    );
  });

  test("the data-end heat-equation correction removes the O(σ²) blur of starting at σ/α = 0.01", async () => {
    const mean = [0.5, -1];
    const variance = [0.05, 0.1];
    const model = gaussianDataModel(linear, mean, variance, { divergence: true });
    const x = Float64Array.of(0.7, -1.2, 0.3, -0.6, 0.5, -1.4);
    const exact = gaussianLogDensity(x, mean, variance);
    const tStart = 1 / 1.01; // α = tStart, σ/α = 0.01
    const corrected = await logLikelihood(model, x, { dim: 2, solver: tight, tStart });
    assertWithin(corrected.logLikelihood, exact, 1e-5, "denoise at σ/α = 0.01");
    // Without the correction: log p_{tStart}(α·x) + d·log α, off by ≈ (σ²/2)(Δ log p + ‖∇ log p‖²).
    const blurred = await logLikelihood(
      model,
      x.map((v) => tStart * v),
      { dim: 2, solver: tight, tStart, dataEnd: "marginal" },
    );
    const uncorrected = blurred.logLikelihood.map((l) => l + 2 * Math.log(tStart));
    const gap = Math.max(...Array.from(uncorrected, (u, i) => Math.abs(u - exact[i]!)));
    assert.ok(gap > 3e-4, `the uncorrected estimate should be off by ≫ 1e-5, got ${gap}`);
    const empty = await logLikelihood(model, new Float64Array(0), { dim: 2 });
    assert.equal(empty.logLikelihood.length, 0, "an empty batch gives an empty result");
    assert.equal(empty.nfe, 0, "and costs nothing");
  });

  test("a float32 model gets central differences with step ∛ε₃₂ (a float64 step would vanish in rounding), even when it has a jvp", async () => {
    const ring = ring2d();
    const x = ring.sample(new Rng(21), 6);
    const solver = { kind: "fixed", steps: 16 } as const;
    const oracle = mixtureModel(ring, linear);
    const exact = await logLikelihood(oracle, x, { dim: 2, solver });
    let jvpCalls = 0;
    const float32: JacobianModel = {
      kind: "data",
      path: linear,
      predict: async (xt, t, shape) => Float32Array.from(await oracle.predict(xt, t, shape)),
      jvp: () => {
        jvpCalls++;
        throw new Error("the float32 model's jvp must not be used by default");
      },
    };
    const r = await logLikelihood(float32, x, { dim: 2, solver });
    assert.equal(jvpCalls, 0, "auto chose finite differences");
    assertWithin(r.logLikelihood, exact.logLikelihood, 1e-3, "float32 central differences");
    // The float64 default step (forward, √ε₆₄ ≈ 1.5e-8) is below float32 resolution: the trace is lost.
    const tiny = await logLikelihood(float32, x, {
      dim: 2,
      solver,
      divergence: { kind: "exact", finiteDifference: { scheme: "forward", step: Math.sqrt(Number.EPSILON) } },
    });
    const gap = Math.max(...Array.from(tiny.logLikelihood, (v, i) => Math.abs(v - exact.logLikelihood[i]!)));
    assert.ok(gap > 0.1, `a float64 step on a float32 model should fail visibly, off by only ${gap}`);
    await assert.rejects(
      () => logLikelihood(float32, x, { dim: 2, solver, divergence: { kind: "exact", jacobian: "jvp" } }),
      /must not be used by default/,
      "an explicit jvp request is honoured",
    );
  });

  test("closed form, JVP, forward and central finite differences give the same exact divergence", async () => {
    const mean = [1, -0.5, 0.25];
    const variance = [0.4, 0.9, 0.2];
    const model = gaussianDataModel(linear, mean, variance, { divergence: true, jvp: true });
    const x = Float64Array.of(0.3, 0.1, -0.2, 1.5, -1, 0.6);
    const solver = { kind: "fixed", steps: 20 } as const;
    const run = (
      divergence: Parameters<typeof logLikelihood>[2] extends infer O
        ? O extends { divergence?: infer D }
          ? D
          : never
        : never,
    ) => logLikelihood(model, x, { dim: 3, solver, divergence });
    const closed = await run({ kind: "exact", jacobian: "closedForm" });
    for (const divergence of [
      { kind: "exact", jacobian: "jvp" },
      { kind: "exact", jacobian: "finiteDifference" },
      { kind: "exact", jacobian: "finiteDifference", finiteDifference: { scheme: "central" } },
    ] as const) {
      const r = await run(divergence);
      assertWithin(r.logLikelihood, closed.logLikelihood, 1e-6, JSON.stringify(divergence));
    }
    // A diagonal Jacobian makes Rademacher probes exact: εᵀ·diag(g)·ε = Σ gⱼ.
    const hutch = await run({ kind: "hutchinson", probes: 3, seed: 2, jacobian: "jvp" });
    assertWithin(
      hutch.logLikelihood,
      closed.logLikelihood,
      1e-12,
      "Rademacher probes on a diagonal Jacobian",
    );
  });

  test("NFE and model calls are counted: closed form 2 calls, stacked finite differences 1 call per evaluation (plus one precision probe)", async () => {
    const ring = ring2d();
    const x = ring.sample(new Rng(1), 3);
    const solver = { kind: "fixed", scheme: "heun", steps: 5 } as const;
    const closed = await logLikelihood(mixtureModel(ring, linear), x, { dim: 2, solver });
    assert.equal(closed.nfe, 2 * 5 + 1, "5 Heun steps + the data-end evaluation");
    assert.equal(closed.modelCalls, 2 * closed.nfe, "predict + divergence per evaluation");
    const fd = await logLikelihood(blackBox(mixtureModel(ring, linear)), x, { dim: 2, solver });
    assert.equal(
      fd.modelCalls,
      fd.nfe + 1,
      "one stacked call of batch·(1 + dim) rows per evaluation, and one 1-row call for the precision",
    );
    const chunked = await logLikelihood(blackBox(mixtureModel(ring, linear)), x, {
      dim: 2,
      solver,
      maxRows: 4,
    });
    assert.equal(chunked.modelCalls, 3 * chunked.nfe + 1, "9 rows in chunks of 4 → 3 calls");
    assertWithin(chunked.logLikelihood, fd.logLikelihood, 1e-12, "chunking does not change the result");
    const noiseModel = await logLikelihood(mixtureModel(ring, linear, "noise"), x, { dim: 2, solver });
    assert.equal(noiseModel.nfe, 2 * 5 + 2, "a noise model adds the noise-end extrapolation evaluation");
    assert.ok(noiseModel.tEnd > 0, "a noise model stops at tMin");
  });

  test("modelAsKind keeps the JVP: J_to·v = P·J·v + Q·v matches finite differences of the converted model", async () => {
    const model = gaussianDataModel(linear, [0.2, -0.4], [0.5, 0.8], { jvp: true });
    const x = Float64Array.of(0.3, -0.7);
    const t = 0.6;
    const shape = { batch: 1, dim: 2 };
    for (const kind of ["noise", "velocity", "score", "v"] as const) {
      const converted = modelAsKind(model, kind);
      const v = Float64Array.of(0.6, -0.8);
      await assertJvpMatchesDifferences(converted, x, v, t, shape, 1e-7, `${kind} JVP`);
    }
  });
});
