import type { FloatArray } from "../array.js";
import type { NoiseLevel } from "../schedule/schedule.js";
import { dataBasis } from "./data.js";
import { type Basis, convertWithBases } from "./kernel.js";

/**
 * The `score` kind: ∇ₓ log pₜ(xₜ) given data = −ε/σ; basis (0, −1/σ).
 * Singular: σ = 0 (score undefined) and α = 0 for score → data. Source: Song et al. 2021, eq. 7; Efron 2011 (Tweedie).
 */
export function scoreBasis(level: NoiseLevel): Basis {
  return [0, -1 / level.sigma];
}

/**
 * score → data. data = (xₜ + σ²·score)/α (Tweedie)
 */
export function scoreToData<A extends FloatArray>(value: A, xt: A, level: NoiseLevel, out?: A): A {
  return convertWithBases(
    "scoreToData",
    "score",
    "data",
    scoreBasis(level),
    dataBasis(level),
    value,
    xt,
    level,
    out,
  );
}

/**
 * data → score. score = (α·data − xₜ)/σ²
 */
export function dataToScore<A extends FloatArray>(data: A, xt: A, level: NoiseLevel, out?: A): A {
  return convertWithBases(
    "dataToScore",
    "data",
    "score",
    dataBasis(level),
    scoreBasis(level),
    data,
    xt,
    level,
    out,
  );
}
