/**
 * The `GaussianPath` interface: a family of Gaussians pₜ(x | data) = N(A(t)·data + b(t), Σ(t)) from a
 * prior at t = 0 (noise) to the data at t = 1, viewed through every kind of the hub. The affine path
 * (a Schedule) and the bridge path (a linear SDE with a prior and evidence) both implement it, so
 * samplers, losses, the oracle and the likelihood accept either.
 */
import type { FloatArray } from "../array.js";
import type { ConvertOptions, Kind } from "../convert/kernel.js";
import type { Mat } from "../math/matrix.js";
import type { NoiseLevel } from "../schedule/schedule.js";
import type { Time } from "../time.js";
import type { PathSpec } from "./spec.js";

/** xₜ | data ~ N(A·data + b, Σ) at one time (b = null means 0). */
export interface ConditionalGaussian {
  readonly A: Mat;
  readonly b: Float64Array | null;
  readonly cov: Mat;
}

/** Every training target at once for a batch (what a regression on any kind needs). */
export interface Targets<A extends FloatArray> {
  readonly xt: A;
  readonly data: A;
  readonly noise: A;
  readonly score: A;
  readonly velocity: A;
  readonly v: A;
  /** Present when `g2` was given. */
  readonly drift?: A;
}

/** A path at one time t. */
export interface PathSlice {
  readonly t: number;
  /** α, σ, α', σ' for affine paths; undefined for bridge paths (matrix-valued). */
  readonly level: NoiseLevel | undefined;
  /** The conditional xₜ | data. */
  readonly conditional: ConditionalGaussian;
  /** Converts a prediction between kinds at this time: `(value, from, to, xt)`. */
  convert<A extends FloatArray>(value: A, from: Kind, to: Kind, xt: A, options?: ConvertOptions<A>): A;
  /** xₜ from data and standard-normal noise (noise has the data's shape). */
  sample<A extends FloatArray>(data: A, noise: A, out?: A): A;
  /** xₜ and every kind's exact target for (data, noise). */
  targets<A extends FloatArray>(data: A, noise: A, options?: { g2?: number }): Targets<A>;
}

/** The distribution at the noise end t = 0 that generation starts from. */
export interface Prior {
  /** Dimension if fixed by the path (bridge), undefined if any. */
  readonly dim: number | undefined;
  /** A prior sample x at t = 0 from standard-normal noise (length batch·dim). */
  sample<A extends FloatArray>(noise: A, dim: number, out?: A): A;
  /** log density of each row. */
  logProb(x: FloatArray, dim: number): Float64Array;
}

/** A Gaussian probability path in canonical time (t = 0 noise/prior, t = 1 data). */
export interface GaussianPath {
  readonly kind: "affine" | "bridge";
  readonly name: string;
  /** Dimension if fixed (bridge), undefined if any (affine). */
  readonly dim: number | undefined;
  /** Smallest t at which every conversion is finite. */
  readonly tMin: number;
  /** Largest such t. */
  readonly tMax: number;
  slice(t: Time): PathSlice;
  /** The prior at t = 0 (what generation samples first). */
  readonly prior: Prior;
  /** JSON description (checkpoints): `pathFromSpec(path.spec)` rebuilds the path. */
  readonly spec: PathSpec;
}
