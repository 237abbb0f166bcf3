/**
 * What a training objective can be built on: a Gaussian path (affine or bridge) or a stochastic
 * interpolant (coupling/interpolant.ts), and the schedule behind it when there is one.
 */
import type { StochasticInterpolant } from "../coupling/interpolant.js";
import type { AffinePath } from "../path/affine.js";
import type { GaussianPath } from "../path/path.js";
import type { Schedule } from "../schedule/schedule.js";

/** A Gaussian path or a stochastic interpolant (discriminated by `kind`). */
export type TrainingPath = GaussianPath | StochasticInterpolant;

/** Throws unless `path` is a GaussianPath or a StochasticInterpolant. */
export function checkTrainingPath(fn: string, path: unknown): asserts path is TrainingPath {
  const kind = (path as { kind?: unknown } | null)?.kind;
  if (kind !== "affine" && kind !== "bridge" && kind !== "interpolant") {
    throw new TypeError(
      `${fn}: path must be a GaussianPath (affinePath(schedule), bridgePath(components)) or a stochastic interpolant (linearInterpolant(), stochasticInterpolant(...)), got ${kind === undefined ? typeof path : `kind ${JSON.stringify(kind)}`}`,
    );
  }
}

/**
 * The schedule of an affine path, or the effective schedule (α, √(β² + γ²)) of an interpolant. Bridge
 * paths have none (their levels are matrices): throws naming `fn` and the alternatives.
 */
export function scheduleOf(fn: string, path: TrainingPath): Schedule {
  checkTrainingPath(fn, path);
  if (path.kind === "affine") return (path as AffinePath).schedule;
  if (path.kind === "interpolant") return path.schedule;
  throw new TypeError(
    `${fn}: the bridge path "${path.name}" has no log-SNR ↔ time map (its levels are matrices); use a time density defined in t (uniformTime, logitNormalTime, modeTime, cosmapTime)`,
  );
}
