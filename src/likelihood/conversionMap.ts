/**
 * A conversion between kinds at one path slice as matrices: value_to = P·value_from + Q·xₜ + c.
 * On an affine path P = p·I, Q = q·I, c = 0 with (p, q) from `conversionCoefficients`; on a bridge
 * path (P, Q, c) is the slice's affine conversion (path/bridge/affine.ts). The divergence of a
 * converted prediction follows: ∇ₓ·value_to = tr(P·J) + tr(Q), J = ∂value_from/∂xₜ.
 */
import { conversionCoefficients } from "../convert/convert.js";
import type { Kind } from "../convert/kernel.js";
import { type Mat, scalarMat } from "../math/matrix.js";
import type { AffineConversion } from "../path/bridge/affine.js";
import type { PathSlice } from "../path/path.js";

/** value_to = P·value_from + Q·xₜ + c (c = null means 0). */
export interface ConversionMap {
  readonly P: Mat;
  readonly Q: Mat;
  readonly c: Float64Array | null;
}

/**
 * The conversion `from` → `to` at `slice` as matrices (file header); `g2` is required when either
 * kind is `drift`. Throws the hub's RangeError where the conversion is singular.
 */
export function conversionMap(slice: PathSlice, from: Kind, to: Kind, g2?: number): ConversionMap {
  const options = g2 === undefined ? {} : { g2 };
  if (slice.level !== undefined) {
    const [p, q] = conversionCoefficients(from, to, slice.level, options);
    return { P: scalarMat(p), Q: scalarMat(q), c: null };
  }
  const bridge = slice as PathSlice & {
    conversion?: (from: Kind, to: Kind, g2?: number) => AffineConversion;
  };
  if (typeof bridge.conversion !== "function") {
    throw new TypeError(
      `conversionMap: the slice at t = ${slice.t} has neither a NoiseLevel nor a conversion(from, to, g2) method; pass an affine or bridge path`,
    );
  }
  const { P, Q, c } = bridge.conversion(from, to, g2);
  return { P, Q, c };
}
