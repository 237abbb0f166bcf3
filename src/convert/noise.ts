import type { FloatArray } from "../array.js";
import type { NoiseLevel } from "../schedule/schedule.js";
import { dataBasis } from "./data.js";
import { type Basis, convertWithBases } from "./kernel.js";

/**
 * The `noise` kind: the Gaussian noise ε of xₜ = α·data + σ·ε; basis (0, 1).
 * Singular: noise → data needs α > 0; data → noise needs σ > 0. Source: Ho et al. 2020, eq. 11.
 */
export function noiseBasis(_level: NoiseLevel): Basis {
  return [0, 1];
}

/**
 * noise → data. data = (xₜ − σ·ε)/α
 */
export function noiseToData<A extends FloatArray>(value: A, xt: A, level: NoiseLevel, out?: A): A {
  return convertWithBases(
    "noiseToData",
    "noise",
    "data",
    noiseBasis(level),
    dataBasis(level),
    value,
    xt,
    level,
    out,
  );
}

/**
 * data → noise. ε = (xₜ − α·data)/σ
 */
export function dataToNoise<A extends FloatArray>(data: A, xt: A, level: NoiseLevel, out?: A): A {
  return convertWithBases(
    "dataToNoise",
    "data",
    "noise",
    dataBasis(level),
    noiseBasis(level),
    data,
    xt,
    level,
    out,
  );
}
