import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { Kind } from "../../src/convert/kernel.js";
import { classifierFreeGuidance, guidanceRamp } from "../../src/guidance/cfg.js";
import { classConditionalMixture } from "../../src/guidance/mixture.js";
import {
  type Conditioning,
  type GaussianPath,
  type Model,
  affinePath,
  cosineSchedule,
  edmSchedule,
  eulerMaruyama,
  linearSchedule,
  predict,
  retime,
  rk4,
  sample,
  uniformTimeGrid,
  vpSchedule,
} from "../../src/index.js";
import { Rng } from "../../src/random/rng.js";
import { diagonalBridge } from "../sampler/fixtures.js";

/** Three classes in 2-D; class 2 has two components. */
const MIX = classConditionalMixture({
  weights: [0.3, 0.2, 0.25, 0.25],
  means: [
    [2, 0],
    [-2, 1],
    [0, -2],
    [0.5, 2.5],
  ],
  covariances: [
    0.2,
    [0.3, 0.1],
    0.15,
    [
      [0.2, 0.05],
      [0.05, 0.1],
    ],
  ],
  classes: [0, 1, 2, 2],
});

const PATHS: [string, GaussianPath][] = [
  ["cosine VP", affinePath(cosineSchedule())],
  ["rectified flow", affinePath(linearSchedule())],
  ["EDM", affinePath(edmSchedule())],
  ["diagonal bridge", diagonalBridge(0.05)],
];
const KINDS: readonly Exclude<Kind, "drift">[] = ["data", "noise", "score", "velocity", "v"];

/** The oracle predicting `kind` (drift with g² = 0.7 + t). */
function asKind(model: Model, kind: Kind): Model {
  if (kind === model.kind) return model;
  const g2 = (t: number) => 0.7 + t;
  const wrapped = {
    path: model.path,
    async predict(xt: Float64Array, t: number, shape: { batch: number; dim: number }, cond?: Conditioning) {
      const value = await predict(model, xt, t, shape, cond);
      return model.path.slice(t).convert(value, model.kind, kind, xt, { g2: g2(t) });
    },
  };
  return kind === "drift" ? { ...wrapped, kind, g2 } : { ...wrapped, kind };
}

/** A model that counts calls and rows and records the labels it was given. */
function counting(model: Model) {
  const calls: { batch: number; labels: number[] | undefined; embedding: number[] | undefined }[] = [];
  const wrapped: Model = {
    ...model,
    predict(xt, t, shape, cond) {
      calls.push({
        batch: shape.batch,
        labels: cond?.labels ? Array.from(cond.labels) : undefined,
        embedding: cond?.embedding ? Array.from(cond.embedding) : undefined,
      });
      return model.predict(xt, t, shape, cond);
    },
  } as Model;
  return { model: wrapped, calls };
}

function randomRows(seed: number, n: number, scale = 2): Float64Array {
  const rng = new Rng(seed);
  const x = new Float64Array(2 * n);
  rng.fillNormal(x);
  return x.map((v) => scale * v);
}

const labelsOf = (n: number) => Int32Array.from({ length: n }, (_, i) => (i % 4) - 1); // −1, 0, 1, 2, …

