/**
 * Stochastic interpolants (Albergo & Vanden-Eijnden 2023, "Stochastic interpolants: a unifying
 * framework for flows and diffusions"; Albergo, Boffi & Vanden-Eijnden 2023) in canonical time
 * (t = 0 noise, t = 1 data):
 *   xₜ = α(t)·data + β(t)·noise + γ(t)·z,   z ~ N(0, I) independent of the (data, noise) pair,
 * with α(0) = 0, α(1) = 1, β(0) = 1, β(1) = 0, γ ≥ 0, γ(0) = γ(1) = 0. The pair (data, noise) may be
 * coupled (exact OT, Sinkhorn); z never is. Regression targets (the minimizers are their conditional
 * expectations given xₜ):
 *   velocity  b = α'·data + β'·noise + γ'·z      (the drift of the probability-flow ODE),
 *   score     s = −z/γ                           (∇log pₜ = −γ⁻¹·E[z | xₜ], valid for any coupling, γ > 0),
 *   data      data                               (the denoiser E[data | xₜ]).
 * γ ≡ 0 is plain (rectified) flow matching: xₜ = α·data + β·noise, b = α'·data + β'·noise.
 * Under independent pairing with Gaussian noise, xₜ | data ~ N(α·data, (β² + γ²)·I): the affine path of
 * the schedule (α, σ = √(β² + γ²)) (`path`), and E[b | xₜ] is that path's velocity.
 */
import { type FloatArray, checkFloatArray, checkSameLength, outFor } from "../array.js";
import { type AffinePath, affinePath } from "../path/affine.js";
import { linearSchedule } from "../schedule/linear.js";
import { type NoiseLevel, defineSchedule } from "../schedule/schedule.js";
import { checkTime } from "../time.js";

/** α, β, γ and their canonical-time derivatives at t. */
export interface InterpolantCoefficients {
  readonly t: number;
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
  readonly dAlpha: number;
  readonly dBeta: number;
  readonly dGamma: number;
}

/** A coefficient function: t ↦ [value, d value/dt]. */
export type Coefficient = (t: number) => readonly [value: number, derivative: number];

/** JSON description of an interpolant. */
export type InterpolantSpec =
  | { readonly family: "linear"; readonly gammaScale: number }
  | { readonly family: "trigonometric"; readonly gammaScale: number }
  | { readonly family: "custom"; readonly name: string };

/** The interpolant targets a model can regress on (file header). */
export type InterpolantKind = "velocity" | "score" | "data";

/** A stochastic interpolant (file header). */
export interface StochasticInterpolant {
  readonly kind: "interpolant";
  readonly name: string;
  readonly spec: InterpolantSpec;
  /** "none": γ ≡ 0 (deterministic, no latent z is drawn); "gaussian": z ~ N(0, I) enters with γ(t). */
  readonly latent: "none" | "gaussian";
  /** Coefficients at t ∈ [0, 1]; throws on non-finite values or γ < 0. */
  at(t: number): InterpolantCoefficients;
  /** The effective affine path (α, σ = √(β² + γ²)): the law of xₜ given data under independent pairing. */
  readonly path: AffinePath;
}

/** Options of `stochasticInterpolant`. */
export interface StochasticInterpolantOptions {
  readonly name?: string;
  readonly alpha: Coefficient;
  readonly beta: Coefficient;
  /** Omit for γ ≡ 0 (deterministic interpolant). */
  readonly gamma?: Coefficient;
  /** Defaults to { family: "custom", name }. */
  readonly spec?: InterpolantSpec;
}

/**
 * A stochastic interpolant from coefficient functions (file header). The effective schedule has
 * σ = √(β² + γ²) and σ' = (ββ' + γγ')/σ (= β' exactly when γ ≡ 0). Singular points: σ' is undefined
 * where σ = 0 and γ ≢ 0 (typically t = 1, where √(t(1−t))-type γ has infinite slope).
 */
