import type { FloatArray } from "../array.js";
import type { NoiseLevel } from "../schedule/schedule.js";
import { dataBasis } from "./data.js";
import { type Basis, convertWithBases } from "./kernel.js";

/**
 * The `velocity` kind: dxₜ/dt of the probability-flow ODE in canonical time = α'·data + σ'·ε (the flow); basis (α', σ').
 * Singular: data → velocity needs σ > 0; velocity → data needs α'σ ≠ ασ' (fine at α = 0 when α' ≠ 0). Source: Lipman et al. 2023, eq. 15; Kingma & Gao 2023, eq. 5.
 */
export function velocityBasis(level: NoiseLevel): Basis {
  return [level.dAlpha, level.dSigma];
}

/**
 * velocity → data. data = (σ·u − σ'·xₜ)/(α'σ − ασ')
 */
export function velocityToData<A extends FloatArray>(value: A, xt: A, level: NoiseLevel, out?: A): A {
  return convertWithBases(
    "velocityToData",
    "velocity",
    "data",
    velocityBasis(level),
    dataBasis(level),
    value,
    xt,
    level,
    out,
  );
}

/**
 * data → velocity. u = (α'σ − ασ')/σ·data + (σ'/σ)·xₜ
 */
export function dataToVelocity<A extends FloatArray>(data: A, xt: A, level: NoiseLevel, out?: A): A {
  return convertWithBases(
    "dataToVelocity",
    "data",
    "velocity",
    dataBasis(level),
    velocityBasis(level),
    data,
    xt,
    level,
    out,
  );
}
