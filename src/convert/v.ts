import type { FloatArray } from "../array.js";
import type { NoiseLevel } from "../schedule/schedule.js";
import { dataBasis } from "./data.js";
import { type Basis, convertWithBases } from "./kernel.js";

/**
 * The `v` kind: Salimans–Ho v = α·ε − σ·data (never called velocity); basis (−σ, α).
 * Singular: data → v needs σ > 0; v → data is defined everywhere (α² + σ² > 0). Source: Salimans & Ho 2022, §4 and App. D.
 */
export function vBasis(level: NoiseLevel): Basis {
  return [-level.sigma, level.alpha];
}

/**
 * v → data. data = (α·xₜ − σ·v)/(α² + σ²)
 */
export function vToData<A extends FloatArray>(value: A, xt: A, level: NoiseLevel, out?: A): A {
  return convertWithBases("vToData", "v", "data", vBasis(level), dataBasis(level), value, xt, level, out);
}

/**
 * data → v. v = (α/σ)·xₜ − ((α² + σ²)/σ)·data
 */
export function dataToV<A extends FloatArray>(data: A, xt: A, level: NoiseLevel, out?: A): A {
  return convertWithBases("dataToV", "data", "v", dataBasis(level), vBasis(level), data, xt, level, out);
}