export function stochasticInterpolant(options: StochasticInterpolantOptions): StochasticInterpolant {
  const fn = "stochasticInterpolant";
  if (!options || typeof options.alpha !== "function" || typeof options.beta !== "function") {
    throw new TypeError(`${fn}: options.alpha and options.beta must be functions t ↦ [value, derivative]`);
  }
  if (options.gamma !== undefined && typeof options.gamma !== "function") {
    throw new TypeError(
      `${fn}: options.gamma must be a function t ↦ [value, derivative], or omitted for γ ≡ 0`,
    );
  }
  const name = options.name ?? "interpolant";
  const { alpha, beta, gamma } = options;
  const coefficients = (t: number): InterpolantCoefficients => {
    const [a, da] = alpha(t);
    const [b, db] = beta(t);
    const [g, dg] = gamma === undefined ? [0, 0] : gamma(t);
    if (![a, b, g].every(Number.isFinite)) {
      throw new RangeError(`${name}.at: α, β, γ at t = ${t} are ${a}, ${b}, ${g}; they must be finite`);
    }
    if (g < 0) {
      throw new RangeError(`${name}.at: γ(${t}) = ${g} is negative; γ scales the latent z and must be ≥ 0`);
    }
    return { t, alpha: a, beta: b, gamma: g, dAlpha: da, dBeta: db, dGamma: dg };
  };
  const effectiveLevel = (t: number): NoiseLevel => {
    const c = coefficients(t);
    if (gamma === undefined) return { t, alpha: c.alpha, sigma: c.beta, dAlpha: c.dAlpha, dSigma: c.dBeta };
    const sigma = Math.hypot(c.beta, c.gamma);
    return {
      t,
      alpha: c.alpha,
      sigma,
      dAlpha: c.dAlpha,
      dSigma: (c.beta * c.dBeta + c.gamma * c.dGamma) / sigma,
    };
  };
  const spec = options.spec ?? { family: "custom", name };
  return {
    kind: "interpolant",
    name,
    spec,
    latent: gamma === undefined ? "none" : "gaussian",
    at: (t) => coefficients(checkTime(t, `${name}.at`)),
    path: affinePath(
      defineSchedule({
        name: `${name} (effective)`,
        spec: { family: "custom", name },
        level: effectiveLevel,
      }),
    ),
  };
}

/** γ(t) = √(a·t(1−t)) and γ' = a(1−2t)/(2γ) (Albergo & Vanden-Eijnden 2023); ±∞ slope at t = 0, 1. */
function brownianGamma(a: number): Coefficient {
  return (t) => {
    const g = Math.sqrt(a * t * (1 - t));
    return [g, (a * (1 - 2 * t)) / (2 * g)];
  };
}

function checkGammaScale(fn: string, a: number | undefined): number {
  const scale = a ?? 0;
  if (typeof scale !== "number" || !Number.isFinite(scale) || scale < 0) {
    throw new RangeError(
      `${fn}: gammaScale must be a finite number ≥ 0 (γ(t) = √(gammaScale·t(1−t))), got ${String(a)}`,
    );
  }
  return scale;
}

/**
 * The linear interpolant α = t, β = 1 − t, γ = √(a·t(1−t)) (a = `gammaScale`, default 0).
 * a = 0: rectified flow / OT-CFM (Liu et al. 2023; Lipman et al. 2023 with σmin = 0).
 * a = σ²: the Brownian bridge of SB-CFM (Tong et al. 2023): noise σ·√(t(1−t)), conditional flow
 * b = (1−2t)/(2t(1−t))·(xₜ − t·data − (1−t)·noise) + data − noise. Singular: γ' at t = 0, 1 when a > 0.
 */
export function linearInterpolant(options: { gammaScale?: number } = {}): StochasticInterpolant {
  const a = checkGammaScale("linearInterpolant", options.gammaScale);
  return stochasticInterpolant({
    name: a === 0 ? "linearInterpolant" : `linearInterpolant(gammaScale=${a})`,
    spec: { family: "linear", gammaScale: a },
    alpha: (t) => [t, 1],
    beta: (t) => [1 - t, -1],
    ...(a === 0 ? {} : { gamma: brownianGamma(a) }),
  });
}

/**
 * The trigonometric interpolant α = sin(πt/2), β = cos(πt/2), γ = √(a·t(1−t)) (Albergo &
 * Vanden-Eijnden 2023, Table 1 "trig"); variance preserving when a = 0 (α² + β² = 1).
 */
export function trigonometricInterpolant(options: { gammaScale?: number } = {}): StochasticInterpolant {
  const a = checkGammaScale("trigonometricInterpolant", options.gammaScale);
  const h = Math.PI / 2;
  return stochasticInterpolant({
    name: a === 0 ? "trigonometricInterpolant" : `trigonometricInterpolant(gammaScale=${a})`,
    spec: { family: "trigonometric", gammaScale: a },
    alpha: (t) => [Math.sin(h * t), h * Math.cos(h * t)],
    beta: (t) => [Math.cos(h * t), -h * Math.sin(h * t)],
    ...(a === 0 ? {} : { gamma: brownianGamma(a) }),
  });
}

