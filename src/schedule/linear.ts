import { checkRange } from "./check.js";
import { defineSchedule, type Schedule } from "./schedule.js";

/**
 * Rectified flow / conditional OT path (Lipman et al. 2023, eq. 20; Liu et al. 2023).
 * α = t, σ = 1 − (1 − σmin)·t; λ = 2 log(t/(1 − c·t)) with c = 1 − σmin; inverse t = 1/(e^{−λ/2} + c).
 * Singular points: α = 0 at t = 0; σ = 0 at t = 1 when σmin = 0.
 */
export function linearSchedule(options: { sigmaMin?: number } = {}): Schedule {
  const sigmaMin = options.sigmaMin ?? 0;
  checkRange("linearSchedule", "sigmaMin", sigmaMin, 0, 1, true);
  const c = 1 - sigmaMin;
  return defineSchedule({
    name: sigmaMin === 0 ? "linear" : `linear(sigmaMin=${sigmaMin})`,
    spec: { family: "linear", sigmaMin },
    level: (t) => ({ t, alpha: t, sigma: 1 - c * t, dAlpha: 1, dSigma: -c }),
    logSnr: (t) => 2 * (Math.log(t) - Math.log1p(-c * t)),
    timeAtLogSnr: (lambda) => 1 / (Math.exp(-0.5 * lambda) + c),
  });
}
