import { defineSchedule, type Schedule } from "./schedule.js";

/**
 * Cosine path (Nichol & Dhariwal 2021 without the offset; the trigonometric interpolant).
 * α = sin(πt/2), σ = cos(πt/2); λ = 2 log tan(πt/2); inverse t = (2/π)·atan(e^{λ/2}).
 * Singular points: α = 0 at t = 0, σ = 0 at t = 1 (exactly: cos(π/2) is not rounded to 6e-17).
 */
export function cosineSchedule(): Schedule {
  const h = Math.PI / 2;
  return defineSchedule({
    name: "cosine",
    spec: { family: "cosine" },
    level: (t) => {
      const alpha = t === 1 ? 1 : Math.sin(h * t);
      const sigma = t === 1 ? 0 : Math.cos(h * t);
      return { t, alpha, sigma, dAlpha: h * sigma, dSigma: -h * alpha };
    },
    logSnr: (t) => (t === 1 ? Number.POSITIVE_INFINITY : 2 * Math.log(Math.tan(h * t))),
    timeAtLogSnr: (lambda) => Math.atan(Math.exp(0.5 * lambda)) / h,
  });
}
