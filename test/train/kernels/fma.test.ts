/**
 * The kernels with fused multiply-adds (relaxed SIMD's f32x4.relaxed_madd, MlpKernelOptions.fma):
 * the same gradients as jax-js to float32 accuracy, different bits from the unfused kernels (so the
 * fused path really ran), the same bits on one thread and on two, and each row's bits whatever
 * batch it is in. On Node 20 this file turns V8's flag on (each test file is its own process).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { globalWasm, hasRelaxedSimd, type WasmApi } from "../../../src/math/wasm.js";
import { Rng } from "../../../src/random/rng.js";
import { jaxEngine } from "../../../src/train/engine.js";
import { createMlpKernel, createMlpKernelSync } from "../../../src/train/kernels/kernel.js";
import { enableRelaxedSimd } from "../../../src/train/kernels/relaxedSimd.js";
import { lossAndGradient } from "../../../src/train/loss.js";
import { ACTIVATIONS, initMlpParams, type MlpConfig, mlpConfig } from "../../../src/train/mlp.js";
import { optimizerConfig } from "../../../src/train/optim.js";
import { batch32, relativeError, to64, zerosLike } from "./shared.js";

const available = enableRelaxedSimd();

const small = (activation: MlpConfig["activation"]) =>
  mlpConfig({ dim: 3, width: 30, depth: 3, activation, timeEmbedding: { dim: 4, scale: 5 } });

/** The real WebAssembly API, with validation refusing relaxed SIMD (a platform without it). */
function withoutRelaxedSimd(): WasmApi {
  const wasm = globalWasm()!;
  const madd = [0xfd, 0x85, 0x02]; // f32x4.relaxed_madd
  const hasMadd = (b: Uint8Array) => b.some((_, i) => madd.every((x, j) => b[i + j] === x));
  return {
    validate: (bytes) => !hasMadd(bytes) && wasm.validate(bytes),
    Module: wasm.Module,
    Instance: wasm.Instance,
    Memory: wasm.Memory,
  };
}

describe("kernels with fused multiply-adds", { skip: available ? false : "no relaxed SIMD here" }, () => {
  it("are the default where relaxed SIMD is available, and give jax-js's gradient to float32 accuracy", async (t) => {
    const engine = await jaxEngine();
    for (const activation of ACTIVATIONS) {
      const config = small(activation);
      const params = initMlpParams(config, new Rng(5, 1));
      const batch = batch32(37, 3, 21);
      const kernels = [true, false].map((fma) => {
        const k = createMlpKernelSync(config, optimizerConfig({}), { rows: 40, fma })!;
        k.setState({ params, m: zerosLike(params), v: zerosLike(params) });
        return k;
      });
      const [fused, unfused] = kernels.map((k) => k.gradient(batch)) as [
        ReturnType<(typeof kernels)[0]["gradient"]>,
        ReturnType<(typeof kernels)[0]["gradient"]>,
      ];
      const f64params = params.map((p) => ({ shape: p.shape, data: Float64Array.from(p.data) }));
      const want = lossAndGradient(engine, config, f64params, to64(batch));
      const rel = relativeError(fused.grads, want.grads);
      const apart = relativeError(fused.grads, unfused.grads);
      t.diagnostic(
        `${activation}: fused vs float64 ${rel.toExponential(2)}, fused vs unfused ${apart.toExponential(2)}`,
      );
      assert.ok(rel < 2e-6, `${activation}: gradient relative error ${rel}`);
      assert.ok(apart > 0 && apart < 2e-6, `${activation}: fused and unfused differ by ${apart}`);
      assert.ok(Math.abs(fused.loss - want.loss) <= 1e-6 * want.loss, `${activation}: loss ${fused.loss}`);
      for (const k of kernels) k.dispose();
    }
    const byDefault = createMlpKernelSync(small("silu"), null)!;
    assert.equal(byDefault.fma, true, "relaxed SIMD available: fused by default");
    byDefault.dispose();
  });

  it("give the same bits on one thread and on two, and each row the same bits in any batch", async () => {
    const config = mlpConfig({ dim: 3, width: 64, depth: 3, timeEmbedding: { dim: 4, scale: 5 } });
    const params = initMlpParams(config, new Rng(6, 1));
    const optimizer = optimizerConfig({ lr: 0.01, emaDecay: 0.99 });
    const run = async (threads: number) => {
      const kernel = (await createMlpKernel(config, optimizer, { threads, rows: 152, fma: true }))!;
      kernel.setState({ params, m: zerosLike(params), v: zerosLike(params) });
      await kernel.ready();
      const losses = Array.from({ length: 8 }, (_, k) => kernel.step(batch32(301, 3, k), k).loss);
      const { params: after } = kernel.getState();
      const workerRuns = kernel.workerRuns;
      kernel.dispose();
      return { losses, after, workerRuns };
    };
    const [one, two] = [await run(1), await run(2)];
    assert.ok(two.workerRuns > 0, "two threads: the worker ran shards");
    assert.deepEqual(two.losses, one.losses);
    two.after.forEach((p, i) => {
      assert.deepEqual(p.data, one.after[i]!.data, `params[${i}]`);
    });

    const forward = (await createMlpKernel(config, null, { rows: 4, threads: 2, fma: true }))!;
    forward.setState({ params });
    const batch = batch32(23, 3, 17);
    forward.reserve(23);
    const all = forward.forward(batch.xt, batch.t, 23);
    for (const i of [0, 9, 22]) {
      const alone = forward.forward(batch.xt.subarray(3 * i, 3 * i + 3), batch.t.subarray(i, i + 1), 1);
      assert.deepEqual(alone, all.subarray(3 * i, 3 * i + 3), `row ${i} alone vs in a batch of 23`);
    }
    forward.dispose();
  });
});

describe("a platform without relaxed SIMD", () => {
  it("runs the unfused kernels by default and names the problem when fma: true is asked for", () => {
    const wasm = withoutRelaxedSimd();
    assert.equal(hasRelaxedSimd(wasm), false);
    const kernel = createMlpKernelSync(small("relu"), optimizerConfig({}), { wasm });
    assert.ok(kernel !== null, "the kernels still compile");
    assert.equal(kernel.fma, false);
    kernel.dispose();
    assert.throws(
      () => createMlpKernelSync(small("relu"), null, { wasm, fma: true }),
      /fma: true needs WebAssembly relaxed SIMD.*--experimental-wasm-relaxed-simd.*fma: false/,
    );
  });

  it("names a non-boolean fma, in the kernels and in the engine", async () => {
    assert.throws(
      () => createMlpKernelSync(small("relu"), null, { fma: "yes" as never }),
      /createMlpKernel: fma must be true or false, got "yes"/,
    );
    await assert.rejects(jaxEngine({ fma: 1 as never }), /jaxEngine: fma must be true or false, got 1/);
  });
});
