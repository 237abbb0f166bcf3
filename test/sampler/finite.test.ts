/**
 * No silent NaN from sampling: a non-finite model prediction or state is an error naming the sampler,
 * the step and the likely cause; a bridge on an SDE without noise is refused when it is built (its
 * samplers returned the starting noise or all NaN); grids and batches are bounded before allocation.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  DiffusionModelComponents,
  MAX_GRID_STEPS,
  type Model,
  affinePath,
  bridgePath,
  brownianMotion,
  ddim,
  dpmSolverMultistep,
  euler,
  gaussian,
  gaussianMixture,
  heun,
  linearSchedule,
  ornsteinUhlenbeck,
  sample,
  timeScaledSde,
  uniformTimeGrid,
  unipc,
} from "../../src/index.js";
import { checkFiniteStep } from "../../src/sampler/finite.js";

const path = affinePath(linearSchedule());
const mixture = gaussianMixture({ weights: [0.5, 0.5], means: [[-1], [1]], covariances: 0.1 });

/** The mixture's denoiser with `bad` written into row `row` of the prediction at the `call`-th evaluation. */
function corrupted(call: number, row: number, bad: number): Model {
  const inner = mixture.denoiser(path);
  let calls = 0;
  return {
    kind: "data",
    path,
    async predict(xt, t, shape) {
      const value = Float64Array.from(await inner.predict(xt, t, shape));
      if (calls++ === call) value[row] = bad;
      return value;
    },
  };
}

describe("non-finite guard", () => {
  test("a NaN or ±∞ in any model prediction stops every sampler at that step, naming the model as the cause", async () => {
    for (const [fn, sampler] of [
      ["euler", euler()],
      ["heun", heun()],
      ["ddim", ddim()],
      ["dpmSolverMultistep", dpmSolverMultistep()],
      ["unipc", unipc()],
    ] as const) {
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        await assert.rejects(
          sample(corrupted(2, 3, bad), { sampler, steps: 6, seed: 1, batch: 5, dim: 1 }),
          (err: Error) => {
            assert.ok(err instanceof RangeError, `${fn}: a RangeError`);
            assert.ok(err.message.startsWith(`${fn}: `), `${fn} is named: ${err.message}`);
            assert.match(err.message, /the model returned a non-finite prediction at t = /);
            assert.match(err.message, new RegExp(`row 3, entry 0 is ${bad}; 1 of 5 rows affected`));
            assert.match(err.message, /its input was finite, so the model produced it/);
            return true;
          },
        );
      }
    }
  });

  test("a state that overflows names the step and its times, the first bad row and an unstable step as the likely cause", async () => {
    const huge: Model = { kind: "data", path, predict: async (xt) => xt.map(() => 1.7e308) };
    await assert.rejects(
      sample(huge, { sampler: euler(), steps: 3, seed: 1, batch: 2, dim: 1 }),
      (err: Error) => {
        assert.match(
          err.message,
          /^euler: step \d \(t = [\d.e-]+ → [\d.e-]+\) made the state non-finite \(row 0, entry 0/,
        );
        assert.match(
          err.message,
          /likely cause: the step is too large for this solver, or the model's predictions are extreme/,
        );
        return true;
      },
    );
  });

  test("checkFiniteStep passes finite values and names α = 0 on the whole grid as the cause when every λ is −∞", () => {
    const grid = uniformTimeGrid(path, 3);
    const state = {
      x: new Float64Array(2),
      index: 1,
      grid,
      shape: { batch: 2, dim: 1 },
      nfe: 0,
      draws: 0,
      noise: undefined,
    };
    fc.assert(
      fc.property(
        fc.float64Array({ noDefaultInfinity: true, noNaN: true, minLength: 2, maxLength: 2 }),
        (x) => {
          checkFiniteStep("s", "state", x, state, 0.5);
        },
      ),
    );
    const flat = { ...grid, logSnrs: grid.logSnrs.map(() => Number.NEGATIVE_INFINITY) };
    assert.throws(
      () => checkFiniteStep("s", "state", Float64Array.of(1, Number.NaN), { ...state, grid: flat }, 0.5),
      /^RangeError: s: step 1 \(t = .*\) made the state non-finite \(row 1, entry 0 is NaN; 1 of 2 rows affected\); likely cause: α = 0 at every node/,
    );
    const startsAtZero = {
      ...grid,
      logSnrs: grid.logSnrs.map((l, i) => (i === 1 ? Number.NEGATIVE_INFINITY : l)),
    };
    assert.throws(
      () =>
        checkFiniteStep("s", "state", Float64Array.of(Number.NaN, 0), { ...state, grid: startsAtZero }, 0.5),
      /log-SNR λ is -Infinity at a node of this step \(α = 0 there\)/,
    );
    assert.throws(
      () =>
        checkFiniteStep(
          "s",
          "prediction",
          Float64Array.of(0, Number.NaN),
          state,
          0.5,
          Float64Array.of(Number.NaN, 0),
        ),
      /its input was already non-finite/,
    );
  });
});

