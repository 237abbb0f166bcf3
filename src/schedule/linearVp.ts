import { softplus } from "../math/scalar.js";
import { defineSchedule, type Schedule } from "./schedule.js";

/**
 * Linear variance-preserving path α = t, σ = √(1 − t²) (α² + σ² = 1).
 * λ = log(t²/(1 − t²)); inverse t = √sigmoid(λ) = exp(−softplus(−λ)/2).
 * Singular points: α = 0 at t = 0; σ = 0 and σ' = −∞ at t = 1.
 */
export function linearVpSchedule(): Schedule {
  return defineSchedule({
    name: "linearVp",
    spec: { family: "linearVp" },
    level: (t) => {
      const sigma = Math.sqrt((1 - t) * (1 + t));
      return { t, alpha: t, sigma, dAlpha: 1, dSigma: t === 1 ? Number.NEGATIVE_INFINITY : -t / sigma };
    },
    logSnr: (t) => 2 * Math.log(t) - Math.log((1 - t) * (1 + t)),
    timeAtLogSnr: (lambda) => Math.exp(-0.5 * softplus(-lambda)),
  });
}
