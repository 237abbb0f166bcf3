/**
 * The sampler contract: pure init/step (the input state is never modified; history lives in the
 * state), onStep observes without changing the result, NFE and noise-draw accounting, the initial
 * state from the seed, model types, and errors that name the argument, the function and the fix.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Model } from "../../src/model/model.js";
import { affinePath } from "../../src/path/affine.js";
import { perSampleNormals } from "../../src/random/rng.js";
import { annealedLangevin } from "../../src/sampler/annealedLangevin.js";
import { ddim } from "../../src/sampler/ddim.js";
import { deis } from "../../src/sampler/deis.js";
import { dopri } from "../../src/sampler/dopri.js";
import { dpmSolverMultistep } from "../../src/sampler/dpmSolverMultistep.js";
import { dpmSolverSinglestep } from "../../src/sampler/dpmSolverSinglestep.js";
import { eulerAncestral } from "../../src/sampler/eulerAncestral.js";
import { euler } from "../../src/sampler/euler.js";
import { customGrid, uniformLogSnrGrid, uniformTimeGrid } from "../../src/sampler/grid.js";
import { heun } from "../../src/sampler/heun.js";
import { pndm } from "../../src/sampler/pndm.js";
import { predictorCorrector } from "../../src/sampler/predictorCorrector.js";
import { dpm2 } from "../../src/sampler/rk2.js";
import { rk4 } from "../../src/sampler/rk4.js";
import { sample } from "../../src/sampler/sample.js";
import { type Sampler, type SamplerState, recordedNoise, seededNoise } from "../../src/sampler/sampler.js";
import { unipc } from "../../src/sampler/unipc.js";
import { cosineSchedule } from "../../src/schedule/cosine.js";
import { linearSchedule } from "../../src/schedule/linear.js";
import { GMM } from "./fixtures.js";

type AnySampler = Sampler<SamplerState>;
const path = affinePath(cosineSchedule());
const model = GMM.denoiser(path);
const grid = uniformLogSnrGrid(path, 6);
const X0 = Float64Array.from([0.3, -1.2, 1.5, 0.4]);

describe("the sampler contract", () => {
  it("step is pure: the input state is unchanged and stepping it again gives the same result", async () => {
    for (const s of [
      euler(),
      heun(),
      dpmSolverMultistep({ order: 3 }),
      unipc({ order: 3 }),
      pndm(),
      eulerAncestral(),
    ]) {
      let state = s.init(Float64Array.from(X0), grid, { dim: 2, noise: seededNoise(3) });
      for (let k = 0; k < 4; k++) {
        const snapshot = JSON.stringify({
          ...state,
          grid: undefined,
          noise: undefined,
          x: Array.from(state.x),
        });
        const a = await s.step(model, state);
        const b = await s.step(model, state);
        assert.equal(
          JSON.stringify({ ...state, grid: undefined, noise: undefined, x: Array.from(state.x) }),
          snapshot,
          `${s.name}: state mutated`,
        );
        assert.deepEqual(Array.from(a.x), Array.from(b.x), `${s.name}: not deterministic in its state`);
        state = a;
      }
    }
  });

  it("sample equals init + step by hand, and onStep observes the initial state and every step in order", async () => {
    const s = dpmSolverMultistep({ order: 2 });
    const seen: number[] = [];
    const r = await sample(model, { sampler: s, grid, x: X0, dim: 2, onStep: (st) => seen.push(st.index) });
    let state = s.init(Float64Array.from(X0), grid, { dim: 2 });
    while (state.index < grid.times.length - 1) state = await s.step(model, state);
    assert.deepEqual(Array.from(r.x), Array.from(state.x));
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6]);
  });

  it("counts model evaluations per step as the algorithms require", async () => {
    const steps = grid.times.length - 1; // the last step goes into the data end
    const cases: readonly [AnySampler, number][] = [
      [euler(), steps],
      [heun(), 2 * steps - 1],
      [dpm2(), 2 * steps - 1],
      [rk4(), 4 * (steps - 1) + 1],
      [dpmSolverSinglestep(), 2 * steps - 1],
      [unipc(), steps],
      [pndm(), 4 * 3 + (steps - 3)],
      [predictorCorrector({ predictor: euler(), steps: 2 }), steps + 2 * (steps - 1)],
      [annealedLangevin({ steps: 3 }), 3 * (steps - 1) + 1],
    ];
    for (const [s, nfe] of cases) {
      const r = await sample(model, { sampler: s, grid, x: X0, dim: 2, seed: 1 });
      assert.equal(r.nfe, nfe, `${s.name}: NFE`);
    }
    // One step sequence (shared control, or per-row control on identical rows): f(t₀), the starting-step
    // probe, 6 per attempt.
    const same = new Float64Array(X0.length);
    for (let i = 0; i < same.length; i++) same[i] = X0[i % 2]!;
    for (const [control, x] of [
      ["shared", X0],
      ["perRow", same],
    ] as const) {
      const d = await sample(model, {
        sampler: dopri({ control }),
        grid: customGrid(path, [path.tMin, 0.9]),
        x,
        dim: 2,
      });
      const st = d.state;
      assert.equal(d.nfe, 2 + 6 * (st.accepted + st.rejected), `dopri (${control}): NFE`);
    }
  });

  it("dopri: a sample is bit-identical whatever batch it is in (per-row steps); shared steps are not", async () => {
    const g = customGrid(path, [path.tMin, 0.5, path.tMax], { dataEnd: true });
    const run = (control: "perRow" | "shared", batch: number, firstRow = 0) =>
      sample(model, {
        sampler: dopri({ control, rtol: 1e-4, atol: 1e-4 }),
        grid: g,
        seed: 5,
        firstRow,
        batch,
        dim: 2,
      });
    const large = await run("perRow", 40);
    const small = await run("perRow", 3);
    assert.deepEqual(
      Array.from(small.x),
      Array.from(large.x.subarray(0, 6)),
      "first rows of a batch of 3 and of 40",
    );
    const tail = await run("perRow", 37, 3);
    assert.deepEqual(Array.from(tail.x), Array.from(large.x.subarray(6)), "rows 3–39 as their own batch");
    const sharedLarge = await run("shared", 40);
    const sharedSmall = await run("shared", 3);
    assert.notDeepEqual(
      Array.from(sharedSmall.x),
      Array.from(sharedLarge.x.subarray(0, 6)),
      "shared steps depend on the batch (the reason per-row is the default)",
    );
  });

  it("dopri gives each group of rows the conditioning of those rows", async () => {
    // A velocity model dx/dt = label·cos(3t) per row: rows with other labels take other steps.
    const labels = Int32Array.from([0, 3, -1, 7, 3]);
    const batches: number[] = [];
    const labelled: Model = {
      kind: "velocity",
      path,
      predict: (_x, t, shape, cond) => {
        batches.push(shape.batch);
        const out = new Float64Array(shape.batch * shape.dim);
        for (let i = 0; i < shape.batch; i++) out.fill(cond!.labels![i]! * Math.cos(3 * t), i * 2, i * 2 + 2);
        return out;
      },
    };
    const [t0, t1] = [0.2, 0.9];
    const x0 = Float64Array.from({ length: 10 }, (_, i) => i / 10);
    const r = await sample(labelled, {
      sampler: dopri({ rtol: 1e-9, atol: 1e-9 }),
      grid: customGrid(path, [t0, t1]),
      x: x0,
      dim: 2,
      condition: { labels },
    });
    r.x.forEach((v, i) => {
      const exact = x0[i]! + (labels[i >> 1]! * (Math.sin(3 * t1) - Math.sin(3 * t0))) / 3;
      assert.ok(Math.abs(v - exact) < 1e-8, `coordinate ${i}: ${v} vs ${exact}`);
    });
    assert.ok(Math.min(...batches) < labels.length, "some model calls were for a subset of the rows");
  });

  it("a seeded run starts from σ(t₀)·z with z = perSampleNormals(seed, draw 0) and draws one array per noisy step", async () => {
    const lin = affinePath(linearSchedule());
    const g = uniformTimeGrid(lin, 4, { start: 0.2 });
    const r = await sample(GMM.denoiser(lin), { sampler: ddim(), grid: g, seed: 9, batch: 3, dim: 2 });
    const z = perSampleNormals(9, 0, 0, 3, 2, new Float64Array(6));
    const s0 = lin.schedule.at(0.2).sigma;
    let state = ddim().init(
      z.map((v) => s0 * v),
      g,
      { dim: 2 },
    );
    while (state.index < 4) state = await ddim().step(GMM.denoiser(lin), state);
    assert.deepEqual(Array.from(r.x), Array.from(state.x));
    const anc = await sample(GMM.denoiser(lin), {
      sampler: eulerAncestral(),
      grid: g,
      seed: 9,
      batch: 3,
      dim: 2,
    });
    assert.equal(anc.state.draws, 3, "no draw on the step into the data end");
  });

  it("accepts synchronous, asynchronous and Float32Array-returning models", async () => {
    const sync: Model = {
      kind: "data",
      path,
      predict: (x, t, shape) => model.predict(x, t, shape) as Float64Array,
    };
    const f32: Model = {
      kind: "data",
      path,
      predict: async (x, t, shape) => Float32Array.from(await model.predict(x, t, shape)),
    };
    const a = await sample(model, { sampler: heun(), grid, x: X0, dim: 2 });
    const b = await sample(sync, { sampler: heun(), grid, x: X0, dim: 2 });
    const c = await sample(f32, { sampler: heun(), grid, x: X0, dim: 2 });
    assert.deepEqual(Array.from(a.x), Array.from(b.x));
    assert.ok(
      a.x.every((v, i) => Math.abs(v - c.x[i]!) <= 1e-5),
      "float32 model outputs widen",
    );
  });

  it("errors name the argument, the function and the fix", async () => {
    await assert.rejects(
      sample(model, { sampler: eulerAncestral(), grid, x: X0, dim: 2 }),
      /eulerAncestral: this sampler is stochastic; pass seed or noise to sample\(\)/,
    );
    const other = affinePath(linearSchedule());
    await assert.rejects(
      sample(GMM.denoiser(other), { sampler: euler(), grid, x: X0, dim: 2 }),
      /the grid was built on path .* but the model's path is linear; build the grid on model.path/,
    );
    await assert.rejects(sample(model, { sampler: euler(), grid, x: X0 }), /options.dim is required/);
    await assert.rejects(
      sample(model, { sampler: euler(), grid, dim: 2 }),
      /pass seed \(with batch\), noise, or the initial state x/,
    );
    await assert.rejects(
      sample(model, { sampler: euler(), grid, dim: 2, seed: 1 }),
      /options.batch \(number of samples\) is required with seed/,
    );
    await assert.rejects(
      sample(model, {
        sampler: eulerAncestral(),
        grid,
        x: X0,
        dim: 2,
        noise: recordedNoise([new Float64Array(4), new Float64Array(4)]),
      }),
      /recordedNoise: draw 2 was requested but only 2 were given/,
    );
    const done = await sample(model, { sampler: euler(), grid, x: X0, dim: 2 });
    await assert.rejects(
      euler().step(model, done.state),
      /euler.step: the state is already at the grid's last node/,
    );
    assert.throws(
      () => euler().init(Float64Array.from([1, 2, 3]), grid, { dim: 2 }),
      /euler.init: x has length 3, not a multiple of dim = 2/,
    );
    assert.throws(() => seededNoise(-1), /seededNoise: seed must be a non-negative safe integer/);
    assert.throws(
      () => dpmSolverMultistep({ order: 4 }),
      /dpmSolverMultistep: order must be an integer in \[1, 3\]/,
    );
    assert.throws(() => ddim({ eta: -1 }), /ddim: eta must be a finite number ≥ 0/);
    assert.throws(
      () => deis({ lowerOrderFinal: "yes" as never }),
      /deis: lowerOrderFinal must be true, false or \{ belowSteps: n \}/,
    );
    assert.throws(() => euler({ variable: "s" as never }), /euler: variable must be "t" or "sigma"/);
    assert.throws(() => dopri({ rtol: -1 }), /dopri: rtol must be a finite number ≥ 0, got -1/);
    assert.throws(() => dopri({ maxSteps: 0 }), /dopri: maxSteps must be a positive integer, got 0/);
    await assert.rejects(
      sample(model, { sampler: euler(), grid, noise: [new Float64Array(3)], dim: 2 }),
      /sample: options.noise\[0\] has length 3, not a multiple of dim = 2/,
    );
    const twin = affinePath(cosineSchedule());
    await assert.rejects(
      sample(GMM.denoiser(twin), { sampler: euler(), grid, x: X0, dim: 2 }),
      /model's path is cosine \(another object of the same name\); build the grid on model.path/,
    );
  });
});