describe("classifier-free guidance against the exact class-conditional mixture", () => {
  for (const [name, path] of PATHS) {
    it(`the guided score is s·∇log pₜ(x|c) + (1−s)·∇log pₜ(x) on the ${name} path`, async () => {
      const oracle = MIX.denoiser(path);
      const n = 8;
      const x = randomRows(1, n);
      const labels = labelsOf(n);
      for (const s of [0, 0.5, 1, 3, 7.5]) {
        for (const t of [path.tMin + 0.05, 0.4, 0.8]) {
          const guided = classifierFreeGuidance(oracle, { scale: s });
          const value = await predict(guided, x, t, { batch: n, dim: 2 }, { labels });
          const score = path.slice(t).convert(value, "data", "score", x);
          for (let i = 0; i < n; i++) {
            const row = x.subarray(2 * i, 2 * i + 2);
            const want = MIX.guidedScore(path, t, row, labels[i]!, labels[i] === -1 ? 1 : s);
            for (let j = 0; j < 2; j++) {
              const got = score[2 * i + j]!;
              assert.ok(
                Math.abs(got - want[j]!) <= 1e-9 * (1 + Math.abs(want[j]!)),
                `s=${s} t=${t} row ${i}: ${got} vs ${want[j]}`,
              );
            }
          }
        }
      }
    });
  }

  it("the guided sampler follows the closed-form guided probability-flow ODE", async () => {
    const path = affinePath(vpSchedule());
    const s = 4;
    const n = 6;
    const label = 1;
    const guided = classifierFreeGuidance(MIX.denoiser(path), { scale: s });
    const grid = uniformTimeGrid(path, 60);
    const x0 = randomRows(7, n, 1);
    const result = await sample(guided, {
      sampler: rk4(),
      grid,
      x: x0,
      dim: 2,
      condition: { labels: new Int32Array(n).fill(label) },
    });
    // Independent RK4 on dx/dt = (α'/α)·x − σ·(σ' − α'σ/α)·score_guided(x, t), stopping before t = 1.
    const velocity = (t: number, x: Float64Array) => {
      const { alpha, sigma, dAlpha, dSigma } = path.slice(t).level!;
      const score = MIX.guidedScore(path, t, x, label, s);
      return x.map(
        (xi, i) => (dAlpha / alpha) * xi - sigma * (dSigma - (dAlpha * sigma) / alpha) * score[i]!,
      );
    };
    let x = Float64Array.from(x0);
    const times = grid.times;
    for (let k = 0; k + 2 < times.length; k++) {
      const [t, h] = [times[k]!, times[k + 1]! - times[k]!];
      const k1 = velocity(t, x);
      const k2 = velocity(
        t + h / 2,
        x.map((v, i) => v + (h / 2) * k1[i]!),
      );
      const k3 = velocity(
        t + h / 2,
        x.map((v, i) => v + (h / 2) * k2[i]!),
      );
      const k4 = velocity(
        t + h,
        x.map((v, i) => v + h * k3[i]!),
      );
      x = x.map((v, i) => v + (h / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!));
    }
    // The last step of a grid into the data end is the denoising jump: E[data | x] of the guided model.
    const last = times[times.length - 2]!;
    const { alpha, sigma } = path.slice(last).level!;
    const score = MIX.guidedScore(path, last, x, label, s);
    const data = x.map((v, i) => (v + sigma * sigma * score[i]!) / alpha);
    const lastStepDenoises = times[times.length - 1] === 1;
    const reference = lastStepDenoises ? data : x;
    for (let i = 0; i < reference.length; i++) {
      assert.ok(
        Math.abs(result.x[i]! - reference[i]!) < 1e-6,
        `coordinate ${i}: sampler ${result.x[i]} vs closed-form ODE ${reference[i]}`,
      );
    }
  });
});

