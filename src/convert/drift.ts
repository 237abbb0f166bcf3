import type { FloatArray } from "../array.js";
import type { NoiseLevel } from "../schedule/schedule.js";
import { dataBasis } from "./data.js";
import { type Basis, checkG2, convertWithBases } from "./kernel.js";

/**
 * The `drift` kind: drift of the generative SDE dx = b dt + g dW in canonical time with diffusion level
 * g (g² = `g2`): b = velocity + (g²/2)·score = α'·data + (σ' − g²/(2σ))·ε; basis (α', σ' − g²/(2σ)).
 * g2 = 0 is the probability-flow velocity; g² = the forward SDE's g² gives the classic reverse SDE
 * (Song et al. 2021, eq. 6 and 13; Anderson 1982). Singular: σ = 0 when g2 > 0.
 */
export function driftBasis(level: NoiseLevel, g2: number): Basis {
  checkG2("driftBasis", g2);
  return [level.dAlpha, g2 === 0 ? level.dSigma : level.dSigma - g2 / (2 * level.sigma)];
}

/** drift → data at diffusion level g², data = (σ·b − β·xₜ)/(α'σ − αβ) with β = σ' − g²/(2σ). */
export function driftToData<A extends FloatArray>(
  value: A,
  xt: A,
  level: NoiseLevel,
  g2: number,
  out?: A,
): A {
  return convertWithBases(
    "driftToData",
    "drift",
    "data",
    driftBasis(level, g2),
    dataBasis(level),
    value,
    xt,
    level,
    out,
  );
}

/** data → drift at diffusion level g², b = velocity + (g²/2)·score. */
export function dataToDrift<A extends FloatArray>(data: A, xt: A, level: NoiseLevel, g2: number, out?: A): A {
  return convertWithBases(
    "dataToDrift",
    "data",
    "drift",
    dataBasis(level),
    driftBasis(level, g2),
    data,
    xt,
    level,
    out,
  );
}
