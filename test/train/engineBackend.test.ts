import assert from "node:assert/strict";
import { test } from "node:test";
import { jaxEngine } from "../../src/train/engine.js";

test("jaxEngine picks the wasm backend where there is no WebGPU (Node)", async () => {
  const engine = await jaxEngine({ kernels: false });
  assert.equal(engine.name, "jax-js 0.1.25 (wasm)");
  const back = engine.download(engine.upload({ shape: [2], data: new Float64Array([1.5, -2]) }));
  assert.deepEqual(Array.from(back.data), [1.5, -2], "a float64 tensor round-trips through the wasm backend");
});

test("jaxEngine names the backend and the fix when WebGPU is asked for and absent", async () => {
  await assert.rejects(
    jaxEngine({ backend: "webgpu" }),
    /jaxEngine: the WebGPU backend is unavailable here .*use backend: "wasm"/,
  );
});

test("jaxEngine refuses an unknown backend naming the choices", async () => {
  await assert.rejects(
    jaxEngine({ backend: "cuda" as never }),
    (err: unknown) =>
      err instanceof RangeError && /backend must be "auto", "wasm" or "webgpu", got "cuda"/.test(err.message),
  );
});
