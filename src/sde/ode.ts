/**
 * The moment ODEs of time-varying SDEs are solved by the one adaptive integrator (math/integrate.ts,
 * Dormand–Prince 5(4) with the step control of math/dormandPrince.ts) through its synchronous driver;
 * this file adapts it to right-hand sides that write into a buffer, and counts the work.
 * Source: Dormand & Prince (1980), J. Comp. Appl. Math. 6(1); Hairer, Nørsett & Wanner, Solving ODEs I,
 * §II.4; dense output: Shampine (1986), Math. Comp. 46(173).
 */
import { integrateSync } from "../math/integrate.js";

/** The right-hand side: writes dy/dt at (t, y) into `dy`. */
export type OdeRhs = (t: number, y: Float64Array, dy: Float64Array) => void;

/** Work counters of one or more solves (what `getProbabilityPath` reports). */
export interface OdeStats {
  /** Number of ODE solves (one integration over an interval). */
  readonly solves: number;
  /** Right-hand-side evaluations. */
  readonly rhsEvals: number;
  /** Accepted steps. */
  readonly steps: number;
  /** Rejected steps. */
  readonly rejected: number;
}

/** No work. */
export const NO_ODE_WORK: OdeStats = Object.freeze({ solves: 0, rhsEvals: 0, steps: 0, rejected: 0 });

/** Sum of two work counters. */
export function addOdeStats(a: OdeStats, b: OdeStats): OdeStats {
  return {
    solves: a.solves + b.solves,
    rhsEvals: a.rhsEvals + b.rhsEvals,
    steps: a.steps + b.steps,
    rejected: a.rejected + b.rejected,
  };
}

/** Tolerances of `solveOde`: error per step ≤ atol + rtol·|y| (RMS norm). */
export interface OdeOptions {
  readonly rtol?: number;
  readonly atol?: number;
  /** Upper bound on accepted + rejected steps (default 100 000). */
  readonly maxSteps?: number;
}

/** Default tolerances: tight enough for 1e-10 relative agreement on the moment ODEs. */
export const DEFAULT_ODE_TOLERANCE = { rtol: 1e-12, atol: 1e-13 } as const;

/** Result of `solveOde`: the state at each requested time (in the order given) and the work done. */
export interface OdeSolution {
  readonly values: readonly Float64Array[];
  readonly stats: OdeStats;
}

/**
 * Integrates y' = f(t, y) from `tStart` (y = y0) to `tEnd` (either direction) with Dormand–Prince 5(4),
 * returning y at every time of `outTimes` (any order, each between tStart and tEnd) from the dense
 * output of the step containing it — one solve, however many output times. Throws a RangeError
 * naming `fn` on a non-finite right-hand side at the start, step-size underflow (the state or its
 * derivative became non-finite) or when `maxSteps` is exceeded.
 */
export function solveOde(
  f: OdeRhs,
  y0: Float64Array,
  tStart: number,
  tEnd: number,
  outTimes: readonly number[],
  options: OdeOptions = {},
  fn = "solveOde",
): OdeSolution {
  const rhs = (t: number, y: Float64Array): Float64Array => {
    const dy = new Float64Array(y.length);
    f(t, y, dy);
    return dy;
  };
  const r = integrateSync(
    rhs,
    y0,
    tStart,
    tEnd,
    {
      solver: {
        kind: "adaptive",
        rtol: options.rtol ?? DEFAULT_ODE_TOLERANCE.rtol,
        atol: options.atol ?? DEFAULT_ODE_TOLERANCE.atol,
        ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
      },
      saveAt: outTimes,
    },
    fn,
  );
  return { values: r.saved, stats: { solves: 1, rhsEvals: r.nfe, steps: r.accepted, rejected: r.rejected } };
}
