/**
 * Every (path, kind) recipe the command line offers, trained briefly (50 steps of a 32-wide MLP) on
 * two moons in float32 with the preconditioned network, standardised data, the warmed-up EMA and the
 * EDM weighting: each trains to finite losses and to samples closer to held-out data than the
 * moment-matched Gaussian (what the preconditioned network gives before it learns anything). Before
 * preconditioning and the EMA warm-up, VE score/noise and EDM data gave NaN in float32 and VP noise's
 * EMA samples spread over ±9 (sliced W₂ ≈ 2, against 0.38 for the Gaussian): both fail the bound.
 * With the uniform weighting the recipes whose weight on the network's error blows up where σ → 0
 * are refused by `recipeProblem`, with the reason. One compiled step serves every recipe (the pure
 * `update`), so the matrix costs a few seconds; quality at a real budget is bench/recipes.ts's job.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Kind } from "../../src/convert/kernel.js";
import {
  type AffinePath,
  Rng,
  affinePath,
  cosineSchedule,
  discreteSchedule,
  edmSchedule,
  dpmSolverMultistep,
  linearSchedule,
  linearVpSchedule,
  sample,
  sampleToy,
  slicedWasserstein,
  subVpSchedule,
  edmWeighting,
  customGrid,
  uniformLevelTime,
  uniformTime,
  uniformWeighting,
  veSchedule,
  vpSchedule,
} from "../../src/index.js";
import { datasetBatches } from "../../src/train/batches.js";
import { jaxEngine } from "../../src/train/engine.js";
import { mlpConfig } from "../../src/train/mlp.js";
import { networkModel } from "../../src/train/network.js";
import { optimizerConfig } from "../../src/train/optim.js";
import { checkRecipe, prepareTraining, recipeProblem, recipeWeightProfile } from "../../src/train/recipe.js";
import { fitStandardization, standardize, unstandardize } from "../../src/train/standardize.js";
import { initTrainState } from "../../src/train/state.js";
import { disposeState, downloadState, trainStep, uploadState } from "../../src/train/step.js";

const PATHS = {
  "rectified-flow": linearSchedule(),
  cosine: cosineSchedule(),
  "linear-vp": linearVpSchedule(),
  vp: vpSchedule(),
  subvp: subVpSchedule(),
  ve: veSchedule(),
  edm: edmSchedule(),
  ddpm: discreteSchedule({ betaSchedule: "linear" }),
  "scaled-linear": discreteSchedule({ betaSchedule: "scaled_linear", betaStart: 0.00085, betaEnd: 0.012 }),
  squaredcos: discreteSchedule({ betaSchedule: "squaredcos_cap_v2" }),
};
const KINDS: Kind[] = ["data", "noise", "score", "velocity", "v"];
/**
 * Refused with the uniform weighting and uniform t: where σ → 0 the weight on F's error blows up
 * (score, linear-VP velocity); on VE and EDM score and v put the loss on a narrow band of noise levels.
 */
const REFUSED = new Set([
  ...Object.keys(PATHS)
    .filter((p) => p !== "ve" && p !== "edm")
    .map((p) => `${p}/score`),
  "linear-vp/velocity",
  "ve/score",
  "ve/v",
  "edm/score",
  "edm/v",
]);

/** Sampling steps uniform in the noise level τ = α/(α + σ) (rectified flow's uniform grid on every path). */
function levelGrid(path: AffinePath, steps: number) {
  const density = uniformLevelTime();
  const times = Array.from({ length: steps + 1 }, (_, k) => density.quantile(k / steps, path));
  return customGrid(path, times, { dataEnd: true });
}

