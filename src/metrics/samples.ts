/**
 * Argument checks shared by the sample-set metrics: two flat batch-major sets of points in the same
 * dimension. Browser-safe.
 */
import { checkFinite, checkFloatArray, type FloatArray } from "../array.js";

/**
 * Checks `x` and `y` are non-empty finite sets of `dim`-vectors (length a multiple of `dim`) and
 * returns their sizes [n, m]. Errors name `fn`, the argument and the fix: "slicedWasserstein: y has
 * length 7, not a multiple of dim = 2; pass points of the same dimension as x".
 */
export function checkSampleSets(
  fn: string,
  x: FloatArray,
  y: FloatArray,
  dim: number,
  minSize = 1,
): [number, number] {
  checkFloatArray(fn, "x", x);
  checkFloatArray(fn, "y", y);
  if (!Number.isInteger(dim) || dim < 1)
    throw new RangeError(`${fn}: dim must be a positive integer, got ${dim}`);
  const sizes: [number, number] = [0, 0];
  for (const [k, name, a] of [
    [0, "x", x],
    [1, "y", y],
  ] as const) {
    if (a.length % dim !== 0) {
      throw new RangeError(
        `${fn}: ${name} has length ${a.length}, not a multiple of dim = ${dim}; pass ${dim}-dimensional points, batch-major`,
      );
    }
    const size = a.length / dim;
    if (size < minSize) {
      throw new RangeError(
        `${fn}: ${name} has ${size} points; at least ${minSize} ${minSize === 1 ? "is" : "are"} needed`,
      );
    }
    checkFinite(fn, name, a);
    sizes[k] = size;
  }
  return sizes;
}
