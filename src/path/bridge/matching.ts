/**
 * `sampleMatchingItems(slice, y1, epsilon)`: the regression-target generator. For a batch of data y1
 * and standard-normal ε it draws xₜ = A_p·y1 + b_p + Σ_p^{1/2}·ε (symmetric square root) and returns
 * every target at (xₜ, y1) — each from its affine map q = G·xₜ + H·y1 + k (slice.ts).
 */
import { type FloatArray, checkFloatArray, checkSameLength, like } from "../../array.js";
import { applyAffine } from "./affine.js";
import type { BridgeKind, ProbabilityPathSlice } from "./slice.js";

/** xₜ and every bridge target for one batch (same array type as y1). */
export interface MatchingItems<A extends FloatArray> {
  readonly t: number;
  readonly xt: A;
  readonly y1: A;
  readonly epsilon: A;
  readonly score: A;
  readonly flow: A;
  /** Absent where the drift is undefined (t = t1 with R = 0). */
  readonly drift?: A;
}

/** xₜ ~ pₜ(· | y1) from ε, and the targets (file header). */
export function sampleMatchingItems<A extends FloatArray>(
  slice: ProbabilityPathSlice,
  y1: A,
  epsilon: A,
): MatchingItems<A> {
  const fn = "sampleMatchingItems";
  checkFloatArray(fn, "y1", y1);
  checkFloatArray(fn, "epsilon", epsilon);
  checkSameLength(fn, "y1", y1, "epsilon", epsilon);
  if (epsilon.constructor !== y1.constructor)
    throw new TypeError(`${fn}: y1 and epsilon must have the same array type`);
  const d = slice.dim;
  const { A, b } = slice.y1ToMarginalMean;
  const xt = applyAffine(fn, A, y1, "y1", slice.marginalCovSqrt, epsilon, "epsilon", b, d, like(y1));
  const target = (kind: BridgeKind): A => {
    const { G, H, k } = slice.affine(kind);
    return applyAffine(fn, G, xt, "xt", H, y1, "y1", k, d);
  };
  let drift: A | undefined;
  try {
    drift = target("drift");
  } catch (e) {
    // Only the pinned end (W = Σ_{t1|t} + R singular) leaves the drift undefined.
    if (!(e instanceof RangeError)) throw e;
    drift = undefined;
  }
  return {
    t: slice.t,
    xt,
    y1,
    epsilon,
    score: target("score"),
    flow: target("flow"),
    ...(drift === undefined ? {} : { drift }),
  };
}
