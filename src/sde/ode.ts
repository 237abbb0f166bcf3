/**
 * An adaptive explicit Runge–Kutta solver for the small linear moment ODEs of time-varying SDEs:
 * Dormand–Prince 5(4) with local extrapolation, FSAL, standard step-size control and its 4th-order
 * continuous extension (dense output), so one solve yields the state at any number of times.
 * Source: Dormand & Prince (1980), J. Comp. Appl. Math. 6(1); dense output: Shampine (1986),
 * Math. Comp. 46(173) (the coefficients used by scipy's RK45).
 */
import {
  DOPRI_A as A,
  DOPRI_B as B,
  DOPRI_C as C,
  DOPRI_E as E,
  dopriInterpolate,
} from "../math/dormandPrince.js";

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
 * naming `fn` on a non-finite state or when `maxSteps` is exceeded.
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
  const rtol = options.rtol ?? DEFAULT_ODE_TOLERANCE.rtol;
  const atol = options.atol ?? DEFAULT_ODE_TOLERANCE.atol;
  const maxSteps = options.maxSteps ?? 100_000;
  const n = y0.length;
  const dir = tEnd >= tStart ? 1 : -1;
  const span = Math.abs(tEnd - tStart);
  // Output times sorted along the direction of integration.
  const order = outTimes.map((_, i) => i).sort((i, j) => dir * (outTimes[i]! - outTimes[j]!));
  for (const t of outTimes) {
    if (!(dir * (t - tStart) >= 0 && dir * (tEnd - t) >= 0)) {
      throw new RangeError(
        `${fn}: output time ${t} lies outside [${Math.min(tStart, tEnd)}, ${Math.max(tStart, tEnd)}]`,
      );
    }
  }
  const values: Float64Array[] = new Array(outTimes.length);
  let next = 0;
  const emitUpTo = (tLimit: number, yAt: (t: number) => Float64Array): void => {
    while (next < order.length && dir * (outTimes[order[next]!]! - tLimit) <= 0) {
      const idx = order[next]!;
      values[idx] = yAt(outTimes[idx]!);
      next++;
    }
  };
  let rhsEvals = 0;
  let steps = 0;
  let rejected = 0;
  const k = Array.from({ length: 7 }, () => new Float64Array(n));
  const y = Float64Array.from(y0);
  const yNew = new Float64Array(n);
  const tmp = new Float64Array(n);
  const eval_ = (t: number, yy: Float64Array, dy: Float64Array): void => {
    f(t, yy, dy);
    rhsEvals++;
  };
  let t = tStart;
  emitUpTo(t, () => Float64Array.from(y));
  if (span === 0 || next === order.length) {
    return { values, stats: { solves: 1, rhsEvals, steps, rejected } };
  }
  eval_(t, y, k[0]!);
  // Initial step (Hairer, Nørsett & Wanner, Solving ODEs I, §II.4).
  const sc = (v: number): number => atol + rtol * Math.abs(v);
  let d0 = 0;
  let d1 = 0;
  for (let i = 0; i < n; i++) {
    d0 += (y[i]! / sc(y[i]!)) ** 2;
    d1 += (k[0]![i]! / sc(y[i]!)) ** 2;
  }
  d0 = Math.sqrt(d0 / n);
  d1 = Math.sqrt(d1 / n);
  let h = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
  h = Math.min(h, span);
  for (let i = 0; i < n; i++) tmp[i] = y[i]! + dir * h * k[0]![i]!;
  eval_(t + dir * h, tmp, k[1]!);
  let d2 = 0;
  for (let i = 0; i < n; i++) d2 += ((k[1]![i]! - k[0]![i]!) / sc(y[i]!)) ** 2;
  d2 = Math.sqrt(d2 / n) / h;
  const h1 = Math.max(d1, d2) <= 1e-15 ? Math.max(1e-6, h * 1e-3) : (0.01 / Math.max(d1, d2)) ** (1 / 5);
  h = Math.min(100 * h, h1, span);

  while (dir * (tEnd - t) > 0) {
    if (steps + rejected >= maxSteps) {
      throw new RangeError(
        `${fn}: more than ${maxSteps} steps; the ODE is too stiff for the explicit solver — loosen the tolerances`,
      );
    }
    const last = h >= Math.abs(tEnd - t);
    const hs = last ? dir * Math.abs(tEnd - t) : dir * h;
    for (let s = 1; s < 6; s++) {
      const a = A[s]!;
      for (let i = 0; i < n; i++) {
        let acc = y[i]!;
        for (let j = 0; j < s; j++) acc += hs * a[j]! * k[j]![i]!;
        tmp[i] = acc;
      }
      eval_(t + C[s]! * hs, tmp, k[s]!);
    }
    for (let i = 0; i < n; i++) {
      let acc = y[i]!;
      for (let j = 0; j < 6; j++) acc += hs * B[j]! * k[j]![i]!;
      yNew[i] = acc;
    }
    const tNew = last ? tEnd : t + hs;
    eval_(tNew, yNew, k[6]!);
    let err = 0;
    for (let i = 0; i < n; i++) {
      let e = 0;
      for (let j = 0; j < 7; j++) e += E[j]! * k[j]![i]!;
      e *= hs;
      const s = atol + rtol * Math.max(Math.abs(y[i]!), Math.abs(yNew[i]!));
      err += (e / s) ** 2;
    }
    err = Math.sqrt(err / n);
    if (!Number.isFinite(err)) throw new RangeError(`${fn}: the state became non-finite at t = ${t}`);
    if (err <= 1) {
      // Dense output of this step (y and k still hold the step's start and stages).
      const tOld = t;
      emitUpTo(tNew, (tq) =>
        tq === tNew ? Float64Array.from(yNew) : dopriInterpolate(y, k, hs, (tq - tOld) / hs),
      );
      t = tNew;
      y.set(yNew);
      k[0]!.set(k[6]!);
      steps++;
    } else {
      rejected++;
    }
    h = Math.abs(hs) * Math.min(5, Math.max(0.2, 0.9 * err ** (-1 / 5)));
  }
  emitUpTo(tEnd, () => Float64Array.from(y));
  return { values, stats: { solves: 1, rhsEvals, steps, rejected } };
}