test("every (path, kind) recipe trains on moons in float32 to samples much closer to the data than the prior, or is refused with a reason", async (ctx) => {
  const steps = 50;
  const raw = sampleToy("moons", 1000, { seed: 0, dtype: "float32" }) as Float32Array;
  const standardization = fitStandardization(raw, 2);
  const data = standardize(raw, standardization);
  const heldOut = sampleToy("moons", 400, { seed: 0, split: "heldout" });
  const distance = (x: Float64Array) =>
    slicedWasserstein(x, heldOut, 2, { rng: new Rng(5), projections: 64 });
  const prior = distance(unstandardize(new Rng(9).fillNormal(new Float64Array(600)), standardization));
  const engine = await jaxEngine();
  const model = mlpConfig({ dim: 2, width: 32, depth: 1, timeEmbedding: { dim: 8 } });
  const optimizer = optimizerConfig({ lr: 0.04, emaDecay: 0.999, clipNorm: 1 });
  const step = trainStep(engine, model, optimizer);
  const parameterization = { kind: "preconditioned", sigmaData: 1 } as const;
  const weighting = edmWeighting({ sigmaData: 1 });
  const timeDensity = uniformTime();
  const results: string[] = [];
  const failures: string[] = [];
  for (const [name, schedule] of Object.entries(PATHS)) {
    const path = affinePath(schedule);
    for (const kind of KINDS) {
      const recipe = `${name}/${kind}`;
      const problem = recipeProblem(path, kind, uniformWeighting(), uniformTime());
      assert.equal(problem !== null, REFUSED.has(recipe), `${recipe}: ${problem ?? "accepted"}`);
      if (problem !== null)
        assert.match(
          problem,
          /grows without bound|narrow band of noise levels/,
          `${recipe} names the reason`,
        );
      assert.equal(
        recipeProblem(path, kind, weighting, timeDensity),
        null,
        `${recipe} with the EDM weighting`,
      );
      const batches = datasetBatches(path, data, {
        batchSize: 64,
        dim: 2,
        kind,
        timeDensity,
        weighting,
        parameterization,
      });
      const rng = new Rng(1, 0);
      let { params, optState } = uploadState(engine, step, initTrainState(model, optimizer, new Rng(1, 1)));
      for (let k = 0; k < steps; k++) {
        const next = step.update(params, optState, batches(k, rng));
        disposeState(params, optState);
        ({ params, optState } = next);
        assert.ok(Number.isFinite(next.loss), `${recipe}: loss ${next.loss} at step ${k + 1}`);
      }
      const { ema } = downloadState(engine, params, optState);
      disposeState(params, optState);
      const net = networkModel(ema!, model, path, kind, { parameterization });
      const x = await sample(net, {
        sampler: dpmSolverMultistep(),
        grid: levelGrid(path, 12),
        batch: 300,
        seed: 2,
        dim: 2,
      });
      const w2 = distance(unstandardize(x.x, standardization));
      results.push(`${recipe} ${w2.toFixed(3)}`);
      if (!(w2 < prior)) failures.push(`${recipe}: ${w2}`);
    }
  }
  step.dispose();
  assert.deepEqual(
    failures,
    [],
    `sliced W₂ of the EMA samples not below ${prior}, the moment-matched Gaussian's`,
  );
  ctx.diagnostic(
    `sliced W₂ to held-out moons after ${steps} steps (prior ${prior.toFixed(3)}): ${results.join(", ")}`,
  );
});

test("the weight profile is ∫ω = 1 under the EDM weighting for every kind, and π/2 for rectified-flow velocity under the uniform weighting", () => {
  const flow = affinePath(linearSchedule());
  for (const kind of KINDS) {
    const p = recipeWeightProfile(flow, kind, edmWeighting({ sigmaData: 1 }), uniformTime());
    assert.ok(Math.abs(p.total - 1) < 1e-6, `${kind}: ∫ω = ${p.total}`);
    assert.ok(
      Math.abs(p.tailShare - 0.002) < 1e-6,
      `${kind}: the extreme 0.2 % of draws carry ${p.tailShare}`,
    );
  }
  // ω = cOut² = 1/(t² + (1 − t)²) and ∫₀¹ dt/(2t² − 2t + 1) = [arctan(2t − 1)]₀¹ = π/2.
  const velocity = recipeWeightProfile(flow, "velocity", uniformWeighting(), uniformTime());
  assert.ok(Math.abs(velocity.total - Math.PI / 2) < 1e-5, `∫ω = ${velocity.total}`);
  assert.ok(
    Math.abs(velocity.largest.weight - 2) < 1e-4,
    `largest ω ${velocity.largest.weight} (2 at t = ½, between grid points)`,
  );
  assert.throws(
    () => checkRecipe("train", flow, "score", uniformWeighting(), uniformTime()),
    /^RangeError: train: score on linear with the uniform weighting and the uniform time density puts 100\.0 % of the loss on the 0\.2 % of draws nearest t → 1/,
  );
});

test("prepareTraining standardises continuous data (σ_d = 1) and keeps image data in its scale with σ_d its standard deviation", () => {
  const data = Float32Array.of(1, 10, 3, 30, 5, 20);
  const continuous = prepareTraining(data, 2);
  assert.deepEqual(continuous.standardization?.mean, [3, 20]);
  assert.deepEqual(continuous.parameterization, { kind: "preconditioned", sigmaData: 1 });
  assert.ok(continuous.data instanceof Float32Array && Math.abs(continuous.data[0]! + Math.sqrt(1.5)) < 1e-6);
  const image = prepareTraining(Float32Array.of(-1, 1, -1, 1), 2, { standardize: false });
  assert.equal(image.standardization, null);
  assert.deepEqual(image.parameterization, { kind: "preconditioned", sigmaData: 1 });
  assert.equal(
    prepareTraining(Float64Array.of(0.5, 0.5), 1, { standardize: false }).parameterization.kind,
    "preconditioned",
  );
});
