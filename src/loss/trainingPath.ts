/**
 * What a training objective can be built on: a Gaussian path (affine or bridge) or a stochastic
 * interpolant (coupling/interpolant.ts), whose law given the data under independent pairing is its
 * effective affine path.
 */
import type { StochasticInterpolant } from "../coupling/interpolant.js";
import type { GaussianPath } from "../path/path.js";
import type { NoiseLevel } from "../schedule/schedule.js";

/** A Gaussian path or a stochastic interpolant. */
export type TrainingPath = GaussianPath | StochasticInterpolant;

/** Whether `path` is a stochastic interpolant (not a Gaussian path). */
export function isInterpolant(path: TrainingPath): path is StochasticInterpolant {
  return (path as { kind?: unknown }).kind === "interpolant";
}

/** Throws unless `path` is a GaussianPath or a StochasticInterpolant. */
export function checkTrainingPath(fn: string, path: unknown): asserts path is TrainingPath {
  const p = path as { kind?: unknown; slice?: unknown } | null;
  if (p === null || typeof p !== "object" || (p.kind !== "interpolant" && typeof p.slice !== "function")) {
    throw new TypeError(
      `${fn}: path must be a GaussianPath (affinePath(schedule), bridgePath(bridge)) or a stochastic interpolant (linearInterpolant(), stochasticInterpolant(...)), got ${p === null || typeof p !== "object" ? typeof path : "another object"}`,
    );
  }
}

/** The Gaussian path behind `path`: itself, or an interpolant's effective affine path. */
export function gaussianPathOf(fn: string, path: TrainingPath): GaussianPath {
  checkTrainingPath(fn, path);
  return isInterpolant(path) ? path.path : path;
}

/**
 * The scalar level (α, σ, α', σ') of `path` at t, for densities and weightings stated in σ̃ or λ that
 * need dλ/dt. Bridge paths have matrix levels: throws naming `fn` and the alternatives.
 */
export function levelAt(fn: string, path: GaussianPath, t: number): NoiseLevel {
  const level = path.slice(t).level;
  if (level === undefined) {
    throw new TypeError(
      `${fn}: the path "${path.name}" has no scalar level at t = ${t} (a bridge path: its levels are matrices); use a time density defined in t (uniformTime, logitNormalTime, modeTime, cosmapTime)`,
    );
  }
  return level;
}
