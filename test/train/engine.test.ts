import assert from "node:assert/strict";
import { test } from "node:test";
import { type DeviceTensor, jaxEngine } from "../../src/train/engine.js";

test("jaxEngine uploads and downloads float32 and float64 tensors unchanged, shape included", async () => {
  const engine = await jaxEngine();
  const cases = [
    { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-30, -7]) },
    { shape: [3], data: Float64Array.from([0.1, -1e300, Math.PI]) },
  ];
  for (const host of cases) {
    const device = engine.upload(host);
    assert.deepEqual(device.shape, host.shape, "the device tensor keeps the shape");
    const back = engine.download(device);
    device.dispose();
    assert.deepEqual(back.shape, host.shape, "the downloaded tensor keeps the shape");
    assert.equal(back.data.constructor, host.data.constructor, "the downloaded tensor keeps the dtype");
    assert.deepEqual(
      Array.from(back.data),
      Array.from(host.data),
      "the values survive the round trip bit for bit",
    );
  }
});

test("jaxEngine rejects a tensor it did not make, naming the method and the fix", async () => {
  const engine = await jaxEngine();
  const foreign: DeviceTensor = { shape: [1], dispose() {} };
  assert.throws(
    () => engine.download(foreign),
    /jaxEngine\.download: the tensor was not made by jaxEngine; upload it/,
  );
  const compiled = engine.compile((ops, [[x]]) => [[ops.mul(x!, 2)]]);
  try {
    assert.throws(() => compiled([[foreign]]), /jaxEngine\.compile: the tensor was not made by jaxEngine/);
  } finally {
    compiled.dispose();
  }
});
