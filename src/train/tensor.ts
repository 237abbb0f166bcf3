/**
 * The tensor algebra that networks, losses and optimizers are written against, so each formula is
 * written once and runs on any engine: traced on the autodiff engine (engine.ts, for training) or on
 * plain typed arrays (`hostOps`, for a fast float32/float64 forward pass and for references in tests).
 *
 * Every operation *borrows* its tensor arguments (never consumes or mutates them) and returns a new
 * tensor. Broadcasting is the NumPy rule restricted to what the trainer needs: the second operand has
 * the first one's shape, a suffix of it (a bias row), or one element (a scalar tensor).
 */
import type { FloatArray } from "../array.js";
import { type NdArray, shapeSize } from "../io/ndarray.js";

/** Element type of a training run: float32 for training, float64 for gradient checks. */
export type DType = "float32" | "float64";

/** A host tensor: a flat row-major typed array and its shape (the io module's NdArray). */
export type HostTensor = NdArray;

/** The forward algebra (no gradients). `T` is the engine's tensor type. */
export interface TensorOps<T> {
  /** x·wᵀ for x of shape [n, k] and w of shape [m, k] (PyTorch's Linear layout) → [n, m]. */
  matmulT(x: T, w: T): T;
  /** a + b (b broadcast, or a number). */
  add(a: T, b: T | number): T;
  /** a − b (b broadcast, or a number). */
  sub(a: T, b: T | number): T;
  /** a · b (b broadcast, or a number). */
  mul(a: T, b: T | number): T;
  /** a / b (b broadcast, or a number). */
  div(a: T, b: T | number): T;
  /** min(a, b) elementwise (b broadcast, or a number). */
  minimum(a: T, b: T | number): T;
  /** max(a, b) elementwise (b broadcast, or a number). */
  maximum(a: T, b: T | number): T;
  /** eᵃ elementwise. */
  exp(a: T): T;
  /** tanh(a) elementwise. */
  tanh(a: T): T;
  /** √a elementwise. */
  sqrt(a: T): T;
  /** Σ over all elements (→ a scalar tensor, shape []) or over one axis (removed from the shape). */
  sum(a: T, axis?: number): T;
}

/** The algebra with reverse-mode differentiation (only an autodiff engine provides it). */
export interface DiffOps<T> extends TensorOps<T> {
  /** f(params) (a scalar tensor) and ∂f/∂params, one gradient per parameter, in order. */
  valueAndGrad(f: (params: readonly T[]) => T, params: readonly T[]): [value: T, grads: T[]];
  /**
   * The same for f(params) = [value, aux]: value, ∂value/∂params and the auxiliary tensors `aux`
   * from the same evaluation of f (one forward pass; aux is not differentiated — JAX's `has_aux`).
   */
  valueAndGradWithAux(
    f: (params: readonly T[]) => [value: T, aux: T[]],
    params: readonly T[],
  ): [value: T, grads: T[], aux: T[]];
}

/** A zero-filled host tensor of the given shape and dtype. */
export function zerosTensor(shape: readonly number[], dtype: DType): HostTensor {
  const n = shapeSize("zerosTensor", shape);
  return { shape: [...shape], data: dtype === "float32" ? new Float32Array(n) : new Float64Array(n) };
}

/** A deep copy (new typed arrays) of a list of host tensors. */
export function cloneTensors(tensors: readonly HostTensor[]): HostTensor[] {
  return tensors.map((t) => ({ shape: [...t.shape], data: t.data.slice() }));
}

function newArray(dtype: DType, n: number): FloatArray {
  return dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
}

/** Index map for the second operand: same shape, a suffix (period = its size), or a scalar. */
function broadcastPeriod(fn: string, a: HostTensor, b: HostTensor): number {
  const n = b.data.length;
  if (n === 1) return 1;
  const offset = a.shape.length - b.shape.length;
  const suffix = offset >= 0 && b.shape.every((s, i) => s === a.shape[offset + i]);
  if (!suffix) {
    throw new RangeError(
      `hostOps.${fn}: cannot broadcast shape [${b.shape.join(", ")}] onto [${a.shape.join(", ")}]; the second operand must match, be a suffix, or have one element`,
    );
  }
  return n;
}

