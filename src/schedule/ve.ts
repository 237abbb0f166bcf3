import { checkPositive } from "./check.js";
import { defineSchedule, type Schedule } from "./schedule.js";

/**
 * Variance-exploding path (Song et al. 2021, eq. 31; NCSN geometric σ).
 * α = 1, σ = σmin·(σmax/σmin)^s with s = 1 − t; λ = −2 log σ; inverse s = log(σ/σmin)/log(σmax/σmin).
 * Forward SDE: f = 0, g² = dσ²/ds = 2σ²·log(σmax/σmin). No singular point in [0, 1]: σ(1) = σmin > 0,
 * so the data end σ = 0 lies beyond t = 1 and samplers reach it with a final step.
 */
export function veSchedule(options: { sigmaMin?: number; sigmaMax?: number } = {}): Schedule {
  const sigmaMin = options.sigmaMin ?? 0.01;
  const sigmaMax = options.sigmaMax ?? 50;
  checkPositive("veSchedule", "sigmaMin", sigmaMin);
  checkPositive("veSchedule", "sigmaMax", sigmaMax);
  if (!(sigmaMax > sigmaMin))
    throw new RangeError(`veSchedule: sigmaMax (${sigmaMax}) must exceed sigmaMin (${sigmaMin})`);
  const logRatio = Math.log(sigmaMax / sigmaMin);
  const logMin = Math.log(sigmaMin);
  return defineSchedule({
    name: `ve(sigmaMin=${sigmaMin},sigmaMax=${sigmaMax})`,
    spec: { family: "ve", sigmaMin, sigmaMax },
    level: (t) => {
      const sigma = Math.exp(logMin + (1 - t) * logRatio);
      return { t, alpha: 1, sigma, dAlpha: 0, dSigma: -sigma * logRatio };
    },
    logSnr: (t) => -2 * (logMin + (1 - t) * logRatio),
    timeAtLogSnr: (lambda) => 1 - (-0.5 * lambda - logMin) / logRatio,
  });
}
