/**
 * The transport cost of minibatch couplings: squared Euclidean distances between rows.
 */
import { type FloatArray, checkFloatArray } from "../array.js";

/**
 * Cost matrix C (n × m, row-major Float64Array) with Cᵢⱼ = ‖aᵢ − bⱼ‖² for rows aᵢ of `a` (n × dim)
 * and bⱼ of `b` (m × dim). Computed as a direct sum of squared differences (no ‖a‖² + ‖b‖² − 2a·b
 * cancellation), so Cᵢᵢ = 0 exactly for equal rows. Source: the OT-CFM cost (Tong et al. 2023).
 */
export function squaredDistances(a: FloatArray, b: FloatArray, dim: number): Float64Array {
  const fn = "squaredDistances";
  checkFloatArray(fn, "a", a);
  checkFloatArray(fn, "b", b);
  if (!Number.isInteger(dim) || dim < 1)
    throw new RangeError(`${fn}: dim must be a positive integer, got ${dim}`);
  if (a.length % dim !== 0 || b.length % dim !== 0) {
    throw new RangeError(
      `${fn}: a (length ${a.length}) and b (length ${b.length}) must both be rows of dim = ${dim}; pass the data's dimension`,
    );
  }
  const n = a.length / dim;
  const m = b.length / dim;
  const cost = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const ai = i * dim;
    for (let j = 0; j < m; j++) {
      const bj = j * dim;
      let s = 0;
      for (let k = 0; k < dim; k++) {
        const d = a[ai + k]! - b[bj + k]!;
        s += d * d;
      }
      cost[i * m + j] = s;
    }
  }
  return cost;
}

/** Throws unless `cost` is a finite n × m matrix (length n·m). */
export function checkCost(fn: string, cost: Float64Array, n: number, m: number): void {
  if (!(cost instanceof Float64Array))
    throw new TypeError(`${fn}: cost must be a Float64Array (row-major n × m)`);
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(m) || m < 1) {
    throw new RangeError(`${fn}: n and m must be positive integers, got ${n} × ${m}`);
  }
  if (cost.length !== n * m) {
    throw new RangeError(`${fn}: cost has length ${cost.length}, expected n × m = ${n}×${m} = ${n * m}`);
  }
  for (let i = 0; i < cost.length; i++) {
    if (!Number.isFinite(cost[i]!)) {
      throw new RangeError(
        `${fn}: cost[${i}] = ${cost[i]} is not finite; every cost must be a finite number`,
      );
    }
  }
}
