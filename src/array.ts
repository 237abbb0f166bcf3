/**
 * Flat batch-major arrays (design.md §1): `Float32Array | Float64Array` of length batch × dim.
 * A function returns the type it was given; hot kernels accept an optional `out`.
 */

/** A flat float array, batch-major (batch × dim). */
export type FloatArray = Float32Array | Float64Array;

/** Batch shape of a flat array: `batch` rows of `dim` numbers. */
export interface Shape {
  readonly batch: number;
  readonly dim: number;
}

/** A new zeroed array of the same element type as `a`, of length `n`. */
export function like<A extends FloatArray>(a: A, n: number = a.length): A {
  return (a instanceof Float32Array ? new Float32Array(n) : new Float64Array(n)) as A;
}

/** Throws a TypeError naming `fn` and `name` unless `a` is a Float32Array or Float64Array. */
export function checkFloatArray(fn: string, name: string, a: unknown): asserts a is FloatArray {
  if (!(a instanceof Float32Array || a instanceof Float64Array)) {
    const got = a === null ? "null" : typeof a === "object" ? (a as object).constructor.name : typeof a;
    throw new TypeError(`${fn}: ${name} must be a Float32Array or Float64Array, got ${got}`);
  }
}

/** Throws a RangeError unless `b` has the same length as `a`. */
export function checkSameLength(
  fn: string,
  aName: string,
  a: FloatArray,
  bName: string,
  b: FloatArray,
): void {
  if (a.length !== b.length) {
    throw new RangeError(
      `${fn}: ${bName} has length ${b.length} but ${aName} has length ${a.length}; they must match`,
    );
  }
}

/**
 * Returns `out` after checking it fits `a` (same element type and length), or a fresh array like `a`.
 */
export function outFor<A extends FloatArray>(fn: string, a: A, out: A | undefined): A {
  if (out === undefined) return like(a);
  checkFloatArray(fn, "out", out);
  if (out.constructor !== a.constructor) {
    throw new TypeError(`${fn}: out is a ${out.constructor.name} but the input is a ${a.constructor.name}`);
  }
  checkSameLength(fn, "the input", a, "out", out);
  return out;
}

/** Validates a batch shape against an array length. */
export function checkShape(fn: string, name: string, a: FloatArray, shape: Shape): void {
  const { batch, dim } = shape;
  if (!Number.isInteger(batch) || batch < 0 || !Number.isInteger(dim) || dim < 1) {
    throw new RangeError(`${fn}: shape must have integer batch ≥ 0 and dim ≥ 1, got ${batch}×${dim}`);
  }
  if (a.length !== batch * dim) {
    throw new RangeError(
      `${fn}: ${name} has length ${a.length}, expected batch × dim = ${batch}×${dim} = ${batch * dim}`,
    );
  }
}

/** Throws a RangeError naming the first non-finite entry of `a`. */
export function checkFinite(fn: string, name: string, a: FloatArray): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!))
      throw new RangeError(`${fn}: ${name}[${i}] is ${a[i]}; every entry must be finite`);
  }
}

/**
 * Largest single array difflux allocates from a caller's sizes: 2³¹ bytes (2 GiB, 2²⁸ float64
 * values). A batch, a dimension, a shape or a sample count whose array would be larger is refused
 * with a RangeError naming the argument before anything is allocated (`checkAllocation`).
 */
export const MAX_ALLOCATION_BYTES = 2 ** 31;

/**
 * Most steps of a sampling grid: 100 000. A grid holds one path slice per node (about 600 bytes on an
 * affine path, more on a bridge), so 10⁷ steps would take gigabytes; no solver needs that many.
 */
export const MAX_GRID_STEPS = 100_000;

/**
 * `value` after checking it is an integer in [min, max]; throws a RangeError naming `fn` and `name`
 * otherwise, e.g. "uniformTimeGrid: steps = 10000000 is more than the limit of 100000; pass at most 100000".
 */
export function checkCount(
  fn: string,
  name: string,
  value: unknown,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new RangeError(`${fn}: ${name} must be an integer ≥ ${min}, got ${String(value)}`);
  }
  if (value > max)
    throw new RangeError(`${fn}: ${name} = ${value} is more than the limit of ${max}; pass at most ${max}`);
  return value;
}

/**
 * Throws a RangeError naming `fn` and `what` (the argument(s) that size the array, e.g. "batch × dim")
 * unless an array of `elements` values of `bytesPerElement` bytes fits `MAX_ALLOCATION_BYTES`; call it
 * before allocating, so an absurd size is a clear error instead of an out-of-memory abort.
 */
export function checkAllocation(fn: string, what: string, elements: number, bytesPerElement = 8): void {
  if (!(Number.isSafeInteger(elements) && elements >= 0)) {
    throw new RangeError(`${fn}: ${what} = ${elements} is not a non-negative integer number of values`);
  }
  const bytes = elements * bytesPerElement;
  if (bytes > MAX_ALLOCATION_BYTES) {
    throw new RangeError(
      `${fn}: ${what} = ${elements} would allocate ${(bytes / 2 ** 30).toFixed(1)} GiB, more than the ${MAX_ALLOCATION_BYTES / 2 ** 30} GiB difflux allocates at once; pass a smaller ${what}`,
    );
  }
}
