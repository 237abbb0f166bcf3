/**
 * The model contract used by samplers, losses and the likelihood: a network (or the exact oracle)
 * that predicts one kind on one path. `predict(xt, t, shape)` returns the prediction for a batch at
 * canonical time t, synchronously or as a promise.
 */
import type { FloatArray, Shape } from "./array.js";
import type { Kind } from "./convert/kernel.js";
import type { GaussianPath } from "./path/path.js";

/** Any model; `drift` models also state their g²(t). */
export type Model = {
  readonly path: GaussianPath;
  predict(xt: Float64Array, t: number, shape: Shape): FloatArray | Promise<FloatArray>;
} & (
  | { readonly kind: Exclude<Kind, "drift"> }
  | { readonly kind: "drift"; readonly g2: (t: number) => number }
);

/** Calls `model.predict`, checks the result's length, and widens it to Float64Array. */
export async function predict(
  model: Model,
  xt: Float64Array,
  t: number,
  shape: Shape,
): Promise<Float64Array> {
  const out = await model.predict(xt, t, shape);
  if (!(out instanceof Float64Array || out instanceof Float32Array) || out.length !== xt.length) {
    throw new RangeError(
      `predict: the ${model.kind} model returned ${out instanceof Float32Array || out instanceof Float64Array ? `length ${out.length}` : String(out)} for an input of length ${xt.length}`,
    );
  }
  return out instanceof Float64Array ? out : Float64Array.from(out);
}
