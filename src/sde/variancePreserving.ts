/**
 * The variance-preserving SDE dx = −½β(t)·x dt + √β(t) dW with β(t) = β_min + t(β_max − β_min),
 * running forward from the prior end t0 = 0 to the data end t1 = 1 (linsdex's convention).
 * With B = ∫ₛᵗ β = β_min(t − s) + ½(β_max − β_min)(t² − s²): A = e^{−B/2}·I, u = 0, Σ = (1 − e^{−B})·I.
 * Source: Song et al. (2021), "Score-based generative modeling through SDEs", eq. (11) and App. B.
 */
import { scalarMat } from "../math/matrix.js";
import { type LinearSde, checkDim, checkParam, defineClosedFormSde } from "./sde.js";

/** Options of `variancePreservingSde`. */
export interface VariancePreservingOptions {
  readonly betaMin: number;
  readonly betaMax: number;
  readonly dim: number;
}

/** The VP SDE with linear β(t) (file header); β must stay ≥ 0 where it is evaluated. */
export function variancePreservingSde({ betaMin, betaMax, dim }: VariancePreservingOptions): LinearSde {
  const fn = "variancePreservingSde";
  checkParam(fn, "betaMin", betaMin, (x) => x >= 0, "a finite number ≥ 0");
  checkParam(fn, "betaMax", betaMax, (x) => x >= 0, "a finite number ≥ 0");
  checkDim(fn, dim);
  const beta = (t: number): number => {
    const b = betaMin + t * (betaMax - betaMin);
    if (!(b >= 0))
      throw new RangeError(`${fn}: β(${t}) = ${b} is negative; evaluate at times where β(t) ≥ 0`);
    return b;
  };
  const u = new Float64Array(dim);
  return defineClosedFormSde({
    name: fn,
    dim,
    spec: { type: "variancePreserving", betaMin, betaMax, dim },
    params: (t) => {
      const b = beta(t);
      return { F: scalarMat(-0.5 * b), u, L: scalarMat(Math.sqrt(b)), Lambda: scalarMat(b) };
    },
    transition: (s, t) => {
      beta(s);
      beta(t);
      const B = betaMin * (t - s) + 0.5 * (betaMax - betaMin) * (t * t - s * s);
      return {
        A: scalarMat(Math.exp(-0.5 * B)),
        u: new Float64Array(dim),
        cov: scalarMat(-Math.expm1(-B)),
      };
    },
  });
}
