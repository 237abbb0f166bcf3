/**
 * The `Schedule` interface: an affine Gaussian path x_t = α(t)·data + σ(t)·noise in canonical time
 * (t = 0 noise, t = 1 data), with its log-SNR, the exact inverse of the log-SNR, a safe range and
 * the forward noising SDE it implies.
 */
import { type LogSnr, type Time, type TrainStep, checkTime } from "../time.js";
import { solveIncreasing } from "../math/scalar.js";

/** α, σ and their canonical-time derivatives at time t (x_t = α·data + σ·noise). */
export interface NoiseLevel {
  readonly t: number;
  readonly alpha: number;
  readonly sigma: number;
  /** dα/dt (canonical time). */
  readonly dAlpha: number;
  /** dσ/dt (canonical time). */
  readonly dSigma: number;
}

/** JSON description of a schedule, enough to rebuild it with `scheduleFromSpec`. */
export type ScheduleSpec =
  | { readonly family: "linear"; readonly sigmaMin: number }
  | { readonly family: "cosine" }
  | { readonly family: "polynomial"; readonly n: number }
  | { readonly family: "linearVp" }
  | { readonly family: "vp"; readonly betaMin: number; readonly betaMax: number }
  | { readonly family: "subVp"; readonly betaMin: number; readonly betaMax: number }
  | { readonly family: "ve"; readonly sigmaMin: number; readonly sigmaMax: number }
  | { readonly family: "edm"; readonly sigmaMin: number; readonly sigmaMax: number; readonly rho: number }
  | { readonly family: "discrete"; readonly alphasCumprod: readonly number[]; readonly description: string }
  | {
      readonly family: "shifted";
      readonly base: ScheduleSpec;
      readonly shift: number;
      readonly exponent: number;
    }
  | { readonly family: "custom"; readonly name: string };

/** The forward noising SDE in diffusion time s = 1 − t: dx = f·x ds + g dW_s. */
export interface ForwardSde {
  /** f = d log α / ds. */
  readonly f: number;
  /** g² = dσ²/ds − 2 f σ². */
  readonly g2: number;
}

/**
 * The entries of a discrete (DDPM) training table: k ∈ {0, …, N − 1}, larger = noisier, at canonical
 * time t = 1 − (k + 1)/N (`trainStepToTime`); the data end is k = −1.
 */
export interface TrainSteps {
  /** N, the number of table entries. */
  readonly count: number;
  /** ᾱ_k = Π_{j≤k} (1 − β_j), k = 0 … N − 1. */
  readonly alphasCumprod: Float64Array;
  /** β_k. */
  readonly betas: Float64Array;
  /** Canonical time of (fractional) entry k ∈ [−1, N − 1]: t = 1 − (k + 1)/N. */
  timeOf(k: TrainStep): Time;
  /** The (fractional) entry at canonical time t: k = (1 − t)·N − 1 ∈ [−1, N − 1]. */
  stepOf(t: Time): TrainStep;
}

/** An affine noise schedule (see file header). Every method takes canonical time. */
export interface Schedule {
  readonly name: string;
  readonly spec: ScheduleSpec;
  /**
   * Smallest t at which every conversion between kinds is finite and well conditioned: 0 when
   * λ(0) ≥ −SAFE_LOG_SNR, else the t with λ = −SAFE_LOG_SNR.
   */
  readonly tMin: number;
  /** Largest such t: 1 when λ(1) ≤ SAFE_LOG_SNR, else the t with λ = +SAFE_LOG_SNR. */
  readonly tMax: number;
  /** α, σ, dα/dt, dσ/dt at t ∈ [0, 1]. */
  at(t: Time): NoiseLevel;
  /** λ(t) = log(α²/σ²), increasing in t; ±∞ where σ or α vanish. */
  logSnr(t: Time): LogSnr;
  /** The t with λ(t) = λ (exact inverse of `logSnr`: closed form, or a safeguarded solver to 1e-14). */
  timeAtLogSnr(lambda: LogSnr): Time;
  /** The forward noising SDE at canonical time t (diffusion time s = 1 − t). */
  sde(t: Time): ForwardSde;
  /** The discrete training table behind the schedule (discreteSchedule), when there is one. */
  readonly trainSteps?: TrainSteps;
}

/**
 * Largest |λ| inside [tMin, tMax]. A round trip between kinds loses about e^{|λ|/2} ulps, so |λ| ≤ 13
 * keeps Float64 round trips below 1e-12 (measured: 2.5e-13 at λ = 13), and the common ranges fit
 * (EDM σ ∈ [0.002, 80] is λ ∈ [−8.8, 12.4]; VP λ(0) = −10).
 */
