import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Rng } from "../../src/random/rng.js";
import { jaxEngine } from "../../src/train/engine.js";
import {
  ACTIVATIONS,
  activate,
  featureWidth,
  initMlpParams,
  mlpConfig,
  mlpFeatures,
  mlpForward,
  mlpParamSpecs,
} from "../../src/train/mlp.js";
import { type DiffOps, type HostTensor, hostOps, type TensorOps } from "../../src/train/tensor.js";
import { assertClose } from "../helpers.js";

test("mlpFeatures writes xt, sin and cos of the scaled time at geometric frequencies, then zero padding", () => {
  const config = mlpConfig({ dim: 2, timeEmbedding: { dim: 4, scale: 1000, maxPeriod: 10000 } });
  assert.equal(featureWidth(config), 8);
  const out = mlpFeatures(
    config,
    Float64Array.of(0.5, -1.5, 3, 4),
    Float64Array.of(0.25, 0),
    { batch: 2, dim: 2 },
    new Float64Array(16),
  );
  // ω = 1000·10000^(−k/2) for k = 0, 1: 1000 and 10.
  assertClose(
    out.subarray(0, 8),
    [0.5, -1.5, Math.sin(250), Math.sin(2.5), Math.cos(250), Math.cos(2.5), 0, 0],
    { rtol: 1e-15 },
  );
  assertClose(out.subarray(8), [3, 4, 0, 0, 1, 1, 0, 0], { rtol: 0 });
  const shared = mlpFeatures(
    config,
    Float64Array.of(0.5, -1.5),
    0.25,
    { batch: 1, dim: 2 },
    new Float64Array(8),
  );
  assert.deepEqual(shared, out.subarray(0, 8));
  // One time for several rows gives the bits of that time given per row.
  const xt = Float64Array.of(0.5, -1.5, 3, 4, -2, 7);
  const once = mlpFeatures(config, xt, 0.3, { batch: 3, dim: 2 }, new Float32Array(24));
  const perRow = mlpFeatures(
    config,
    xt,
    Float64Array.of(0.3, 0.3, 0.3),
    { batch: 3, dim: 2 },
    new Float32Array(24),
  );
  assert.deepEqual(once, perRow);
  // … and keeps each row's one-hot label.
  const labelled = mlpConfig({
    dim: 2,
    classes: 3,
    timeEmbedding: { dim: 4, scale: 1000, maxPeriod: 10000 },
  });
  const w = featureWidth(labelled);
  const labels = Int32Array.of(2, -1, 0);
  const onceL = mlpFeatures(labelled, xt, 0.3, { batch: 3, dim: 2 }, new Float32Array(3 * w), labels);
  const perRowL = mlpFeatures(
    labelled,
    xt,
    Float64Array.of(0.3, 0.3, 0.3),
    { batch: 3, dim: 2 },
    new Float32Array(3 * w),
    labels,
  );
  assert.deepEqual(onceL, perRowL);
  assert.equal(onceL[2 * w + 2 + 4 + 0], 1, "row 2 has label 0");
});

test("mlpParamSpecs lists PyTorch-named linear layers with weights [out, in] and the padded input width", () => {
  const specs = mlpParamSpecs(mlpConfig({ dim: 3, width: 16, depth: 2, timeEmbedding: { dim: 6 } }));
  assert.deepEqual(specs, [
    { name: "layers.0.weight", shape: [16, 12] },
    { name: "layers.0.bias", shape: [16] },
    { name: "layers.1.weight", shape: [16, 16] },
    { name: "layers.1.bias", shape: [16] },
    { name: "layers.2.weight", shape: [3, 16] },
    { name: "layers.2.bias", shape: [3] },
  ]);
});

test("initMlpParams is deterministic in the seed, within ±1/√fan_in, and zero on the padding columns", () => {
  const config = mlpConfig({ dim: 2, width: 8, depth: 2, timeEmbedding: { dim: 4 } });
  const a = initMlpParams(config, new Rng(7, 1));
  const b = initMlpParams(config, new Rng(7, 1));
  const c = initMlpParams(config, new Rng(8, 1));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const w0 = a[0]!;
  assert.deepEqual(w0.shape, [8, 8]);
  for (let r = 0; r < 8; r++) {
    for (let col = 0; col < 8; col++) {
      const v = w0.data[r * 8 + col]!;
      if (col >= 6) assert.equal(v, 0, `padding column ${col}`);
      else assert.ok(Math.abs(v) <= 1 / Math.sqrt(6) && v !== 0);
    }
  }
  for (const t of a.slice(2)) for (const v of t.data) assert.ok(Math.abs(v) <= 1 / Math.sqrt(8));
  assert.ok(a.every((t) => t.data instanceof Float32Array));
  assert.ok(initMlpParams(config, new Rng(7, 1), "float64").every((t) => t.data instanceof Float64Array));
});