describe("guidance is the same in every kind", () => {
  it("guiding a model of any kind and converting equals guiding the data model (property)", async () => {
    const path = affinePath(cosineSchedule());
    const oracle = MIX.denoiser(path);
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: -2, max: 8, noNaN: true }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.integer({ min: 0, max: 1000 }),
        fc.constantFrom<Kind>(...KINDS, "drift"),
        async (s, t, seed, kind) => {
          const n = 4;
          const x = randomRows(seed, n);
          const cond = { labels: labelsOf(n) };
          const g2 = 0.7 + t;
          const reference = await predict(
            classifierFreeGuidance(oracle, { scale: s }),
            x,
            t,
            { batch: n, dim: 2 },
            cond,
          );
          const inKind = await predict(
            classifierFreeGuidance(asKind(oracle, kind), { scale: s }),
            x,
            t,
            { batch: n, dim: 2 },
            cond,
          );
          const back = path.slice(t).convert(inKind, kind, "data", x, { g2 });
          for (let i = 0; i < back.length; i++) {
            if (Math.abs(back[i]! - reference[i]!) > 1e-9 * (1 + Math.abs(reference[i]!))) return false;
          }
          return true;
        },
      ),
      { numRuns: 60 },
    );
  });

  it("a guided drift model keeps its g² and the guided score", async () => {
    const path = affinePath(cosineSchedule());
    const drift = asKind(MIX.denoiser(path), "drift");
    const guided = classifierFreeGuidance(drift, { scale: 2.5 });
    assert.equal(guided.kind, "drift");
    assert.equal(guided.kind === "drift" && guided.g2(0.3), 1);
    const x = randomRows(3, 2);
    const value = await predict(guided, x, 0.5, { batch: 2, dim: 2 }, { labels: Int32Array.of(0, 2) });
    const score = path.slice(0.5).convert(value, "drift", "score", x, { g2: 1.2 });
    for (const [i, label] of [0, 2].entries()) {
      const want = MIX.guidedScore(path, 0.5, x.subarray(2 * i, 2 * i + 2), label, 2.5);
      assert.ok(Math.abs(score[2 * i]! - want[0]!) < 1e-9, `row ${i}`);
    }
  });

  it("where it is not the same: under guidance the ODE and the SDE sample different distributions", async () => {
    // Without guidance (s = 1) the probability-flow ODE and the reverse SDE share every marginal and
    // both land on p(x|c) = N(2, 0.25). With s = 3 the guided field is no score of the guided flow's
    // marginals, so the two samplers disagree far beyond Monte-Carlo error.
    const mix = classConditionalMixture({
      weights: [1, 1],
      means: [[2], [-2]],
      covariances: 0.25,
      classes: [0, 1],
    });
    const path = affinePath(cosineSchedule());
    const n = 1000;
    const condition = { labels: new Int32Array(n) };
    const moments = (x: Float64Array) => {
      const m = x.reduce((a, b) => a + b, 0) / x.length;
      return [m, x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1)] as const;
    };
    const run = async (s: number) => {
      const guided = classifierFreeGuidance(mix.denoiser(path), { scale: s });
      const ode = await sample(guided, {
        sampler: rk4(),
        grid: uniformTimeGrid(path, 40),
        seed: 1,
        batch: n,
        dim: 1,
        condition,
      });
      const sde = await sample(guided, {
        sampler: eulerMaruyama(),
        grid: uniformTimeGrid(path, 150),
        seed: 2,
        batch: n,
        dim: 1,
        condition,
      });
      return { ode: moments(ode.x), sde: moments(sde.x) };
    };
    const se = Math.sqrt(0.25 / n);
    const plain = await run(1);
    for (const [name, [m, v]] of Object.entries(plain)) {
      assert.ok(Math.abs(m - 2) < 5 * se, `s = 1, ${name}: mean ${m} is 2 within 5 SE`);
      assert.ok(Math.abs(v - 0.25) < 0.05, `s = 1, ${name}: variance ${v} ≈ 0.25`);
    }
    const strong = await run(3);
    assert.ok(
      strong.ode[0] - strong.sde[0] > 15 * se,
      `s = 3: ODE mean ${strong.ode[0]} and SDE mean ${strong.sde[0]} differ by ≫ Monte-Carlo error`,
    );
    assert.ok(
      strong.ode[1] < 0.6 * strong.sde[1],
      `s = 3: ODE variance ${strong.ode[1]} ≪ SDE ${strong.sde[1]}`,
    );
  });
});