describe("degenerate bridges", () => {
  const components = (linearSde: ReturnType<typeof brownianMotion>, evidenceCov: number) =>
    new DiffusionModelComponents({
      linearSde,
      t0: 0,
      priorAtT0: gaussian({ mean: [0.5, 0], cov: [1, 2] }),
      t1: 1,
      evidenceCov,
    });

  test("bridgePath refuses an SDE that adds no noise, for any evidence covariance, naming the fix", () => {
    for (const sde of [
      brownianMotion({ sigma: 0, dim: 2 }),
      ornsteinUhlenbeck({ sigma: 0, lambda: 1, dim: 2 }),
      timeScaledSde(brownianMotion({ sigma: 0, dim: 2 }), 3),
    ]) {
      for (const r of [0, 0.1, 10]) {
        assert.throws(
          () => bridgePath(components(sde, r)),
          /^RangeError: bridgePath: .* adds no noise on \[0, 1\] .*xₜ never depends on the data.*use an SDE with diffusion L ≠ 0$/,
        );
      }
    }
  });

  test("the smallest noise still makes a bridge whose samplers agree with Euler and stay finite", async () => {
    const p = bridgePath(components(brownianMotion({ sigma: 1e-3, dim: 2 }), 0.1));
    const model = gaussianMixture({ weights: [1], means: [[1, 1]], covariances: 0.1 }).denoiser(p);
    for (const sampler of [euler(), dpmSolverMultistep(), unipc()]) {
      const r = await sample(model, { sampler, steps: 8, seed: 1, batch: 3 });
      assert.ok(r.x.every(Number.isFinite), `${sampler.name} gives finite samples`);
    }
  });
});

describe("sizes", () => {
  test("grids refuse more than MAX_GRID_STEPS steps before building a node, and sample refuses a bad dim", async () => {
    assert.equal(MAX_GRID_STEPS, 100_000);
    assert.throws(
      () => uniformTimeGrid(path, MAX_GRID_STEPS + 1),
      /^RangeError: uniformTimeGrid: steps = 100001 is more than the limit of 100000/,
    );
    assert.throws(() => uniformTimeGrid(path, 1e7), /steps = 10000000 is more than the limit/);
    assert.throws(() => uniformTimeGrid(path, 1e9), /steps = 1000000000 is more than the limit/);
    await assert.rejects(
      sample(mixture.denoiser(path), { sampler: euler(), steps: 2, seed: 0, batch: 4, dim: -1 }),
      /^RangeError: sample: dim must be an integer ≥ 1, got -1$/,
    );
    await assert.rejects(
      sample(mixture.denoiser(path), { sampler: euler(), steps: 2, seed: 0, batch: 2 ** 40, dim: 1 }),
      /^RangeError: sample: batch × dim = 1099511627776 would allocate 8192\.0 GiB/,
    );
  });
});