test("activate computes silu, gelu (tanh form), relu and tanh at hand-checked points", () => {
  const ops = hostOps("float64");
  const x: HostTensor = { shape: [3], data: Float64Array.of(-2, 0, 1) };
  const at = (name: "silu" | "gelu" | "relu" | "tanh") => activate(ops, name, x).data;
  assertClose(at("silu"), [-2 / (1 + Math.E ** 2), 0, 1 / (1 + Math.exp(-1))], { rtol: 1e-15 });
  // ½x(1 + tanh(√(2/π)(x + 0.044715x³))): 0.8411919906082768 at 1, −0.04540230591222494 at −2 (torch.nn.functional.gelu(approximate="tanh"), float64).
  assertClose(at("gelu"), [-0.04540230591222494, 0, 0.8411919906082768], { rtol: 1e-13 });
  assert.deepEqual([...at("relu")], [0, 0, 1]);
  assertClose(at("tanh"), [Math.tanh(-2), 0, Math.tanh(1)], { rtol: 1e-15 });
});

test("the host forward pass equals the engine forward pass in float32 for every activation", async () => {
  const engine = await jaxEngine();
  for (const activation of ["silu", "gelu", "relu", "tanh"] as const) {
    const config = mlpConfig({ dim: 3, width: 24, depth: 2, activation, timeEmbedding: { dim: 6 } });
    const params = initMlpParams(config, new Rng(3, 1));
    const rng = new Rng(11);
    const batch = 9;
    const features = mlpFeatures(
      config,
      rng.fillNormal(new Float64Array(batch * 3)),
      rng.fillUniform(new Float64Array(batch)),
      { batch, dim: 3 },
      new Float32Array(batch * featureWidth(config)),
    );
    const input: HostTensor = { shape: [batch, featureWidth(config)], data: features };
    const host = mlpForward(hostOps("float32"), config, params, input);
    const fn = engine.compile(<T>(ops: TensorOps<T>, [p, [f]]: T[][]) => [[mlpForward(ops, config, p!, f!)]]);
    const [[out]] = fn([params.map((t) => engine.upload(t)), [engine.upload(input)]]);
    const device = engine.download(out!);
    assert.deepEqual(device.shape, [batch, 3]);
    assertClose(device.data, host.data, { rtol: 1e-5, atol: 1e-6, message: activation });
  }
});

test("mlpConfig rejects invalid architectures, naming the field", () => {
  assert.throws(() => mlpConfig({ dim: 0 }), /mlpConfig: dim must be an integer ≥ 1, got 0/);
  assert.throws(() => mlpConfig({ dim: 2, depth: 0 }), /mlpConfig: depth must be an integer ≥ 1/);
  assert.throws(() => mlpConfig({ dim: 2, timeEmbedding: { dim: 5 } }), /timeEmbedding.dim must be even/);
  assert.throws(
    () => mlpConfig({ dim: 2, activation: "swish" as "silu" }),
    /activation must be one of silu, gelu, relu, tanh/,
  );
  const config = mlpConfig({ dim: 2 });
  assert.throws(
    () =>
      mlpFeatures(
        config,
        new Float32Array(6),
        new Float32Array(2),
        { batch: 2, dim: 3 },
        new Float32Array(40),
      ),
    /mlpFeatures: shape.dim is 3 but the network was built for dim 2/,
  );
});