function binary(fn: string, dtype: DType, op: (x: number, y: number) => number) {
  return (a: HostTensor, b: HostTensor | number): HostTensor => {
    const out = newArray(dtype, a.data.length);
    const x = a.data;
    if (typeof b === "number") {
      for (let i = 0; i < x.length; i++) out[i] = op(x[i]!, b);
    } else {
      const period = broadcastPeriod(fn, a, b);
      const y = b.data;
      for (let i = 0, j = 0; i < x.length; i++, j = j + 1 === period ? 0 : j + 1) out[i] = op(x[i]!, y[j]!);
    }
    return { shape: a.shape, data: out };
  };
}

function unary(dtype: DType, op: (x: number) => number) {
  return (a: HostTensor): HostTensor => {
    const out = newArray(dtype, a.data.length);
    const x = a.data;
    for (let i = 0; i < x.length; i++) out[i] = op(x[i]!);
    return { shape: a.shape, data: out };
  };
}

/**
 * x·wᵀ on typed arrays: out[i, j] = Σₖ x[i, k]·w[j, k], both operands read along contiguous rows,
 * accumulated in float64 and rounded once on store.
 */
export function matmulTInto(
  x: FloatArray,
  w: FloatArray,
  n: number,
  k: number,
  m: number,
  out: FloatArray,
): FloatArray {
  const k4 = k - (k % 4);
  for (let i = 0; i < n; i++) {
    const xo = i * k;
    for (let j = 0; j < m; j++) {
      const wo = j * k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let p = 0;
      for (; p < k4; p += 4) {
        s0 += x[xo + p]! * w[wo + p]!;
        s1 += x[xo + p + 1]! * w[wo + p + 1]!;
        s2 += x[xo + p + 2]! * w[wo + p + 2]!;
        s3 += x[xo + p + 3]! * w[wo + p + 3]!;
      }
      for (; p < k; p++) s0 += x[xo + p]! * w[wo + p]!;
      out[i * m + j] = s0 + s1 + (s2 + s3);
    }
  }
  return out;
}

/**
 * `TensorOps` on host typed arrays of one dtype. Results are rounded to `dtype` after every
 * operation (float32 storage, float64 arithmetic in between).
 */
export function hostOps(dtype: DType): TensorOps<HostTensor> {
  return {
    matmulT(x, w) {
      const [n, k] = x.shape as [number, number];
      const [m, kw] = w.shape as [number, number];
      if (x.shape.length !== 2 || w.shape.length !== 2 || k !== kw) {
        throw new RangeError(
          `hostOps.matmulT: x [${x.shape.join(", ")}] and w [${w.shape.join(", ")}] must be [n, k] and [m, k]`,
        );
      }
      return { shape: [n, m], data: matmulTInto(x.data, w.data, n, k, m, newArray(dtype, n * m)) };
    },
    add: binary("add", dtype, (x, y) => x + y),
    sub: binary("sub", dtype, (x, y) => x - y),
    mul: binary("mul", dtype, (x, y) => x * y),
    div: binary("div", dtype, (x, y) => x / y),
    minimum: binary("minimum", dtype, (x, y) => (x < y || Number.isNaN(x) ? x : y)),
    maximum: binary("maximum", dtype, (x, y) => (x > y || Number.isNaN(x) ? x : y)),
    exp: unary(dtype, Math.exp),
    tanh: unary(dtype, Math.tanh),
    sqrt: unary(dtype, Math.sqrt),
    sum(a, axis) {
      if (axis === undefined) {
        let s = 0;
        for (let i = 0; i < a.data.length; i++) s += a.data[i]!;
        const out = newArray(dtype, 1);
        out[0] = s;
        return { shape: [], data: out };
      }
      const ax = axis < 0 ? axis + a.shape.length : axis;
      if (!(ax >= 0 && ax < a.shape.length))
        throw new RangeError(`hostOps.sum: axis ${axis} is out of range for rank ${a.shape.length}`);
      const outer = shapeSize("hostOps.sum", a.shape.slice(0, ax));
      const len = a.shape[ax]!;
      const inner = shapeSize("hostOps.sum", a.shape.slice(ax + 1));
      const out = newArray(dtype, outer * inner);
      for (let o = 0; o < outer; o++) {
        for (let q = 0; q < inner; q++) {
          let s = 0;
          for (let r = 0; r < len; r++) s += a.data[(o * len + r) * inner + q]!;
          out[o * inner + q] = s;
        }
      }
      return { shape: [...a.shape.slice(0, ax), ...a.shape.slice(ax + 1)], data: out };
    },
  };
}
