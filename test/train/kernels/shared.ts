/** What the kernel tests share: a float32 batch, its float64 copy, zeroed moments, a relative error over tensors. */
import assert from "node:assert/strict";
import { Rng } from "../../../src/random/rng.js";
import type { HostTensor } from "../../../src/train/tensor.js";

/** A float32 batch with distinct times and non-uniform weights. */
export function batch32(rows: number, dim: number, seed: number) {
  const rng = new Rng(seed);
  return {
    xt: rng.fillNormal(new Float32Array(rows * dim)),
    t: rng.fillUniform(new Float32Array(rows)),
    target: rng.fillNormal(new Float32Array(rows * dim)),
    weight: Float32Array.from({ length: rows }, () => 0.2 + rng.uniform()),
  };
}

/** The same arrays in float64 (the reference's inputs). */
export const to64 = <T extends Record<string, Float32Array>>(b: T) =>
  Object.fromEntries(Object.entries(b).map(([k, v]) => [k, Float64Array.from(v)])) as {
    [K in keyof T]: Float64Array;
  };

/** Float32 zeros of each tensor's shape (Adam's first moments). */
export const zerosLike = (ts: readonly HostTensor[]): HostTensor[] =>
  ts.map((t) => ({ shape: [...t.shape], data: new Float32Array(t.data.length) }));

/** max |a − b| / max |b| over all tensors. */
export function relativeError(got: readonly HostTensor[], want: readonly HostTensor[]): number {
  let err = 0;
  let scale = 0;
  got.forEach((g, i) => {
    const w = want[i]!;
    assert.deepEqual(g.shape, w.shape, `tensor ${i} has shape [${g.shape}], want [${w.shape}]`);
    for (let j = 0; j < w.data.length; j++) {
      err = Math.max(err, Math.abs(g.data[j]! - w.data[j]!));
      scale = Math.max(scale, Math.abs(w.data[j]!));
    }
  });
  return err / scale;
}
