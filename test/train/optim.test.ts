import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { jaxEngine } from "../../src/train/engine.js";
import {
  adamScalars,
  adamUpdate,
  clipByGlobalNorm,
  emaDecayAt,
  emaUpdate,
  globalNorm,
  learningRate,
  type OptimizerConfig,
  optimizerConfig,
} from "../../src/train/optim.js";
import { type HostTensor, hostOps, type TensorOps } from "../../src/train/tensor.js";
import { assertClose } from "../helpers.js";

const ops = hostOps("float64");
const vec = (...v: number[]): HostTensor => ({ shape: [v.length], data: Float64Array.from(v) });
const scalar = (x: number): HostTensor => ({ shape: [], data: Float64Array.of(x) });

/** Runs `steps` Adam updates of one parameter vector with the given gradients (host, float64). */
function runAdam(config: OptimizerConfig, p0: number[], grads: number[][], o: TensorOps<HostTensor> = ops) {
  let params = [vec(...p0)];
  let moments = { m: [vec(...p0.map(() => 0))], v: [vec(...p0.map(() => 0))] };
  grads.forEach((g, k) => {
    const s = adamScalars(config, k);
    const next = adamUpdate(o, config, params, [vec(...g)], moments, {
      stepSize: scalar(s.stepSize),
      invSqrtBc2: scalar(s.invSqrtBc2),
      decay: scalar(s.decay),
    });
    params = next.params;
    moments = { m: [...next.moments.m], v: [...next.moments.v] };
  });
  return { params: params[0]!.data, m: moments.m[0]!.data, v: moments.v[0]!.data };
}

test("adamUpdate matches two hand-computed Adam steps (Kingma & Ba, Algorithm 1)", () => {
  // Decimal (40 digits) evaluation of the textbook recursion: p = 1, g = 0.5 then −0.25, lr = 0.1.
  const config = optimizerConfig({ lr: 0.1 });
  const one = runAdam(config, [1], [[0.5]]);
  assertClose(one.params[0]!, 0.900000002, { rtol: 1e-15 });
  assertClose(one.m[0]!, 0.05, { rtol: 1e-15 });
  assertClose(one.v[0]!, 0.00025, { rtol: 1e-15 });
  const two = runAdam(config, [1], [[0.5], [-0.25]]);
  assertClose(two.params[0]!, 0.8733662987078462, { rtol: 1e-15 });
  assertClose(two.m[0]!, 0.02, { rtol: 1e-15 });
  assertClose(two.v[0]!, 0.00031225, { rtol: 1e-14 });
});

test("adamUpdate applies L2 weight decay to the gradient for adam and decoupled decay for adamw", () => {
  const l2 = runAdam(optimizerConfig({ kind: "adam", lr: 0.1, weightDecay: 0.01 }), [1], [[0.5]]);
  assertClose(l2.params[0]!, 0.9000000019607843, { rtol: 1e-15 });
  const decoupled = runAdam(optimizerConfig({ kind: "adamw", lr: 0.1, weightDecay: 0.01 }), [1], [[0.5]]);
  assertClose(decoupled.params[0]!, 0.899000002, { rtol: 1e-15 });
});

test("the first Adam step moves every parameter by lr·g/(|g| + ε) against its gradient (gradients above the subnormal range)", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.double({ min: -1e3, max: 1e3, noNaN: true }).filter((x) => x === 0 || Math.abs(x) > 1e-100),
        { minLength: 1, maxLength: 8 },
      ),
      fc.double({ min: 1e-5, max: 1, noNaN: true }),
      (g, lr) => {
        const { params } = runAdam(
          optimizerConfig({ lr }),
          g.map(() => 0),
          [g],
        );
        g.forEach((gi, i) => {
          assertClose(params[i]!, (-lr * gi) / (Math.abs(gi) + 1e-8), { rtol: 1e-12 });
        });
      },
    ),
    { numRuns: 100 },
  );
});