test("the feature row of a sample does not depend on the other rows of its batch", () => {
  const config = mlpConfig({ dim: 2, timeEmbedding: { dim: 8 } });
  const w = featureWidth(config);
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          fc.double({ min: -5, max: 5, noNaN: true }),
          fc.double({ min: -5, max: 5, noNaN: true }),
          fc.double({ min: 0, max: 1, noNaN: true }),
        ),
        { minLength: 1, maxLength: 6 },
      ),
      (rows) => {
        const xt = new Float64Array(2 * rows.length);
        rows.forEach(([a, b], i) => {
          xt.set([a, b], 2 * i);
        });
        const t = Float64Array.from(rows.map((r) => r[2]));
        const all = mlpFeatures(
          config,
          xt,
          t,
          { batch: rows.length, dim: 2 },
          new Float64Array(rows.length * w),
        );
        rows.forEach(([a, b, ti], i) => {
          const one = mlpFeatures(
            config,
            Float64Array.of(a, b),
            Float64Array.of(ti),
            { batch: 1, dim: 2 },
            new Float64Array(w),
          );
          assert.deepEqual(all.subarray(i * w, (i + 1) * w), one);
        });
      },
    ),
    { numRuns: 50 },
  );
});

/** φ(h) and φ'(h) in float64 from stable closed forms (an independent reference for the engine's autodiff). */
function activationReference(activation: string, h: number): [number, number] {
  switch (activation) {
    case "silu": {
      const s = h >= 0 ? 1 / (1 + Math.exp(-h)) : Math.exp(h) / (1 + Math.exp(h));
      return [h * s, s * (1 + h * (1 - s))];
    }
    case "gelu": {
      const k = Math.sqrt(2 / Math.PI);
      const th = Math.tanh(k * (h + 0.044715 * h ** 3));
      const dInner = k * (1 + 3 * 0.044715 * h * h);
      // (1 − th²)·h·dInner → 0 where th = ±1 (the product of 0 and a huge h³ term).
      return [0.5 * h * (1 + th), 0.5 * (1 + th) + (th * th === 1 ? 0 : 0.5 * h * (1 - th * th) * dInner)];
    }
    case "relu":
      return [Math.max(h, 0), h > 0 ? 1 : 0];
    default:
      return [Math.tanh(h), 1 - Math.tanh(h) ** 2];
  }
}

test("every activation has a finite value and gradient at ±1e4, ±100, ±88.7 and 0, matching its closed form, in float32 and float64", async () => {
  const engine = await jaxEngine();
  const points = [1e4, 100, 88.7, 0, -88.7, -100, -1e4, 3e38, -3e38];
  for (const dtype of ["float32", "float64"] as const) {
    const Arr = dtype === "float32" ? Float32Array : Float64Array;
    const h = { shape: [points.length], data: Arr.from(points) };
    for (const activation of ACTIVATIONS) {
      const fn = engine.compile(<T>(ops: DiffOps<T>, [[x]]: T[][]) => {
        const [, [g]] = ops.valueAndGrad(([p]) => ops.sum(activate(ops, activation, p!)), [x!]);
        return [[activate(ops, activation, x!), g!]];
      });
      const input = engine.upload(h);
      const [[value, grad]] = fn([[input]]);
      const v = engine.download(value!).data;
      const g = engine.download(grad!).data;
      const host = activate(hostOps(dtype), activation, h).data;
      for (const t of [input, value!, grad!]) t.dispose();
      fn.dispose();
      points.forEach((p, i) => {
        const x = h.data[i]!;
        const [rv, rg] = activationReference(activation, x);
        const where = `${activation} ${dtype} at ${p}`;
        assert.ok(
          Number.isFinite(v[i]!) && Number.isFinite(g[i]!),
          `${where}: value ${v[i]}, gradient ${g[i]}`,
        );
        assert.ok(Number.isFinite(host[i]!), `${where}: host value ${host[i]}`);
        const tol = (dtype === "float32" ? 2e-6 : 1e-12) * Math.max(1, Math.abs(rv));
        assert.ok(Math.abs(v[i]! - rv) <= tol, `${where}: value ${v[i]} vs ${rv}`);
        assert.ok(Math.abs(host[i]! - rv) <= tol, `${where}: host value ${host[i]} vs ${rv}`);
        if (!(activation === "relu" && x === 0)) {
          const gtol = (dtype === "float32" ? 2e-6 : 1e-12) * Math.max(1, Math.abs(rg));
          assert.ok(Math.abs(g[i]! - rg) <= gtol, `${where}: gradient ${g[i]} vs ${rg}`);
        }
      });
    }
  }
});