export const SAFE_LOG_SNR = 13;

/** Ingredients for `defineSchedule`; unspecified methods get generic implementations. */
export interface ScheduleParts {
  readonly name: string;
  readonly spec: ScheduleSpec;
  /** α, σ, α', σ' at a validated t. */
  readonly level: (t: number) => NoiseLevel;
  /** λ(t) if a more accurate form than 2·log(α/σ) exists. */
  readonly logSnr?: (t: number) => number;
  /** Closed-form inverse of λ; must return a t ∈ [0, 1] or throw. */
  readonly timeAtLogSnr?: (lambda: number) => number;
  /** The forward SDE at a validated t when `levelSde`'s generic form is 0·∞ somewhere (VP at t = 1). */
  readonly sde?: (t: number) => ForwardSde;
}

/**
 * λ = 2·(log α − log σ) from a level (±∞ at the ends).
 */
export function levelLogSnr(level: NoiseLevel): LogSnr {
  return (2 * (Math.log(level.alpha) - Math.log(level.sigma))) as LogSnr;
}

/**
 * dλ/dt = 2·(α'/α − σ'/σ).
 */
export function levelDLogSnr(level: NoiseLevel): number {
  return 2 * (level.dAlpha / level.alpha - level.dSigma / level.sigma);
}

/**
 * Forward SDE from a level, in diffusion time s = 1 − t (so d/ds = −d/dt):
 * f = d log α/ds = −α'/α, g² = dσ²/ds − 2fσ² = −2σσ' + 2(α'/α)σ².
 * Singular at α = 0: throws a RangeError there.
 */
export function levelSde(level: NoiseLevel, fn = "sde"): ForwardSde {
  const { alpha, sigma, dAlpha, dSigma, t } = level;
  if (alpha === 0) {
    throw new RangeError(
      `${fn}: α = 0 at t = ${t}; the forward SDE drift f = −α'/α is infinite there — use t ≥ tMin`,
    );
  }
  const f = -dAlpha / alpha;
  const g2 = -2 * sigma * dSigma + 2 * (dAlpha / alpha) * sigma * sigma;
  return { f, g2 };
}

/**
 * Builds a `Schedule` from a level function, validating t on every call and filling in the log-SNR,
 * its inverse (safeguarded Newton–bisection on the monotone λ(t), to 1e-14 in t), the safe range
 * [tMin, tMax] and the forward SDE.
 */
export function defineSchedule(parts: ScheduleParts): Schedule {
  const { name, spec, level } = parts;
  const at = (t: number): NoiseLevel => level(checkTime(t, `${name}.at`));
  const lambdaRaw = parts.logSnr ?? ((t: number) => levelLogSnr(level(t)));
  const logSnr = (t: number): LogSnr => lambdaRaw(checkTime(t, `${name}.logSnr`)) as LogSnr;
  const lambda0 = lambdaRaw(0);
  const lambda1 = lambdaRaw(1);
  const solve = (lambda: LogSnr): Time => {
    if (Number.isNaN(lambda)) throw new RangeError(`${name}.timeAtLogSnr: λ is NaN`);
    if (lambda <= lambda0) {
      if (lambda === lambda0) return 0;
      throw new RangeError(
        `${name}.timeAtLogSnr: λ = ${lambda} is below λ(0) = ${lambda0}; this schedule never gets that noisy`,
      );
    }
    if (lambda >= lambda1) {
      if (lambda === lambda1) return 1;
      throw new RangeError(
        `${name}.timeAtLogSnr: λ = ${lambda} is above λ(1) = ${lambda1}; this schedule never gets that clean`,
      );
    }
    if (parts.timeAtLogSnr) return parts.timeAtLogSnr(lambda);
    return solveIncreasing(
      (t) => {
        const l = level(t);
        return [lambdaRaw(t), levelDLogSnr(l)];
      },
      lambda,
      0,
      1,
    );
  };
  const tMin = lambda0 >= -SAFE_LOG_SNR ? 0 : solve(-SAFE_LOG_SNR as LogSnr);
  const tMax = lambda1 <= SAFE_LOG_SNR ? 1 : solve(SAFE_LOG_SNR as LogSnr);
  return {
    name,
    spec,
    tMin,
    tMax,
    at,
    logSnr,
    timeAtLogSnr: solve,
    sde: parts.sde
      ? (t: number) => parts.sde!(checkTime(t, `${name}.sde`))
      : (t: number) => levelSde(at(t), `${name}.sde`),
  };
}
