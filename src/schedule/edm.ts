import { checkPositive } from "./check.js";
import { defineSchedule, type Schedule } from "./schedule.js";

/**
 * EDM path (Karras et al. 2022, eq. 5 and Table 1): α = 1 and
 * σ = (σmax^{1/ρ} + t·(σmin^{1/ρ} − σmax^{1/ρ}))^ρ, so a uniform grid in t is the Karras grid.
 * λ = −2 log σ; inverse t = (σ^{1/ρ} − σmax^{1/ρ})/(σmin^{1/ρ} − σmax^{1/ρ}) with σ = e^{−λ/2}.
 * Forward SDE: f = 0, g² = dσ²/ds = −2σ·dσ/dt. σ(1) = σmin > 0: the data end lies beyond t = 1.
 */
export function edmSchedule(options: { sigmaMin?: number; sigmaMax?: number; rho?: number } = {}): Schedule {
  const sigmaMin = options.sigmaMin ?? 0.002;
  const sigmaMax = options.sigmaMax ?? 80;
  const rho = options.rho ?? 7;
  checkPositive("edmSchedule", "sigmaMin", sigmaMin);
  checkPositive("edmSchedule", "sigmaMax", sigmaMax);
  checkPositive("edmSchedule", "rho", rho);
  if (!(sigmaMax > sigmaMin))
    throw new RangeError(`edmSchedule: sigmaMax (${sigmaMax}) must exceed sigmaMin (${sigmaMin})`);
  const a = sigmaMax ** (1 / rho);
  const b = sigmaMin ** (1 / rho);
  return defineSchedule({
    name: `edm(sigmaMin=${sigmaMin},sigmaMax=${sigmaMax},rho=${rho})`,
    spec: { family: "edm", sigmaMin, sigmaMax, rho },
    level: (t) => {
      const base = a + t * (b - a);
      const sigma = base ** rho;
      return { t, alpha: 1, sigma, dAlpha: 0, dSigma: rho * base ** (rho - 1) * (b - a) };
    },
    logSnr: (t) => -2 * rho * Math.log(a + t * (b - a)),
    timeAtLogSnr: (lambda) => (Math.exp((-0.5 * lambda) / rho) - a) / (b - a),
  });
}
