import { checkTime } from "../time.js";
import { defineSchedule, type NoiseLevel, type Schedule } from "./schedule.js";

/** User functions for `customSchedule`; derivatives are taken numerically when absent. */
export interface CustomScheduleOptions {
  readonly name?: string;
  readonly alpha: (t: number) => number;
  readonly sigma: (t: number) => number;
  readonly dAlpha?: (t: number) => number;
  readonly dSigma?: (t: number) => number;
}

/**
 * Fourth-order finite difference of f at t ∈ [0, 1], staying inside [0, 1]: the central 5-point
 * stencil (f(t−2h) − 8f(t−h) + 8f(t+h) − f(t+2h))/(12h) inside, the one-sided 5-point stencil at the ends.
 * Truncation O(h⁴), h = 1e-3: ≈ 1e-12·|f⁽⁵⁾| + 1e-13·|f| rounding.
 */
export function derivative(f: (t: number) => number, t: number, h = 1e-3): number {
  if (t - 2 * h >= 0 && t + 2 * h <= 1) {
    return (f(t - 2 * h) - 8 * f(t - h) + 8 * f(t + h) - f(t + 2 * h)) / (12 * h);
  }
  const s = t - 2 * h < 0 ? 1 : -1;
  const g = (k: number) => f(t + s * k * h);
  return (s * (-25 * g(0) + 48 * g(1) - 36 * g(2) + 16 * g(3) - 3 * g(4))) / (12 * h);
}

/**
 * A schedule from user functions α(t), σ(t) (canonical time); α must increase, σ decrease, so λ is
 * monotone. Missing derivatives are 4th-order finite differences (`derivative`). Values are checked
 * when used: non-finite or negative α, σ throw naming the time.
 */
export function customSchedule(options: CustomScheduleOptions): Schedule {
  if (!options || typeof options.alpha !== "function" || typeof options.sigma !== "function") {
    throw new TypeError("customSchedule: options.alpha and options.sigma must be functions of t");
  }
  const { alpha, sigma } = options;
  const name = options.name ?? "custom";
  const dAlpha = options.dAlpha ?? ((t: number) => derivative(alpha, t));
  const dSigma = options.dSigma ?? ((t: number) => derivative(sigma, t));
  const level = (t: number): NoiseLevel => {
    checkTime(t, `${name}.at`);
    const l = { t, alpha: alpha(t), sigma: sigma(t), dAlpha: dAlpha(t), dSigma: dSigma(t) };
    if (!(l.alpha >= 0 && l.sigma >= 0 && Number.isFinite(l.alpha) && Number.isFinite(l.sigma))) {
      throw new RangeError(
        `customSchedule(${name}): α(${t}) = ${l.alpha}, σ(${t}) = ${l.sigma}; both must be finite and ≥ 0`,
      );
    }
    return l;
  };
  return defineSchedule({ name, spec: { family: "custom", name }, level });
}
