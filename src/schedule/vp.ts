import { softplus } from "../math/scalar.js";
import { checkPositive, checkRange } from "./check.js";
import { defineSchedule, type Schedule } from "./schedule.js";

/**
 * log α for the linear-β VP family in diffusion time s = 1 − t (Song et al. 2021, eq. 33):
 * log α = −¼s²(βmax − βmin) − ½s·βmin, and dlogα/dt = β(s)/2 with β(s) = βmin + s(βmax − βmin).
 */
function vpLogAlpha(s: number, betaMin: number, betaMax: number): number {
  return -0.25 * s * s * (betaMax - betaMin) - 0.5 * s * betaMin;
}

/** Diffusion time s with log α(s) = logAlpha (≤ 0): the stable root of ¼Δs² + ½βmin·s + logα = 0. */
function vpTimeOfLogAlpha(logAlpha: number, betaMin: number, betaMax: number): number {
  const a = 0.25 * (betaMax - betaMin);
  const b = 0.5 * betaMin;
  return (-2 * logAlpha) / (b + Math.sqrt(b * b - 4 * a * logAlpha));
}

function checkBetas(fn: string, betaMin: number, betaMax: number): void {
  checkRange(fn, "betaMin", betaMin, 0, Number.MAX_VALUE);
  checkPositive(fn, "betaMax", betaMax);
  if (betaMax < betaMin) throw new RangeError(`${fn}: betaMax (${betaMax}) must be ≥ betaMin (${betaMin})`);
}

/**
 * Variance-preserving path of the VP SDE with linear β (Song et al. 2021, eq. 11 and 33).
 * α = exp(−¼s²(βmax − βmin) − ½s·βmin), σ = √(1 − α²), s = 1 − t; λ = 2 log α − log(1 − α²).
 * Inverse: α² = sigmoid(λ), then the quadratic in s. Forward SDE: f = −β(s)/2, g² = β(s).
 * Singular point: σ = 0 at t = 1 (σ' = −∞ there). α(0) > 0, so tMin = 0.
 */
export function vpSchedule(options: { betaMin?: number; betaMax?: number } = {}): Schedule {
  const betaMin = options.betaMin ?? 0.1;
  const betaMax = options.betaMax ?? 20;
  checkBetas("vpSchedule", betaMin, betaMax);
  return defineSchedule({
    name: `vp(betaMin=${betaMin},betaMax=${betaMax})`,
    spec: { family: "vp", betaMin, betaMax },
    level: (t) => {
      const s = 1 - t;
      const logAlpha = vpLogAlpha(s, betaMin, betaMax);
      const alpha = Math.exp(logAlpha);
      const sigma = Math.sqrt(-Math.expm1(2 * logAlpha));
      const halfBeta = 0.5 * (betaMin + s * (betaMax - betaMin));
      const dAlpha = alpha * halfBeta;
      const dSigma = sigma === 0 ? Number.NEGATIVE_INFINITY : (-alpha * dAlpha) / sigma;
      return { t, alpha, sigma, dAlpha, dSigma };
    },
    logSnr: (t) => {
      const logAlpha = vpLogAlpha(1 - t, betaMin, betaMax);
      return 2 * logAlpha - Math.log(-Math.expm1(2 * logAlpha));
    },
    timeAtLogSnr: (lambda) => 1 - vpTimeOfLogAlpha(-0.5 * softplus(-lambda), betaMin, betaMax),
    // f = −β(s)/2, g² = β(s) in closed form: the generic −2σσ' + 2(α'/α)σ² is 0·∞ at t = 1.
    sde: (t) => {
      const beta = betaMin + (1 - t) * (betaMax - betaMin);
      return { f: -0.5 * beta, g2: beta };
    },
  });
}

/**
 * Sub-VP path (Song et al. 2021, eq. 34): same α as `vpSchedule`, σ = 1 − α².
 * λ = 2 log α − 2 log(1 − α²). Inverse: α/(1 − α²) = r = e^{λ/2} ⇒ α = 2r/(1 + √(1 + 4r²)).
 * Forward SDE: f = −β(s)/2, g² = β(s)(1 − α⁴). Singular point: σ = 0 at t = 1.
 */
export function subVpSchedule(options: { betaMin?: number; betaMax?: number } = {}): Schedule {
  const betaMin = options.betaMin ?? 0.1;
  const betaMax = options.betaMax ?? 20;
  checkBetas("subVpSchedule", betaMin, betaMax);
  return defineSchedule({
    name: `subVp(betaMin=${betaMin},betaMax=${betaMax})`,
    spec: { family: "subVp", betaMin, betaMax },
    level: (t) => {
      const s = 1 - t;
      const logAlpha = vpLogAlpha(s, betaMin, betaMax);
      const alpha = Math.exp(logAlpha);
      const sigma = -Math.expm1(2 * logAlpha);
      const dAlpha = alpha * 0.5 * (betaMin + s * (betaMax - betaMin));
      return { t, alpha, sigma, dAlpha, dSigma: -2 * alpha * dAlpha };
    },
    logSnr: (t) => {
      const logAlpha = vpLogAlpha(1 - t, betaMin, betaMax);
      return 2 * logAlpha - 2 * Math.log(-Math.expm1(2 * logAlpha));
    },
    timeAtLogSnr: (lambda) => {
      const r = Math.exp(0.5 * lambda);
      const q = Math.sqrt(1 + 4 * r * r);
      // α − 1 = −(1 + 1/(2r + q))/(1 + q), without cancellation for large r.
      const alphaMinusOne = -(1 + 1 / (2 * r + q)) / (1 + q);
      return 1 - vpTimeOfLogAlpha(Math.log1p(alphaMinusOne), betaMin, betaMax);
    },
  });
}
