import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/random/rng.js";
import { type Checkpoint, decodeCheckpoint, encodeCheckpoint } from "../../src/train/checkpointBytes.js";
import { mlpConfig } from "../../src/train/mlp.js";
import { optimizerConfig } from "../../src/train/optim.js";
import { initTrainState } from "../../src/train/state.js";

const model = mlpConfig({ dim: 2, width: 8, depth: 2, timeEmbedding: { dim: 4 } });
const optimizer = optimizerConfig({ lr: 1e-3, emaDecay: 0.9 });

function checkpoint(): Checkpoint {
  const rng = new Rng(3, 0);
  return {
    meta: {
      path: { kind: "affine", schedule: { family: "linear", sigmaMin: 0 } },
      kind: "velocity",
      schedule: null,
    },
    model,
    optimizer,
    dtype: "float32",
    adaptive: null,
    state: initTrainState(model, optimizer, rng),
    rng: rng.getState(),
    lossHistory: new Float64Array(0),
  };
}

test("decodeCheckpoint returns the checkpoint encodeCheckpoint encoded, tensor for tensor", () => {
  const original = checkpoint();
  const bytes = encodeCheckpoint(original);
  assert.equal(bytes.weightsFile, "weights-0.safetensors");
  const back = decodeCheckpoint({ config: new TextEncoder().encode(bytes.config), weights: bytes.weights });
  assert.deepEqual(back.model, original.model);
  assert.deepEqual(back.rng, original.rng);
  assert.equal(back.meta.kind, "velocity");
  original.state.params.forEach((p, i) => {
    assert.deepEqual(back.state.params[i]!.data, p.data, `parameter ${i}`);
    assert.deepEqual(back.state.ema![i]!.data, original.state.ema![i]!.data, `EMA parameter ${i}`);
  });
});

test("decodeCheckpoint asks a weights reader for the file config.json names", () => {
  const bytes = encodeCheckpoint(checkpoint());
  const asked: string[] = [];
  decodeCheckpoint({
    config: bytes.config,
    weights: (file) => {
      asked.push(file);
      return bytes.weights;
    },
  });
  assert.deepEqual(asked, ["weights-0.safetensors"]);
});

test("decodeCheckpoint refuses weights whose bytes differ from the hash in config.json", () => {
  const bytes = encodeCheckpoint(checkpoint());
  const tampered = bytes.weights.slice();
  tampered[tampered.length - 1]! ^= 1;
  assert.throws(
    () => decodeCheckpoint({ config: bytes.config, weights: tampered }),
    /decodeCheckpoint: weights-0\.safetensors does not match config\.json .*SHA-256 differs/,
  );
});

test("decodeCheckpoint names the caller and the field of an invalid config", () => {
  const bytes = encodeCheckpoint(checkpoint());
  const config = JSON.parse(bytes.config);
  config.model.width = -1;
  assert.throws(
    () => decodeCheckpoint({ config: JSON.stringify(config), weights: bytes.weights }, {}, "loadFromUpload"),
    /^Error: loadFromUpload: config\.json is not a valid difflux checkpoint config \(.*width/,
  );
  assert.throws(() => decodeCheckpoint({ config: "{", weights: bytes.weights }), /not valid JSON/);
});

test("encodeCheckpoint refuses a state with a non-finite parameter", () => {
  const c = checkpoint();
  c.state.params[0]!.data[0] = Number.NaN;
  assert.throws(() => encodeCheckpoint(c), /encodeCheckpoint/);
});
