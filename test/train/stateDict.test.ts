import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { affinePath, linearSchedule } from "../../src/index.js";
import { decodeSafetensors } from "../../src/io/safetensors.js";
import { mlpConfig, mlpParamSpecs } from "../../src/train/mlp.js";
import { mlpParamsFromStateDict } from "../../src/train/stateDict.js";
import { networkModel } from "../../src/train/network.js";

const DIR = new URL("../fixtures/weights/", import.meta.url).pathname;
const REF = JSON.parse(readFileSync(`${DIR}mlp.json`, "utf8")) as {
  dim: number;
  width: number;
  depth: number;
  timeEmbedding: { dim: number; scale: number; maxPeriod: number };
  t: number;
  xt: number[];
  out: number[];
  outBf16: number[];
};
const config = mlpConfig({
  dim: REF.dim,
  width: REF.width,
  depth: REF.depth,
  activation: "silu",
  timeEmbedding: REF.timeEmbedding,
});

async function forward(file: string): Promise<Float64Array> {
  const { tensors } = decodeSafetensors(readFileSync(`${DIR}${file}`), file);
  const params = mlpParamsFromStateDict(tensors, config, { layers: "sequential", dtype: "float64" });
  const model = networkModel(params, config, affinePath(linearSchedule()), "velocity", { forward: "host" });
  const xt = Float64Array.from(REF.xt);
  return Float64Array.from(await model.predict(xt, REF.t, { batch: xt.length / REF.dim, dim: REF.dim }));
}

test("an nn.Sequential state_dict saved as safetensors computes PyTorch's outputs in networkModel", async () => {
  const out = await forward("mlp.safetensors");
  for (let i = 0; i < out.length; i++) {
    assert.ok(Math.abs(out[i]! - REF.out[i]!) < 1e-6, `row value ${i}: ${out[i]} vs PyTorch ${REF.out[i]}`);
  }
});

test("the same state_dict stored in BF16 computes PyTorch's bfloat16-weight outputs", async () => {
  const out = await forward("mlp-bf16.safetensors");
  for (let i = 0; i < out.length; i++) {
    assert.ok(Math.abs(out[i]! - REF.outBf16[i]!) < 1e-9, `value ${i}: ${out[i]} vs ${REF.outBf16[i]}`);
  }
});

test("the first layer's weight is padded with zero columns to the feature width", () => {
  const { tensors } = decodeSafetensors(readFileSync(`${DIR}mlp.safetensors`));
  const params = mlpParamsFromStateDict(tensors, config, { layers: "sequential" });
  const specs = mlpParamSpecs(config);
  assert.deepEqual(
    params.map((p) => [...p.shape]),
    specs.map((s) => s.shape),
  );
  const cols = specs[0]!.shape[1]!;
  const real = REF.dim + REF.timeEmbedding.dim;
  assert.ok(cols > real, "the fixture's features are padded");
  for (let r = 0; r < REF.width; r++) {
    for (let c = real; c < cols; c++) assert.equal(params[0]!.data[r * cols + c], 0, `[${r}, ${c}]`);
    assert.equal(params[0]!.data[r * cols], tensors["0.weight"]!.data[r * real], `first column of row ${r}`);
  }
});

test("layer names: difflux's own, a prefix, explicit module names, and errors that list the file's names", () => {
  const { tensors } = decodeSafetensors(readFileSync(`${DIR}mlp.safetensors`));
  const renamed = (name: (l: number) => string) =>
    Object.fromEntries(
      [0, 1, 2].flatMap((l) => ["weight", "bias"].map((p) => [`${name(l)}.${p}`, tensors[`${2 * l}.${p}`]!])),
    );
  const reference = mlpParamsFromStateDict(tensors, config, { layers: "sequential" });
  const own = mlpParamsFromStateDict(
    renamed((l) => `layers.${l}`),
    config,
  );
  const prefixed = mlpParamsFromStateDict(
    renamed((l) => `net.${2 * l}`),
    config,
    { layers: "sequential", prefix: "net." },
  );
  const explicit = mlpParamsFromStateDict(
    renamed((l) => ["fc1", "fc2", "out"][l]!),
    config,
    { layers: ["fc1", "fc2", "out"] },
  );
  for (const other of [own, prefixed, explicit]) assert.deepEqual(other, reference);
  assert.throws(
    () => mlpParamsFromStateDict(tensors, config),
    /mlpParamsFromStateDict: the state_dict has no tensor "layers.0.weight" \(it has .*0.weight.*\); set options.layers/,
  );
  const wide = mlpConfig({ ...config, width: 8 });
  assert.throws(
    () => mlpParamsFromStateDict(tensors, wide, { layers: "sequential" }),
    /tensor "0.weight" has shape \[16, 11\] but the config needs \[8, 11\] \(or padded \[8, 12\]\)/,
  );
  assert.throws(
    () => mlpParamsFromStateDict(tensors, config, { layers: ["a", "b"] }),
    /options.layers names 2 modules but the config has depth \+ 1 = 3 Linear layers/,
  );
});
