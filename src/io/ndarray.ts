/**
 * N-dimensional arrays as files hold them: a flat C-order (row-major) `Float32Array | Float64Array`
 * plus its `shape`. The first axis is the batch (design.md §1: batch-major). Browser-safe.
 */
import type { FloatArray } from "../array.js";

/** A flat C-order array and its shape; `data.length = ∏ shape` (1 for shape `[]`, a scalar). */
export interface NdArray<A extends FloatArray = FloatArray> {
  readonly data: A;
  readonly shape: readonly number[];
}

/**
 * Number of elements of a shape: ∏ₖ shape[k] (1 for `[]`).
 * Throws a RangeError naming `fn` when an entry is not a non-negative safe integer or the product
 * exceeds 2⁵³ − 1.
 */
export function shapeSize(fn: string, shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new RangeError(
        `${fn}: shape [${shape.join(", ")}] has entry ${d}; every entry must be a non-negative integer`,
      );
    }
    n *= d;
  }
  if (!Number.isSafeInteger(n))
    throw new RangeError(`${fn}: shape [${shape.join(", ")}] has more than 2^53 elements`);
  return n;
}

/**
 * Throws a RangeError naming `fn` unless `data.length = ∏ shape` — e.g. "writeNpy: data has 5 elements
 * but shape [2, 3] needs 6; pass the shape of the array".
 */
export function checkNdShape(fn: string, data: FloatArray, shape: readonly number[]): void {
  const n = shapeSize(fn, shape);
  if (data.length !== n) {
    throw new RangeError(
      `${fn}: data has ${data.length} elements but shape [${shape.join(", ")}] needs ${n}; pass the shape of the array`,
    );
  }
}

/**
 * The batch-major matrix view of a shape: rows = shape[0], cols = ∏ shape[1:] (a 1-D shape `[n]` is
 * n rows of 1 column; a scalar `[]` is 1×1). This is how an image stack [n, 28, 28] becomes n × 784.
 */
export function asMatrixShape(fn: string, shape: readonly number[]): { batch: number; dim: number } {
  if (shape.length === 0) return { batch: 1, dim: 1 };
  return { batch: shape[0]!, dim: shapeSize(fn, shape.slice(1)) };
}

/** Prefix for error messages: "readNpy: data.npy: " when a source (file name) is known, else "parseNpy: ". */
export function where(fn: string, source: string | undefined): string {
  return source === undefined ? `${fn}: ` : `${fn}: ${source}: `;
}