describe("one batched call per evaluation", () => {
  const path = affinePath(cosineSchedule());

  it("evaluates conditional and unconditional rows in one call of 2B rows", async () => {
    const { model, calls } = counting(MIX.denoiser(path));
    const guided = classifierFreeGuidance(model, { scale: 2 });
    await predict(guided, randomRows(1, 3), 0.5, { batch: 3, dim: 2 }, { labels: Int32Array.of(0, 1, 2) });
    assert.deepEqual(calls, [{ batch: 6, labels: [0, 1, 2, -1, -1, -1], embedding: undefined }]);
  });

  it("s = 1 is the conditional call alone and s = 0 the unconditional one", async () => {
    const { model, calls } = counting(MIX.denoiser(path));
    const x = randomRows(2, 2);
    const cond = { labels: Int32Array.of(2, 0) };
    const one = await predict(
      classifierFreeGuidance(model, { scale: 1 }),
      x,
      0.6,
      { batch: 2, dim: 2 },
      cond,
    );
    const zero = await predict(
      classifierFreeGuidance(model, { scale: 0 }),
      x,
      0.6,
      { batch: 2, dim: 2 },
      cond,
    );
    assert.deepEqual(
      calls.map((c) => c.labels),
      [
        [2, 0],
        [-1, -1],
      ],
    );
    assert.deepEqual(one, await predict(MIX.denoiser(path), x, 0.6, { batch: 2, dim: 2 }, cond));
    assert.deepEqual(zero, await predict(MIX.denoiser(path), x, 0.6, { batch: 2, dim: 2 }));
  });

  it("guidance scale 1 samples exactly what the conditional model samples", async () => {
    const oracle = MIX.denoiser(path);
    const condition = { labels: Int32Array.of(0, 1, 2, 2) };
    const options = { sampler: rk4(), grid: uniformTimeGrid(path, 8), seed: 3, batch: 4, dim: 2, condition };
    const guided = await sample(classifierFreeGuidance(oracle, { scale: 1 }), options);
    const plain = await sample(oracle, options);
    assert.deepEqual(guided.x, plain.x);
  });

  it("the unconditional branch of an embedding condition is the null embedding on every row", async () => {
    const seen: Conditioning[] = [];
    const model: Model = {
      kind: "noise",
      path,
      predict(xt, _t, shape, cond) {
        seen.push(cond!);
        // A model whose output is the row's first embedding value.
        const e = cond!.embedding!;
        const width = e.length / shape.batch;
        return xt.map((_, i) => e[Math.floor(i / shape.dim) * width]!);
      },
    };
    const guided = classifierFreeGuidance(model, { scale: 3, nullEmbedding: Float32Array.of(-1, -1, -1) });
    const embedding = Float32Array.of(1, 2, 3, 4, 5, 6);
    const out = await predict(guided, new Float64Array(4), 0.5, { batch: 2, dim: 2 }, { embedding });
    assert.deepEqual(Array.from(seen[0]!.embedding!), [1, 2, 3, 4, 5, 6, -1, -1, -1, -1, -1, -1]);
    // −1 + 3·(1 − (−1)) = 5 and −1 + 3·(4 + 1) = 14.
    assert.deepEqual(Array.from(out), [5, 5, 14, 14]);
    await assert.rejects(
      async () =>
        classifierFreeGuidance(model, { scale: 3 }).predict(
          new Float64Array(4),
          0.5,
          { batch: 2, dim: 2 },
          { embedding },
        ),
      /options.nullEmbedding must hold 3 values \(the unconditional embedding\), got none/,
    );
  });

  it("retime and sample pass the condition through a guided model", async () => {
    const flow = affinePath(linearSchedule());
    const { model, calls } = counting(MIX.denoiser(flow));
    const moved = retime(classifierFreeGuidance(model, { scale: 2 }), affinePath(vpSchedule()));
    await sample(moved, {
      sampler: rk4(),
      steps: 2,
      seed: 0,
      batch: 2,
      dim: 2,
      condition: { labels: Int32Array.of(1, 0) },
    });
    assert.ok(calls.length > 0, "the inner model was called");
    for (const c of calls) assert.deepEqual(c.labels, [1, 0, -1, -1]);
  });
});