test("Adam on the jax engine equals Adam on host arrays (one formula, two backends)", async () => {
  const engine = await jaxEngine();
  const config = optimizerConfig({ kind: "adamw", lr: 0.05, weightDecay: 0.1 });
  const p = [vec(0.3, -1.2, 2.5), vec(4)];
  const g = [vec(0.1, -0.7, 3), vec(-2)];
  const zeros = [vec(0, 0, 0), vec(0)];
  const s = adamScalars(config, 3);
  const host = adamUpdate(
    ops,
    config,
    p,
    g,
    { m: zeros, v: zeros },
    { stepSize: scalar(s.stepSize), invSqrtBc2: scalar(s.invSqrtBc2), decay: scalar(s.decay) },
  );
  const fn = engine.compile(<T>(o: TensorOps<T>, [pp, gg, m, v, [a, b, c]]: T[][]) => {
    const next = adamUpdate(
      o,
      config,
      pp!,
      gg!,
      { m: m!, v: v! },
      { stepSize: a!, invSqrtBc2: b!, decay: c! },
    );
    return [next.params, [...next.moments.m], [...next.moments.v]];
  });
  const up = (ts: HostTensor[]) => ts.map((t) => engine.upload(t));
  const out = fn([
    up(p),
    up(g),
    up(zeros),
    up(zeros),
    [s.stepSize, s.invSqrtBc2, s.decay].map((x) => engine.scalar(x, "float64")),
  ]);
  const [params, m, v] = out.map((group) => group.map((t) => engine.download(t).data));
  for (const [got, want] of [
    [params!, host.params],
    [m!, host.moments.m],
    [v!, host.moments.v],
  ] as const) {
    want.forEach((t, i) => {
      assertClose(got[i]!, t.data, { rtol: 1e-15 });
    });
  }
});

test("learningRate warms up linearly, then follows one cosine down to minLr and stays there", () => {
  const config = optimizerConfig({
    lr: 1e-3,
    schedule: { kind: "warmupCosine", warmupSteps: 10, totalSteps: 110, minLr: 1e-5 },
  });
  assertClose(learningRate(config, 0), 1e-4, { rtol: 1e-15 });
  assertClose(learningRate(config, 4), 5e-4, { rtol: 1e-15 });
  assertClose(learningRate(config, 9), 1e-3, { rtol: 1e-15 });
  assertClose(learningRate(config, 10), 1e-3, { rtol: 1e-15 });
  assertClose(learningRate(config, 60), 1e-5 + 0.5 * 0.99e-3, { rtol: 1e-14 });
  assertClose(learningRate(config, 35), 1e-5 + 0.5 * 0.99e-3 * (1 + Math.SQRT1_2), { rtol: 1e-14 });
  assert.equal(learningRate(config, 110), 1e-5);
  assert.equal(learningRate(config, 10_000), 1e-5);
  assert.equal(learningRate(optimizerConfig({ lr: 0.3 }), 12345), 0.3);
});

test("learningRate never increases after warmup and stays within [minLr, lr]", () => {
  const config = optimizerConfig({
    lr: 2e-3,
    schedule: { kind: "warmupCosine", warmupSteps: 7, totalSteps: 300, minLr: 1e-4 },
  });
  fc.assert(
    fc.property(fc.integer({ min: 7, max: 400 }), (k) => {
      const a = learningRate(config, k);
      const b = learningRate(config, k + 1);
      assert.ok(b <= a && a <= 2e-3 && b >= 1e-4);
    }),
  );
});

test("optimizerConfig and learningRate reject invalid settings with the field and the rule", () => {
  assert.throws(() => optimizerConfig({ lr: -1 }), /optimizerConfig: lr must be > 0, got -1/);
  assert.throws(() => optimizerConfig({ beta2: 1 }), /optimizerConfig: beta2 must be in \[0, 1\)/);
  assert.throws(
    () => optimizerConfig({ schedule: { kind: "warmupCosine", warmupSteps: 10, totalSteps: 10, minLr: 0 } }),
    /schedule.totalSteps must be an integer > warmupSteps \(10\)/,
  );
  assert.throws(() => learningRate(optimizerConfig(), -1), /learningRate: step must be an integer ≥ 0/);
});

test("clipByGlobalNorm rescales to the threshold above it and leaves gradients untouched below it", () => {
  const grads = [vec(3), vec(0, 4)];
  const norm = globalNorm(ops, grads);
  assert.equal(norm.data[0], 5);
  const clipped = clipByGlobalNorm(ops, grads, norm, 1);
  assertClose(clipped[0]!.data, [3 / 5.000001], { rtol: 1e-15 });
  assertClose(clipped[1]!.data, [0, 4 / 5.000001], { rtol: 1e-15 });
  assertClose(globalNorm(ops, clipped).data[0]!, 1, { rtol: 1e-6 });
  const kept = clipByGlobalNorm(ops, grads, norm, 10);
  assert.deepEqual(
    kept.map((t) => [...t.data]),
    [[3], [0, 4]],
  );
});

