/**
 * `getProbabilityPath(components, times)`: every slice of a time grid at once. For a time-varying
 * SDE this is exactly two ODE solves whatever the number of times — one forward solve of the moment
 * ODE for p(xₜ | x_{t0}) from t0 and one backward solve for p(x_{t1} | xₜ) from t1, each read at every
 * time through dense output — instead of two per slice; closed-form SDEs need none.
 * Source: linsdex get_probability_path (seed 000).
 */
import { addOdeStats, type OdeStats } from "../../sde/ode.js";
import type { DiffusionModelComponents } from "./components.js";
import { NO_ODE_WORK } from "../../sde/ode.js";
import { ProbabilityPathSlice } from "./slice.js";

/** Slices indexable as `path[i]` (in the order of `times`), with the ODE work spent on them. */
export type ProbabilityPath = readonly ProbabilityPathSlice[] & {
  readonly times: readonly number[];
  /** ODE solves (2 for a time-varying SDE, 0 for closed forms) and right-hand-side evaluations. */
  readonly stats: OdeStats;
};

/** The slices at `times` (any order, each in [t0, t1]) from two ODE solves at most (file header). */
export function getProbabilityPath(
  components: DiffusionModelComponents,
  times: ArrayLike<number>,
): ProbabilityPath {
  const fn = "getProbabilityPath";
  if (components === null || typeof components !== "object" || typeof components.checkTime !== "function") {
    throw new TypeError(`${fn}: components must be a DiffusionModelComponents`);
  }
  if (times === null || typeof times !== "object" || typeof times.length !== "number") {
    throw new TypeError(`${fn}: times must be an array of numbers`);
  }
  const ts = Array.from(times);
  for (const t of ts) components.checkTime(fn, t);
  const sde = components.linearSde;
  const fwd = sde.transitionsFrom(components.t0, ts);
  const bwd = sde.transitionsTo(ts, components.t1);
  const slices = ts.map(
    (t, i) =>
      new ProbabilityPathSlice(components, t, {
        fromT0: fwd.transitions[i]!,
        toT1: bwd.transitions[i]!,
        stats: NO_ODE_WORK,
      }),
  );
  return Object.assign(slices, { times: ts, stats: addOdeStats(fwd.stats, bwd.stats) });
}
