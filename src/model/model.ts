/**
 * The model contract used by samplers, losses and the likelihood: a network (or the exact oracle)
 * that predicts one kind on one path. `predict(xt, t, shape, cond)` returns the prediction for a batch
 * at canonical time t, synchronously or as a promise; `cond` carries per-row conditioning (class labels
 * or embeddings), which every sampler, the likelihood and every wrapper pass through untouched.
 */
import type { FloatArray, Shape } from "../array.js";
import type { Kind } from "../convert/kernel.js";
import type { GaussianPath } from "../path/path.js";

/**
 * Per-row conditioning of a model call. `labels[i]` is row i's class (an integer ≥ 0) or −1 for "no
 * label" (the unconditional branch of classifier-free guidance); `embedding` holds `embedding.length /
 * batch` numbers per row (any per-row shape, flattened row-major). Either, both or neither may be set.
 */
export interface Conditioning {
  readonly labels?: Int32Array;
  readonly embedding?: Float32Array | Float64Array;
}

/** Any model; `drift` models also state their g²(t). */
export type Model = {
  readonly path: GaussianPath;
  predict(xt: Float64Array, t: number, shape: Shape, cond?: Conditioning): FloatArray | Promise<FloatArray>;
  /**
   * The precision its predictions carry, when the array type does not say it (default: that of the
   * array `predict` returns). A float32 network behind float64 arithmetic (a preconditioning, a
   * retiming, guidance) returns float64 arrays of float32 accuracy and says "float32"; the likelihood's
   * finite differences choose their scheme and step by it. Wrappers pass it on.
   */
  readonly precision?: "float32" | "float64";
} & (
  | { readonly kind: Exclude<Kind, "drift"> }
  | { readonly kind: "drift"; readonly g2: (t: number) => number }
);

/** Unconditional labels (−1) for `batch` rows. */
export function unconditional(batch: number): Conditioning {
  return { labels: new Int32Array(batch).fill(-1) };
}

/**
 * Throws a TypeError/RangeError naming `fn` unless `cond` is undefined or conditioning for `batch` rows:
 * integer labels ≥ −1 (one per row) and an embedding whose length is a multiple of `batch` with finite
 * entries. Returns the number of embedding values per row (0 without an embedding).
 */
export function checkConditioning(fn: string, cond: Conditioning | undefined, batch: number): number {
  if (cond === undefined) return 0;
  if (cond === null || typeof cond !== "object") {
    throw new TypeError(
      `${fn}: cond must be { labels?: Int32Array, embedding?: Float32Array | Float64Array }`,
    );
  }
  const { labels, embedding } = cond;
  if (labels !== undefined) {
    if (!(labels instanceof Int32Array)) throw new TypeError(`${fn}: cond.labels must be an Int32Array`);
    if (labels.length !== batch) {
      throw new RangeError(
        `${fn}: cond.labels has ${labels.length} entries for a batch of ${batch}; give one per row`,
      );
    }
    for (let i = 0; i < batch; i++) {
      if (labels[i]! < -1)
        throw new RangeError(`${fn}: cond.labels[${i}] = ${labels[i]}; labels are ≥ 0, or −1 for none`);
    }
  }
  if (embedding === undefined) return 0;
  if (!(embedding instanceof Float32Array || embedding instanceof Float64Array)) {
    throw new TypeError(`${fn}: cond.embedding must be a Float32Array or Float64Array`);
  }
  if (batch === 0 ? embedding.length !== 0 : embedding.length % batch !== 0) {
    throw new RangeError(
      `${fn}: cond.embedding has length ${embedding.length}, not a multiple of the batch (${batch}); give the same number of values per row`,
    );
  }
  for (let i = 0; i < embedding.length; i++) {
    if (!Number.isFinite(embedding[i]!))
      throw new RangeError(`${fn}: cond.embedding[${i}] is ${embedding[i]}; it must be finite`);
  }
  return batch === 0 ? 0 : embedding.length / batch;
}

/** Rows [start, start + count) of `cond` for a batch of `batch` rows (undefined stays undefined). */
export function conditioningRows(
  cond: Conditioning | undefined,
  batch: number,
  start: number,
  count: number,
): Conditioning | undefined {
  if (cond === undefined) return undefined;
  const out: { labels?: Int32Array; embedding?: Float32Array | Float64Array } = {};
  if (cond.labels !== undefined) out.labels = cond.labels.slice(start, start + count);
  if (cond.embedding !== undefined) {
    const width = cond.embedding.length / batch;
    out.embedding = cond.embedding.slice(start * width, (start + count) * width);
  }
  return out;
}

/**
 * Calls `model.predict` (passing `cond` only when given, so models written before conditioning keep
 * working), checks the result's length, and widens it to Float64Array.
 */
export async function predict(
  model: Model,
  xt: Float64Array,
  t: number,
  shape: Shape,
  cond?: Conditioning,
): Promise<Float64Array> {
  const out = await (cond === undefined ? model.predict(xt, t, shape) : model.predict(xt, t, shape, cond));
  if (!(out instanceof Float64Array || out instanceof Float32Array) || out.length !== xt.length) {
    throw new RangeError(
      `predict: the ${model.kind} model returned ${out instanceof Float32Array || out instanceof Float64Array ? `length ${out.length}` : String(out)} for an input of length ${xt.length}`,
    );
  }
  return out instanceof Float64Array ? out : Float64Array.from(out);
}

/** The conditioning of `rows` (batch row indices, in that order) of a batch of `batch` rows (per-row solvers use it). */
export function pickConditioning(
  cond: Conditioning | undefined,
  batch: number,
  rows: Int32Array,
): Conditioning | undefined {
  if (cond === undefined) return undefined;
  const out: { labels?: Int32Array; embedding?: Float32Array | Float64Array } = {};
  if (cond.labels !== undefined) out.labels = Int32Array.from(rows, (r) => cond.labels![r]!);
  if (cond.embedding !== undefined) {
    const e = cond.embedding;
    const width = e.length / batch;
    const picked =
      e instanceof Float32Array
        ? new Float32Array(rows.length * width)
        : new Float64Array(rows.length * width);
    rows.forEach((r, i) => {
      picked.set(e.subarray(r * width, (r + 1) * width), i * width);
    });
    out.embedding = picked;
  }
  return out;
}

/**
 * The rows of `parts` one after another (labels and embeddings alike; a field is kept when every
 * part has it): the conditioning of a stacked model call.
 */
export function stackConditioning(parts: readonly Conditioning[]): Conditioning {
  const out: { labels?: Int32Array; embedding?: Float32Array | Float64Array } = {};
  if (parts.every((p) => p.labels !== undefined)) {
    const l = new Int32Array(parts.reduce((n, p) => n + p.labels!.length, 0));
    let o = 0;
    for (const p of parts) {
      l.set(p.labels!, o);
      o += p.labels!.length;
    }
    out.labels = l;
  }
  const first = parts[0]?.embedding;
  if (first !== undefined && parts.every((p) => p.embedding !== undefined)) {
    const e = new (first.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(
      parts.reduce((n, p) => n + p.embedding!.length, 0),
    );
    let o = 0;
    for (const p of parts) {
      e.set(p.embedding!, o);
      o += p.embedding!.length;
    }
    out.embedding = e;
  }
  return out;
}
