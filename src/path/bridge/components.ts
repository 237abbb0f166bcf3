/**
 * `DiffusionModelComponents`: a linear SDE on [t0, t1], a Gaussian prior at t0 (the noise end) and
 * data y1 observed at t1 with evidence covariance R: y1 = x_{t1} + N(0, R) (R = 0 pins the path).
 * The bridge path is pₜ(x | y1) = ∫ p(xₜ = x | x_{t0}, y1)·p(x_{t0}) dx_{t0} (slice.ts).
 * Source: the linsdex diffusion-model API (seed 000), in canonical time (design.md §1).
 */
import { checkSymmetricPsd } from "../../math/dense.js";
import { type Gaussian, gaussianIn } from "../../math/gaussian.js";
import { type Mat, type MatLike, toMat } from "../../math/matrix.js";
import type { LinearSde } from "../../sde/sde.js";

/** Options of `DiffusionModelComponents` (the seed's names in camelCase). */
export interface DiffusionModelComponentsOptions {
  readonly linearSde: LinearSde;
  /** Noise/prior end. */
  readonly t0: number;
  /** Prior p(x_{t0}), made with `gaussian({ mean, cov })`. */
  readonly priorAtT0: Gaussian;
  /** Data end (t1 > t0). */
  readonly t1: number;
  /** Evidence covariance R (symmetric PSD; 0 allowed: exact pinning at t1). */
  readonly evidenceCov: MatLike;
}

/** The validated ingredients of a bridge path (file header). Immutable. */
export class DiffusionModelComponents {
  readonly linearSde: LinearSde;
  readonly t0: number;
  readonly t1: number;
  readonly priorAtT0: Gaussian;
  /** Prior mean m0 in the SDE's dimension. */
  readonly priorMean: Float64Array;
  /** Prior covariance P0. */
  readonly priorCov: Mat;
  /** Evidence covariance R. */
  readonly evidenceCov: Mat;
  /** State dimension d. */
  readonly dim: number;

  /**
   * Validates t0 < t1 (finite), the SDE, dimensions, and that P0 and R are symmetric PSD.
   * Errors name `DiffusionModelComponents`, the argument and the fix.
   */
  constructor(options: DiffusionModelComponentsOptions) {
    const fn = "DiffusionModelComponents";
    if (options === null || typeof options !== "object") {
      throw new TypeError(`${fn}: pass { linearSde, t0, priorAtT0, t1, evidenceCov }`);
    }
    const { linearSde, t0, t1, priorAtT0, evidenceCov } = options;
    if (linearSde === null || typeof linearSde !== "object" || typeof linearSde.transition !== "function") {
      throw new TypeError(`${fn}: linearSde must be a LinearSde (e.g. brownianMotion({ sigma, dim }))`);
    }
    if (
      typeof t0 !== "number" ||
      typeof t1 !== "number" ||
      !Number.isFinite(t0) ||
      !Number.isFinite(t1) ||
      !(t0 < t1)
    ) {
      throw new RangeError(
        `${fn}: need finite t0 < t1 (t0 = prior/noise end, t1 = data end), got t0 = ${t0}, t1 = ${t1}`,
      );
    }
    const dim = linearSde.dim;
    const { mean, cov } = gaussianIn(fn, "priorAtT0", priorAtT0, dim, "the SDE");
    checkSymmetricPsd(fn, "priorAtT0.cov", toMat(fn, "priorAtT0.cov", cov, dim), dim);
    if (evidenceCov === undefined)
      throw new TypeError(`${fn}: evidenceCov is required (pass 0 for exact pinning at t1)`);
    const R = toMat(fn, "evidenceCov", evidenceCov, dim);
    checkSymmetricPsd(fn, "evidenceCov", R, dim);
    this.linearSde = linearSde;
    this.t0 = t0;
    this.t1 = t1;
    this.priorAtT0 = priorAtT0;
    this.priorMean = mean;
    this.priorCov = cov;
    this.evidenceCov = R;
    this.dim = dim;
  }

  /** Throws a RangeError naming `fn` unless t ∈ [t0, t1]. */
  checkTime(fn: string, t: number): void {
    if (typeof t !== "number" || !(t >= this.t0 && t <= this.t1)) {
      throw new RangeError(
        `${fn}: t = ${t} is outside [t0, t1] = [${this.t0}, ${this.t1}]; pass a time in that interval`,
      );
    }
  }
}