describe("scale schedules, intervals and rescale", () => {
  const path = affinePath(edmSchedule());

  it("guidanceRamp interpolates linearly or by a half cosine in canonical time", () => {
    const linear = guidanceRamp({ from: 1, to: 5 });
    const cosine = guidanceRamp({ from: 1, to: 5, shape: "cosine" });
    assert.deepEqual([linear(0), linear(0.25), linear(1)], [1, 2, 5]);
    assert.ok(
      Math.abs(cosine(0.5) - 3) < 1e-15 && cosine(0) === 1 && Math.abs(cosine(1) - 5) < 1e-15,
      "cosine ends",
    );
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (a, b) => (a <= b ? cosine(a) <= cosine(b) + 1e-12 : cosine(b) <= cosine(a) + 1e-12),
      ),
    );
    assert.throws(() => linear(1.5), /guidanceRamp: t = 1.5 is outside \[0, 1\]/);
  });

  it("a scale schedule is evaluated at the call's time", async () => {
    const oracle = MIX.denoiser(path);
    const ramp = guidanceRamp({ from: 0, to: 4 });
    const x = randomRows(5, 2);
    const cond = { labels: Int32Array.of(0, 1) };
    const scheduled = await predict(
      classifierFreeGuidance(oracle, { scale: ramp }),
      x,
      0.75,
      { batch: 2, dim: 2 },
      cond,
    );
    const fixed = await predict(
      classifierFreeGuidance(oracle, { scale: 3 }),
      x,
      0.75,
      { batch: 2, dim: 2 },
      cond,
    );
    assert.deepEqual(scheduled, fixed);
  });

  it("an interval in σ̃ guides only for σ̃ ∈ (lo, hi] (Kynkäänniemi et al.'s (0.28, 5.42])", () => {
    const guided = classifierFreeGuidance(MIX.denoiser(path), {
      scale: 4,
      interval: { by: "sigma", min: 0.28, max: 5.42 },
    });
    const schedule = edmSchedule();
    for (const t of [0.05, 0.2, 0.4, 0.6, 0.8, 0.95]) {
      const { alpha, sigma } = schedule.at(t);
      const inside = sigma / alpha > 0.28 && sigma / alpha <= 5.42;
      assert.equal(guided.scaleAt(t), inside ? 4 : 1, `t = ${t}, σ̃ = ${sigma / alpha}`);
    }
    const byTime = classifierFreeGuidance(MIX.denoiser(path), {
      scale: 4,
      interval: { by: "time", min: 0.2, max: 0.5 },
    });
    assert.deepEqual([0.1, 0.2, 0.5, 0.6].map(byTime.scaleAt), [1, 4, 4, 1]);
    const byLogSnr = classifierFreeGuidance(MIX.denoiser(path), {
      scale: 4,
      interval: { by: "logSnr", min: -2, max: 2 },
    });
    assert.equal(byLogSnr.scaleAt(0.999), 1, "λ beyond 2 at the data end");
  });

  it("rescale φ = 1 gives each row the conditional branch's std in the rescale kind; φ = 0 is plain CFG", async () => {
    const oracle = MIX.denoiser(path);
    const x = randomRows(9, 4, 3);
    const t = 0.5;
    const cond = { labels: Int32Array.of(0, 1, 2, 0) };
    const shape = { batch: 4, dim: 2 };
    const plain = await predict(classifierFreeGuidance(oracle, { scale: 5 }), x, t, shape, cond);
    const zero = await predict(
      classifierFreeGuidance(oracle, { scale: 5, rescale: { phi: 0 } }),
      x,
      t,
      shape,
      cond,
    );
    assert.deepEqual(zero, plain);
    const conditional = await predict(oracle, x, t, shape, cond);
    const slice = path.slice(t);
    const std = (a: Float64Array, i: number) => Math.abs(a[2 * i]! - a[2 * i + 1]!) / 2; // std of two values
    for (const kind of ["data", "v", "noise"] as const) {
      const full = await predict(
        classifierFreeGuidance(oracle, { scale: 5, rescale: { phi: 1, kind } }),
        x,
        t,
        shape,
        cond,
      );
      const r = slice.convert(full, "data", kind, x);
      const c = slice.convert(conditional, "data", kind, x);
      for (let i = 0; i < 4; i++) {
        assert.ok(
          Math.abs(std(r, i) - std(c, i)) < 1e-9 * (1 + std(c, i)),
          `${kind} row ${i}: ${std(r, i)} vs ${std(c, i)}`,
        );
      }
    }
    // Unlike guidance, rescale depends on its kind.
    const inV = await predict(
      classifierFreeGuidance(oracle, { scale: 5, rescale: { phi: 0.7, kind: "v" } }),
      x,
      t,
      shape,
      cond,
    );
    const inNoise = await predict(
      classifierFreeGuidance(oracle, { scale: 5, rescale: { phi: 0.7, kind: "noise" } }),
      x,
      t,
      shape,
      cond,
    );
    assert.ok(Math.abs(inV[0]! - inNoise[0]!) > 1e-3, "rescale in v and in noise differ");
  });

  it("errors name the option and the fix", async () => {
    const oracle = MIX.denoiser(path);
    const x = new Float64Array(2);
    await assert.rejects(
      async () => classifierFreeGuidance(oracle, { scale: 2 }).predict(x, 0.5, { batch: 1, dim: 2 }),
      /classifierFreeGuidance: predict needs conditioning to guide towards; pass sample\(model, \{ condition: \{ labels \} \}\)/,
    );
    assert.throws(
      () => classifierFreeGuidance(oracle, { scale: Number.NaN }),
      /options.scale must be finite/,
    );
    assert.throws(
      () => classifierFreeGuidance(oracle, { scale: 2, rescale: { phi: 1.5 } }),
      /options.rescale.phi must be in \[0, 1\]/,
    );
    const onBridge = classifierFreeGuidance(MIX.denoiser(diagonalBridge(0.1)), {
      scale: 2,
      interval: { by: "sigma", min: 0.5, max: 2 },
    });
    const bridge = diagonalBridge(0.1);
    for (const t of [0.1, 0.5, 0.9]) {
      const st = Math.exp(-bridge.logSnr(t) / 2);
      assert.equal(onBridge.scaleAt(t), st > 0.5 && st <= 2 ? 2 : 1, `bridge t = ${t}: mean σ̃ = ${st}`);
    }
    assert.throws(
      () => classifierFreeGuidance(oracle, { scale: 2, interval: { by: "time", min: 0.6, max: 0.2 } }),
      /options.interval needs min ≤ max/,
    );
    await assert.rejects(
      async () => predict(MIX.denoiser(path), x, 0.5, { batch: 1, dim: 2 }, { labels: Int32Array.of(7) }),
      /label 7 has no component \(classes are 0 … 2, or −1\)/,
    );
  });
});
