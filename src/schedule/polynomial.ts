import { softplus } from "../math/scalar.js";
import { checkPositive } from "./check.js";
import { defineSchedule, type Schedule } from "./schedule.js";

/**
 * Polynomial path α = tⁿ, σ = 1 − tⁿ (n > 0; n = 1 is the linear path).
 * λ = 2 log(tⁿ/(1 − tⁿ)); inverse tⁿ = sigmoid(λ/2), i.e. t = exp(−softplus(−λ/2)/n).
 * Singular points: α = 0 at t = 0 (and α' = ∞ there when n < 1); σ = 0 at t = 1.
 */
export function polynomialSchedule(options: { n: number }): Schedule {
  const n = options?.n;
  checkPositive("polynomialSchedule", "n", n);
  return defineSchedule({
    name: `polynomial(n=${n})`,
    spec: { family: "polynomial", n },
    level: (t) => {
      const tn = t ** n;
      const d = t === 0 ? (n === 1 ? 1 : n < 1 ? Number.POSITIVE_INFINITY : 0) : n * t ** (n - 1);
      return { t, alpha: tn, sigma: 1 - tn, dAlpha: d, dSigma: -d };
    },
    logSnr: (t) => 2 * (n * Math.log(t) - Math.log1p(-(t ** n))),
    timeAtLogSnr: (lambda) => Math.exp(-softplus(-0.5 * lambda) / n),
  });
}
