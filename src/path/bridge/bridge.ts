/**
 * `Bridge`: the ingredients of a bridge path — a linear SDE on [t0, t1], a Gaussian prior at t0 (the
 * noise end) and data observed at t1 with evidence covariance R: data = x_{t1} + N(0, R) (R = 0 pins
 * the path). The bridge path is pₜ(x | data) = ∫ p(xₜ = x | x_{t0}, data)·p(x_{t0}) dx_{t0}
 * (slice.ts). `bridgePath` needs canonical time, t0 = 0 and t1 = 1 (the defaults).
 */
import { checkSymmetricPsd } from "../../math/dense.js";
import { type Gaussian, gaussianIn } from "../../math/gaussian.js";
import { type Mat, type MatLike, toMat } from "../../math/matrix.js";
import type { LinearSde } from "../../sde/sde.js";

/** Options of `Bridge`. */
export interface BridgeOptions {
  /** The linear SDE dx = (F x + u) dt + L dW. */
  readonly sde: LinearSde;
  /** The prior N(m0, P0) at t0, made with `gaussian({ mean, cov })`. */
  readonly prior: Gaussian;
  /** Evidence covariance R (symmetric PSD; 0 allowed: exact pinning at t1). */
  readonly evidenceCov: MatLike;
  /** The noise/prior end (default 0). */
  readonly t0?: number;
  /** The data end, t1 > t0 (default 1). */
  readonly t1?: number;
}

/** The validated ingredients of a bridge path (file header). Immutable. */
export class Bridge {
  readonly sde: LinearSde;
  readonly t0: number;
  readonly t1: number;
  readonly prior: Gaussian;
  /** Prior mean m0 in the SDE's dimension. */
  readonly priorMean: Float64Array;
  /** Prior covariance P0. */
  readonly priorCov: Mat;
  /** Evidence covariance R. */
  readonly evidenceCov: Mat;
  /** State dimension d. */
  readonly dim: number;

  /**
   * Validates t0 < t1 (finite), the SDE, dimensions, and that P0 and R are symmetric PSD. Errors name
   * `fn` (default "Bridge"), the argument (`names` maps core names to the caller's) and the fix.
   */
  constructor(
    options: BridgeOptions,
    fn = "Bridge",
    names: { readonly sde: string; readonly prior: string } = { sde: "sde", prior: "prior" },
  ) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(`${fn}: pass { ${names.sde}, ${names.prior}, evidenceCov }`);
    }
    const { sde, prior, evidenceCov } = options;
    const t0 = options.t0 ?? 0;
    const t1 = options.t1 ?? 1;
    if (sde === null || typeof sde !== "object" || typeof sde.transition !== "function") {
      throw new TypeError(`${fn}: ${names.sde} must be a LinearSde (e.g. brownianMotion({ sigma, dim }))`);
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
    const dim = sde.dim;
    const { mean, cov } = gaussianIn(fn, names.prior, prior, dim, "the SDE");
    checkSymmetricPsd(fn, `${names.prior}.cov`, toMat(fn, `${names.prior}.cov`, cov, dim), dim);
    if (evidenceCov === undefined)
      throw new TypeError(`${fn}: evidenceCov is required (pass 0 for exact pinning at t1)`);
    const R = toMat(fn, "evidenceCov", evidenceCov, dim);
    checkSymmetricPsd(fn, "evidenceCov", R, dim);
    this.sde = sde;
    this.t0 = t0;
    this.t1 = t1;
    this.prior = prior;
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
