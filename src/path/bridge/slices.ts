/**
 * `bridgeSlices(bridge, times)`: every slice of a time grid at once. For a time-varying SDE this is
 * exactly two ODE solves whatever the number of times — one forward solve of the moment ODE for
 * p(xₜ | x_{t0}) from t0 and one backward solve for p(x_{t1} | xₜ) from t1, each read at every time
 * through dense output — instead of two per slice; closed-form SDEs need none.
 */
import { NO_ODE_WORK, type OdeStats, addOdeStats } from "../../sde/ode.js";
import type { Bridge } from "./bridge.js";
import { BridgeSlice } from "./slice.js";

/** Slices indexable as `slices[i]` (in the order of `times`), with the ODE work spent on them. */
export type BridgeSlices<S extends BridgeSlice = BridgeSlice> = readonly S[] & {
  readonly times: readonly number[];
  /** ODE solves (2 for a time-varying SDE, 0 for closed forms) and right-hand-side evaluations. */
  readonly stats: OdeStats;
};

/**
 * The slices at `times` (any order, each in [t0, t1]) from two ODE solves at most (file header);
 * `make` builds each slice from its transitions (default a BridgeSlice), `fn` names the caller.
 */
export function bridgeSlices<S extends BridgeSlice = BridgeSlice>(
  bridge: Bridge,
  times: ArrayLike<number>,
  fn = "bridgeSlices",
  make: (bridge: Bridge, t: number, transitions: ConstructorParameters<typeof BridgeSlice>[2]) => S = (
    b,
    t,
    tr,
  ) => new BridgeSlice(b, t, tr, fn) as S,
): BridgeSlices<S> {
  if (bridge === null || typeof bridge !== "object" || typeof bridge.checkTime !== "function") {
    throw new TypeError(`${fn}: the first argument must be a Bridge`);
  }
  if (times === null || typeof times !== "object" || typeof times.length !== "number") {
    throw new TypeError(`${fn}: times must be an array of numbers`);
  }
  const ts = Array.from(times);
  for (const t of ts) bridge.checkTime(fn, t);
  const fwd = bridge.sde.transitionsFrom(bridge.t0, ts);
  const bwd = bridge.sde.transitionsTo(ts, bridge.t1);
  const slices = ts.map((t, i) =>
    make(bridge, t, { fromT0: fwd.transitions[i]!, toT1: bwd.transitions[i]!, stats: NO_ODE_WORK }),
  );
  return Object.assign(slices, { times: ts, stats: addOdeStats(fwd.stats, bwd.stats) });
}
