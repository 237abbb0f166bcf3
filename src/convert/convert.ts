/**
 * The conversion hub: any kind → any kind at one level of an affine path, `(value, xt, level)`.
 * All pairs go through `pairCoefficients` (kernel.ts), i.e. through the (data, noise) solution of
 * xₜ = α·data + σ·noise.
 */
import { type FloatArray, checkFloatArray, checkSameLength, outFor } from "../array.js";
import type { NoiseLevel } from "../schedule/schedule.js";
import { dataBasis } from "./data.js";
import { driftBasis } from "./drift.js";
import {
  type Basis,
  type ConvertOptions,
  type Kind,
  affineCombine,
  checkG2,
  checkKind,
  checkLevel,
  pairCoefficients,
  pairName,
} from "./kernel.js";
import { noiseBasis } from "./noise.js";
import { scoreBasis } from "./score.js";
import { vBasis } from "./v.js";
import { velocityBasis } from "./velocity.js";

/** The (data, noise) coefficients of `kind` at `level` (g2 is required for `drift`). */
export function basisOf(kind: Kind, level: NoiseLevel, g2?: number): Basis {
  switch (kind) {
    case "data":
      return dataBasis(level);
    case "noise":
      return noiseBasis(level);
    case "score":
      return scoreBasis(level);
    case "velocity":
      return velocityBasis(level);
    case "v":
      return vBasis(level);
    case "drift":
      return driftBasis(level, checkG2("basisOf", g2));
  }
}

/**
 * Coefficients (p, q) with value_to = p·value_from + q·xₜ at `level`: the conversion as two numbers,
 * for callers that fuse it into their own loops. Throws a RangeError where it is singular.
 */
export function conversionCoefficients(
  from: Kind,
  to: Kind,
  level: NoiseLevel,
  options: { g2?: number } = {},
): readonly [p: number, q: number] {
  checkKind("conversionCoefficients", "from", from);
  checkKind("conversionCoefficients", "to", to);
  const fn = pairName(from, to);
  checkLevel(fn, level);
  if (from === to) return [1, 0];
  return pairCoefficients(
    fn,
    from,
    to,
    basisOf(from, level, options.g2),
    basisOf(to, level, options.g2),
    level,
  );
}

/**
 * Converts a prediction of kind `from` at xₜ into kind `to`: value_to = p·value + q·xₜ (see kernel.ts).
 * Same array type out as in; `options.out` may alias an input; `options.g2` is required for `drift`.
 * Throws a RangeError naming the conversion and level where it is singular, and on length mismatch.
 */
export function convert<A extends FloatArray>(
  value: A,
  from: Kind,
  to: Kind,
  xt: A,
  level: NoiseLevel,
  options: ConvertOptions<A> = {},
): A {
  const fn = `convert(${String(from)} → ${String(to)})`;
  checkFloatArray(fn, "value", value);
  checkFloatArray(fn, "xt", xt);
  checkSameLength(fn, "value", value, "xt", xt);
  const [p, q] = conversionCoefficients(from, to, level, options);
  if (p === 1 && q === 0) {
    const o = outFor(fn, value, options.out);
    if (o !== value) o.set(value);
    return o;
  }
  return affineCombine(fn, value, xt, p, q, options.out, options.precision ?? "exact");
}

function pair(from: Kind, to: Kind) {
  return <A extends FloatArray>(value: A, xt: A, level: NoiseLevel, out?: A): A =>
    convert(value, from, to, xt, level, out === undefined ? {} : { out });
}

/** noise → velocity. u = (σ' − α'σ/α)·ε + (α'/α)·xₜ. Singular at α = 0. */
export const noiseToVelocity = pair("noise", "velocity");
/** velocity → noise. ε = (α·u − α'·xₜ)/(ασ' − α'σ). Singular at σ = 0. */
export const velocityToNoise = pair("velocity", "noise");
/** noise → score. s = −ε/σ. Singular at σ = 0. */
export const noiseToScore = pair("noise", "score");
/** score → noise. ε = −σ·s. */
export const scoreToNoise = pair("score", "noise");
/** score → velocity. u = (α'/α)·xₜ + (α'σ²/α − σσ')·s (the probability-flow ODE of a score model). Singular at α = 0. */
export const scoreToVelocity = pair("score", "velocity");
/** velocity → score. Singular at σ = 0. */
export const velocityToScore = pair("velocity", "score");
/** noise → v. v = ((α² + σ²)/α)·ε − (σ/α)·xₜ. Singular at α = 0. */
export const noiseToV = pair("noise", "v");
/** v → noise. ε = (σ·xₜ + α·v)/(α² + σ²). Defined everywhere. */
export const vToNoise = pair("v", "noise");
/** v → velocity. Singular where α'σ = ασ' (never on a monotone schedule). */
export const vToVelocity = pair("v", "velocity");
/** velocity → v. */
export const velocityToV = pair("velocity", "v");
