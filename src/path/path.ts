/**
 * The `GaussianPath` contract: a family of Gaussians pₜ(x | data) = N(A(t)·data + b(t), Σ(t)) from a
 * prior at t = 0 (noise) to the data at t = 1, viewed through every kind of the hub. The affine path
 * (a Schedule) and the bridge path (a linear SDE with a prior and evidence) both implement all of it,
 * so samplers, losses, the oracle and the likelihood never ask which kind of path they hold: they ask
 * the path (log-SNR and its inverse, slices, the forward diffusion, the data end) and its slices
 * (conversions as affine maps, the per-coordinate view, sampling and targets).
 */
import type { FloatArray } from "../array.js";
import type { ConvertOptions, Kind } from "../convert/kernel.js";
import type { Mat } from "../math/matrix.js";
import type { NoiseLevel, ScheduleSpec, TrainSteps } from "../schedule/schedule.js";
import type { SdeSpec } from "../sde/sde.js";
import type { LogSnr, Time } from "../time.js";

/** xₜ | data ~ N(A·data + b, Σ) at one time (b = null means 0). */
export interface ConditionalGaussian {
  readonly A: Mat;
  readonly b: Float64Array | null;
  readonly cov: Mat;
}

/**
 * A conversion between kinds at one slice as matrices: value_to = P·value_from + Q·xₜ + c (c = null
 * means 0). Scalars (P = p·I, Q = q·I) on an affine path; diagonal or dense on a bridge. The
 * divergence of a converted prediction follows: ∇ₓ·value_to = tr(P·J) + tr(Q), J = ∂value_from/∂xₜ.
 */
export interface ConversionMap {
  readonly P: Mat;
  readonly Q: Mat;
  readonly c: Float64Array | null;
}

/**
 * The per-coordinate view of a slice: xᵢ = αᵢ·dataᵢ + bᵢ + σᵢ·εᵢ. `size` is 1 when one (α, σ) serves
 * every coordinate (affine paths, isotropic bridges) or the dimension (diagonal bridges). Exponential
 * integrators (DDIM, DPM-Solver++, UniPC, ancestral steps) and σ̃-variable solvers work in this view.
 */
export interface CoordinateLevels {
  readonly t: number;
  readonly size: number;
  readonly alpha: Float64Array;
  readonly sigma: Float64Array;
  /** b (length dim), null when 0. */
  readonly offset: Float64Array | null;
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
  /**
   * The scalar level (α, σ, α', σ') when the slice is x = α·data + σ·ε with known derivatives — every
   * slice of an affine path; undefined on bridge slices (whose levels are matrices).
   */
  readonly level: NoiseLevel | undefined;
  /** The conditional xₜ | data. */
  readonly conditional: ConditionalGaussian;
  /** The per-coordinate view, or null when the conditional is dense (matrix-valued A or Σ). */
  coordinates(): CoordinateLevels | null;
  /**
   * The conversion from → to as an affine map (`g2` is required when either kind is `drift`); throws a
   * RangeError naming the pair where it is singular.
   */
  conversion(from: Kind, to: Kind, g2?: number): ConversionMap;
  /** Converts a prediction between kinds at this time: `(value, from, to, xt)`. */
  convert<A extends FloatArray>(value: A, from: Kind, to: Kind, xt: A, options?: ConvertOptions<A>): A;
  /** xₜ from data and standard-normal noise (noise has the data's shape). */
  sample<A extends FloatArray>(data: A, noise: A, out?: A): A;
  /** The exact target of one kind for (data, noise) (`g2` for drift; `out` has the data's shape). */
  target<A extends FloatArray>(kind: Kind, data: A, noise: A, options?: { g2?: number; out?: A }): A;
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

/** JSON description of a path (`path.spec`; `pathFromSpec(path.spec)` rebuilds it). */
export type PathSpec =
  | { readonly type: "affine"; readonly schedule: ScheduleSpec }
  | {
      readonly type: "bridge";
      readonly sde: SdeSpec;
      readonly t0: number;
      readonly t1: number;
      readonly priorMean: readonly number[];
      /** A variance (isotropic), variances (diagonal) or rows (dense), as `matToJson` writes them. */
      readonly priorCov: MatJson;
      readonly evidenceCov: MatJson;
    };

/** A matrix in JSON: number (c·I), number[] (diagonal) or number[][] (dense rows). */
export type MatJson = number | readonly number[] | readonly (readonly number[])[];

/** A Gaussian probability path in canonical time (t = 0 noise/prior, t = 1 data). */
export interface GaussianPath {
  readonly name: string;
  /** Dimension if fixed (bridge), undefined if any (affine). */
  readonly dim: number | undefined;
  /** Smallest t at which every conversion is finite. */
  readonly tMin: number;
  /** Largest such t. */
  readonly tMax: number;
  slice(t: Time): PathSlice;
  /** The slices at `times` (in order); a bridge computes them all from at most two ODE solves. */
  slices(times: ArrayLike<number>): PathSlice[];
  /**
   * λ(t) = log(α²/σ²), increasing in t (±∞ where σ or α vanish); on a bridge with a per-coordinate
   * view, the mean λ̄ over coordinates. Throws a TypeError on a dense bridge, which has no scalar λ.
   */
  logSnr(t: Time): LogSnr;
  /** The t with logSnr(t) = λ (exact inverse on affine paths, bisection to 1e-13 on bridges). */
  timeAtLogSnr(lambda: LogSnr): Time;
  /**
   * g²(t) of the path's own forward diffusion as a matrix: g²·I on an affine path (the forward
   * noising SDE), Λ(t) = L(t)L(t)ᵀ on a bridge. The reverse-SDE samplers' default noise level.
   */
  g2(t: Time): Mat;
  /**
   * The data end, the slice with σ = 0 where generation ends: slice(1) when σ(1) = 0, or (α(1), σ = 0)
   * "beyond t = 1" on VE/EDM where σ(1) = σmin > 0 (k-diffusion's appended σ = 0). Undefined when the
   * path never reaches σ = 0 (a bridge with evidence covariance R > 0).
   */
  readonly dataEnd: PathSlice | undefined;
  /** The discrete training table behind the path (diffusers' timesteps), when there is one. */
  readonly trainSteps: TrainSteps | undefined;
  /** The distribution at t = 0 (what generation samples first). */
  readonly prior: Prior;
  /** JSON description (checkpoints): `pathFromSpec(path.spec)` rebuilds the path. */
  readonly spec: PathSpec;
}

/** Whether the slice's conditional has zero covariance (the data end). */
export function isDataEnd(slice: PathSlice): boolean {
  const { cov } = slice.conditional;
  return cov.kind === "scalar" ? cov.value === 0 : cov.values.every((v) => v === 0);
}

/** λ̄ = mean over coordinates of λᵢ = 2·log(αᵢ/σᵢ) (±∞ where σ or α vanish). */
export function meanLogSnr(levels: CoordinateLevels): LogSnr {
  let s = 0;
  for (let c = 0; c < levels.size; c++) s += 2 * (Math.log(levels.alpha[c]!) - Math.log(levels.sigma[c]!));
  return (s / levels.size) as LogSnr;
}
