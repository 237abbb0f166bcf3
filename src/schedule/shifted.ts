import { sigmoid } from "../math/scalar.js";
import { logSnr } from "../time.js";
import { checkPositive } from "./check.js";
import { defineSchedule, levelDLogSnr, type NoiseLevel, type Schedule } from "./schedule.js";

/** Options of `shiftedSchedule`: SD3's static shift, or Flux's μ (shift = e^μ) with an optional exponent. */
export type ShiftOptions = { readonly shift: number } | { readonly mu: number; readonly exponent?: number };

/**
 * Time-shifted schedule (Esser et al. 2024, SD3 §5.3.2; Flux's μ form). On the flow σ = 1 − t the
 * shift is σ' = s·σ/(1 + (s − 1)·σ); the μ form is σ' = e^μ/(e^μ + (1/σ − 1)^γ). Both are the log-SNR
 * warp λ'(t) = γ·λ(t) − 2·log s (s = e^μ), which is how any base whose λ spans (−∞, ∞) is shifted:
 * at(t) = base.at(τ(t)) with τ = base.timeAtLogSnr(λ'(t)) and dτ/dt = γ·λ'(t)/λ'(τ).
 * The linear base uses the closed form. s > 1 spends more time at high noise.
 */
export function shiftedSchedule(base: Schedule, options: ShiftOptions): Schedule {
  if (!base || typeof base.at !== "function") throw new TypeError("shiftedSchedule: base must be a Schedule");
  const shift = "shift" in options ? options.shift : Math.exp(options.mu);
  const exponent = "mu" in options ? (options.exponent ?? 1) : 1;
  checkPositive("shiftedSchedule", "shift (or e^mu)", shift);
  checkPositive("shiftedSchedule", "exponent", exponent);
  const lambda0 = base.logSnr(0);
  const lambda1 = base.logSnr(1);
  if (lambda0 !== Number.NEGATIVE_INFINITY || lambda1 !== Number.POSITIVE_INFINITY) {
    throw new RangeError(
      `shiftedSchedule: the base schedule ${base.name} has λ ∈ [${lambda0}, ${lambda1}]; a log-SNR shift needs a base whose λ spans (−∞, ∞) (linear, cosine, polynomial, linearVp)`,
    );
  }
  const logShift = Math.log(shift);
  const spec = { family: "shifted", base: base.spec, shift, exponent } as const;
  const name = `shifted(${base.name},shift=${shift}${exponent !== 1 ? `,exponent=${exponent}` : ""})`;

  if (base.spec.family === "linear" && base.spec.sigmaMin === 0) {
    // σ' = P/(P + Q) with P = s(1 − t)^γ, Q = t^γ; α' = 1 − σ'.
    return defineSchedule({
      name,
      spec,
      level: (t) => {
        const p = shift * (1 - t) ** exponent;
        const q = t ** exponent;
        const dp =
          t === 1 && exponent < 1 ? Number.NEGATIVE_INFINITY : -exponent * shift * (1 - t) ** (exponent - 1);
        const dq = t === 0 && exponent < 1 ? Number.POSITIVE_INFINITY : exponent * t ** (exponent - 1);
        const sum = p + q;
        const sigma = p / sum;
        const dSigma = (dp * q - p * dq) / (sum * sum);
        return { t, alpha: q / sum, sigma, dAlpha: -dSigma, dSigma };
      },
      logSnr: (t) => exponent * 2 * (Math.log(t) - Math.log1p(-t)) - 2 * logShift,
      timeAtLogSnr: (lambda) => {
        // t/(1 − t) = e^{(λ + 2 log s)/(2γ)}
        return sigmoid((lambda + 2 * logShift) / (2 * exponent));
      },
    });
  }

  const warp = (t: number): number => base.timeAtLogSnr(logSnr(exponent * base.logSnr(t) - 2 * logShift));
  const dWarp = (t: number, tau: number): number =>
    (exponent * levelDLogSnr(base.at(t))) / levelDLogSnr(base.at(tau));
  return defineSchedule({
    name,
    spec,
    level: (t): NoiseLevel => {
      // At the ends λ = ±∞ is a fixed point; dτ/dt is the limit of the ratio, taken 1e-7 inside.
      const inner = t === 0 ? 1e-7 : t === 1 ? 1 - 1e-7 : t;
      const tau = t === 0 || t === 1 ? t : warp(t);
      const d = dWarp(inner, t === 0 || t === 1 ? warp(inner) : tau);
      const l = base.at(tau);
      return { t, alpha: l.alpha, sigma: l.sigma, dAlpha: l.dAlpha * d, dSigma: l.dSigma * d };
    },
    logSnr: (t) => exponent * base.logSnr(t) - 2 * logShift,
    timeAtLogSnr: (lambda) => base.timeAtLogSnr(logSnr((lambda + 2 * logShift) / exponent)),
  });
}