/** Rebuilds a preset interpolant from its spec (custom interpolants cannot be rebuilt from JSON). */
export function interpolantFromSpec(spec: InterpolantSpec): StochasticInterpolant {
  switch (spec?.family) {
    case "linear":
      return linearInterpolant({ gammaScale: spec.gammaScale });
    case "trigonometric":
      return trigonometricInterpolant({ gammaScale: spec.gammaScale });
    case "custom":
      throw new TypeError(
        `interpolantFromSpec: the custom interpolant "${spec.name}" has no JSON form; rebuild it with stochasticInterpolant({ alpha, beta, gamma })`,
      );
    default:
      throw new TypeError(
        `interpolantFromSpec: spec.family must be "linear", "trigonometric" or "custom", got ${JSON.stringify((spec as { family?: unknown })?.family)}`,
      );
  }
}

/**
 * Lipman et al.'s conditional OT path with σmin (Lipman et al. 2023, eq. 20–23): μₜ = t·data,
 * σₜ = 1 − (1 − σmin)·t, conditional flow uₜ(x | data) = (data − (1 − σmin)·x)/(1 − (1 − σmin)·t)
 * = data − (1 − σmin)·noise. It is the affine path of `linearSchedule({ sigmaMin })` (one formula,
 * there). Singular points: none for σmin > 0 (data end σ = σmin).
 */
export function lipmanPath(options: { sigmaMin: number }): AffinePath {
  return affinePath(linearSchedule({ sigmaMin: options?.sigmaMin }));
}

/**
 * xₜ = α·data + β·noise + γ·z for rows at one time (z may be null when γ = 0). Same array type out.
 */
export function interpolate<A extends FloatArray>(
  c: InterpolantCoefficients,
  data: A,
  noise: A,
  z: A | null,
  out?: A,
): A {
  return combine("interpolate", c.alpha, c.beta, c.gamma, data, noise, z, out);
}

/**
 * The regression target of `kind` (file header) for rows at one time: velocity α'·data + β'·noise +
 * γ'·z, score −z/γ (needs γ > 0), or data. Throws naming the kind and time where it is undefined.
 */
export function interpolantTarget<A extends FloatArray>(
  kind: InterpolantKind,
  c: InterpolantCoefficients,
  data: A,
  noise: A,
  z: A | null,
  out?: A,
): A {
  const fn = "interpolantTarget";
  switch (kind) {
    case "velocity":
      return combine(fn, c.dAlpha, c.dBeta, c.dGamma, data, noise, z, out);
    case "data":
      return combine(fn, 1, 0, 0, data, noise, z, out);
    case "score":
      if (!(c.gamma > 0)) {
        throw new RangeError(
          `${fn}: the score −z/γ is undefined at t = ${c.t} where γ = ${c.gamma}; use an interpolant with γ > 0 inside (0, 1) and times inside (0, 1)`,
        );
      }
      return combine(fn, 0, 0, -1 / c.gamma, data, noise, z, out);
    default:
      throw new TypeError(
        `${fn}: kind must be "velocity", "score" or "data" on a stochastic interpolant, got ${JSON.stringify(kind)}`,
      );
  }
}

/** out = a·x + b·y + c·z (z null ⇒ c·z omitted; requires c = 0 then). */
function combine<A extends FloatArray>(
  fn: string,
  a: number,
  b: number,
  c: number,
  x: A,
  y: A,
  z: A | null,
  out?: A,
): A {
  checkFloatArray(fn, "data", x);
  checkFloatArray(fn, "noise", y);
  checkSameLength(fn, "data", x, "noise", y);
  const o = outFor(fn, x, out);
  if (z === null) {
    if (c !== 0) throw new TypeError(`${fn}: the latent z is required where γ or γ' is nonzero (got ${c})`);
    for (let i = 0; i < x.length; i++) o[i] = a * x[i]! + b * y[i]!;
    return o;
  }
  checkSameLength(fn, "data", x, "z", z);
  for (let i = 0; i < x.length; i++) o[i] = a * x[i]! + b * y[i]! + c * z[i]!;
  return o;
}