test("emaUpdate is the exponential moving average: after k steps toward a fixed p, ema = p + (ema₀ − p)·decayᵏ", () => {
  assertClose(emaUpdate(ops, [vec(1)], [vec(2)], 0.9)[0]!.data, [1.1], { rtol: 1e-15 });
  fc.assert(
    fc.property(
      fc.double({ min: -10, max: 10, noNaN: true }),
      fc.double({ min: -10, max: 10, noNaN: true }),
      fc.double({ min: 0, max: 0.999, noNaN: true }),
      fc.integer({ min: 1, max: 30 }),
      (e0, p, decay, k) => {
        let ema = [vec(e0)];
        for (let i = 0; i < k; i++) ema = emaUpdate(ops, ema, [vec(p)], decay);
        assertClose(ema[0]!.data[0]!, p + (e0 - p) * decay ** k, { rtol: 1e-12, atol: 1e-12 });
      },
    ),
  );
});

test("emaDecayAt is min(emaDecay, 1 − (1 + k/γ)^(−p)): 0 at the first update, 0.999 from update 10 000 with the default warm-up", () => {
  const config = optimizerConfig({ emaDecay: 0.999 });
  assert.deepEqual(config.emaWarmup, { gamma: 1, power: 0.75 }, "the warm-up is on by default with an EMA");
  assert.equal(emaDecayAt(config, 0), 0);
  assertClose(emaDecayAt(config, 1), 1 - 2 ** -0.75, { rtol: 1e-15 });
  assertClose(emaDecayAt(config, 9999), 0.999, { rtol: 1e-12 });
  assert.equal(emaDecayAt(config, 50_000), 0.999);
  const slow = optimizerConfig({ emaDecay: 0.9999, emaWarmup: { gamma: 2, power: 2 / 3 } });
  assertClose(emaDecayAt(slow, 100), 1 - 51 ** (-2 / 3), { rtol: 1e-14 });
  assert.equal(emaDecayAt(optimizerConfig({ emaDecay: 0.9, emaWarmup: null }), 0), 0.9, "null: constant");
  assert.equal(optimizerConfig().emaWarmup, null, "no EMA, no warm-up");
  fc.assert(
    fc.property(
      fc.double({ min: 0, max: 0.99999, noNaN: true }),
      fc.double({ min: 0.01, max: 100, noNaN: true }),
      fc.double({ min: 0.1, max: 2, noNaN: true }),
      fc.integer({ min: 0, max: 1e7 }),
      (decay, gamma, power, k) => {
        const c = optimizerConfig({ emaDecay: decay, emaWarmup: { gamma, power } });
        const b = emaDecayAt(c, k);
        assert.ok(b >= 0 && b <= decay, `β_${k} = ${b} outside [0, ${decay}]`);
        assert.ok(emaDecayAt(c, k + 1) >= b, "β is non-decreasing");
      },
    ),
  );
  assert.throws(() => emaDecayAt(optimizerConfig(), 3), /emaDecayAt: the optimizer has no EMA/);
  assert.throws(
    () => optimizerConfig({ emaDecay: 0.9, emaWarmup: { gamma: 0, power: 1 } }),
    /optimizerConfig: emaWarmup\.gamma must be > 0, got 0/,
  );
});

test("with the warm-up the EMA forgets its initialization at any run length; a constant 0.999 keeps 13.5 % of it after 2000 steps", () => {
  // The weight left on the initialization after k updates is Π_{i<k} β_i.
  const left = (config: OptimizerConfig, k: number) => {
    let w = 1;
    for (let i = 0; i < k; i++) w *= emaDecayAt(config, i);
    return w;
  };
  const warm = optimizerConfig({ emaDecay: 0.999 });
  const constant = optimizerConfig({ emaDecay: 0.999, emaWarmup: null });
  for (const k of [1, 10, 100, 2000]) assert.equal(left(warm, k), 0, `after ${k} steps (β₀ = 0)`);
  assertClose(left(constant, 2000), 0.999 ** 2000, { rtol: 1e-12 });
  assert.ok(left(constant, 2000) > 0.135, "the constant EMA still holds the initialization");
  // The warm-up's window (1 − β_k)⁻¹ grows with the run: ~(1 + k)^¾ steps.
  assertClose(1 / (1 - emaDecayAt(warm, 2000)), 2001 ** 0.75, { rtol: 1e-9 });
});
