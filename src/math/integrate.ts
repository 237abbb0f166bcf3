/**
 * A generic asynchronous ODE integrator for y' = f(t, y) with a right-hand side that may return a
 * promise (a network's forward pass, a model call): adaptive Dormand–Prince 5(4) or a fixed grid of
 * an explicit Runge–Kutta scheme. Integrates forward (t1 > t0) or backward (t1 < t0) in t.
 *
 *   integrate(rhs, y0, t0, t1, { solver })            → y(t1), NFE, accepted/rejected steps
 *   dopriInit(rhs, y0, t0, t1, solver) / dopriStep    → the same adaptive solver one step at a time
 *                                                       (state passed in and returned; no hidden state)
 *
 * Adaptive control (Hairer, Nørsett & Wanner, Solving ODEs I, §II.4): local error estimate
 * err = ‖h·Σᵢ eᵢkᵢ‖ in the RMS norm scaled by atolᵢ + rtol·max(|yᵢ|, |ŷᵢ|); a step is accepted when
 * err ≤ 1, and the next |h| is |h|·min(maxFactor, max(minFactor, safety·err^(−1/5))) (maxFactor = 1
 * right after a rejection). The first step comes from the §II.4 starting-step heuristic (one extra
 * right-hand-side evaluation) unless `initialStep` is given. FSAL: an accepted step's last stage is
 * the next step's first, so each attempted step costs 6 evaluations.
 * Tableau: math/dormandPrince.ts. Fixed-grid schemes: Euler (order 1), Heun and midpoint (2), the
 * classical RK4 (4) and the Dormand–Prince 5th-order weights without error control (5).
 */
import { DOPRI_A, DOPRI_B, DOPRI_C, DOPRI_E, DOPRI_ORDER, dopriInterpolate } from "./dormandPrince.js";

/** dy/dt at (t, y), synchronously or as a promise. It must not modify `y`; its result is not modified. */
export type AsyncRhs = (t: number, y: Float64Array) => Float64Array | Promise<Float64Array>;

/** Adaptive Dormand–Prince 5(4) with error control (see the file header). */
export interface AdaptiveSolver {
  readonly kind: "adaptive";
  /** Relative tolerance (default 1e-5). */
  readonly rtol?: number;
  /** Absolute tolerance, one for all components or one per component (default 1e-5). */
  readonly atol?: number | Float64Array;
  /** Upper bound on attempted (accepted + rejected) steps (default 10 000). */
  readonly maxSteps?: number;
  /** First |h| to try; default: the starting-step heuristic (one extra evaluation). */
  readonly initialStep?: number;
  /** Largest |h| (default |t1 − t0|). */
  readonly maxStep?: number;
  /** Safety factor of the step-size update (default 0.9). */
  readonly safety?: number;
  /** Smallest step-size ratio between consecutive attempts (default 0.2). */
  readonly minFactor?: number;
  /** Largest step-size ratio after an accepted step (default 10). */
  readonly maxFactor?: number;
}

/** An explicit Runge–Kutta scheme for fixed grids. */
export type FixedScheme = "euler" | "heun" | "midpoint" | "rk4" | "dopri5";

/** A fixed grid: `steps` uniform steps from t0 to t1, or explicit `grid` times (t0 first, t1 last). */
export interface FixedGridSolver {
  readonly kind: "fixed";
  /** Scheme (default "rk4"). */
  readonly scheme?: FixedScheme;
  /** Number of uniform steps; exactly one of `steps` and `grid`. */
  readonly steps?: number;
  /** Strictly monotone times from t0 to t1 (both included). */
  readonly grid?: readonly number[];
}

/** Which integrator to use (a discriminated union on `kind`). */
export type Solver = AdaptiveSolver | FixedGridSolver;

/** What `onStep` receives after every accepted step. */
export interface StepInfo {
  /** Time at the end of the step. */
  readonly t: number;
  /** State at `t` (do not modify). */
  readonly y: Float64Array;
  /** Signed size of the step just taken. */
  readonly h: number;
  /** Right-hand-side evaluations so far. */
  readonly nfe: number;
}

/** Options of `integrate`. */
export interface IntegrateOptions {
  /** Default `{ kind: "adaptive" }`. */
  readonly solver?: Solver;
  /**
   * Times (between t0 and t1, any order) at which to return the state: dense output (order 4) for
   * the adaptive solver; for a fixed grid each time must be a grid node.
   */
  readonly saveAt?: readonly number[];
  /** Called after every accepted step (awaited). */
  readonly onStep?: (info: StepInfo) => void | Promise<void>;
}

/** Result of `integrate`. */
export interface IntegrateResult {
  /** y(t1). */
  readonly y: Float64Array;
  /** The state at each `saveAt` time, in the order given. */
  readonly saved: readonly Float64Array[];
  /** Right-hand-side evaluations (NFE), including the starting-step heuristic's. */
  readonly nfe: number;
  /** Accepted steps. */
  readonly accepted: number;
  /** Rejected steps (0 on a fixed grid). */
  readonly rejected: number;
}

/** Default tolerances of the adaptive solver. */
export const DEFAULT_TOLERANCE = { rtol: 1e-5, atol: 1e-5 } as const;

const FN = "integrate";

/**
 * Integrates y' = rhs(t, y) from (t0, y0) to t1 (either direction) and returns y(t1) with the work
 * done. Throws a RangeError naming `integrate` on bad arguments, a non-finite right-hand side, step
 * size underflow or when `maxSteps` is exceeded.
 * Source: Dormand & Prince (1980); Hairer, Nørsett & Wanner, Solving ODEs I, §II.4–II.6.
 */
export async function integrate(
  rhs: AsyncRhs,
  y0: Float64Array,
  t0: number,
  t1: number,
  options: IntegrateOptions = {},
): Promise<IntegrateResult> {
  checkProblem(FN, rhs, y0, t0, t1);
  const solver = options.solver ?? { kind: "adaptive" };
  const saveAt = options.saveAt ?? [];
  checkSaveAt(FN, saveAt, t0, t1);
  if (solver === null || typeof solver !== "object") {
    throw new TypeError(`${FN}: options.solver must be { kind: "adaptive", … } or { kind: "fixed", … }`);
  }
  if (solver.kind === "fixed") return integrateFixed(rhs, y0, t0, t1, solver, saveAt, options.onStep);
  if (solver.kind !== "adaptive") {
    throw new TypeError(
      `${FN}: options.solver.kind must be "adaptive" or "fixed", got ${JSON.stringify((solver as { kind: unknown }).kind)}`,
    );
  }
  const dir = t1 >= t0 ? 1 : -1;
  // Output times in the order they are reached.
  const order = saveAt.map((_, i) => i).sort((i, j) => dir * (saveAt[i]! - saveAt[j]!));
  const saved: Float64Array[] = new Array(saveAt.length);
  let next = 0;
  const emit = (tLimit: number, at: (t: number) => Float64Array): void => {
    while (next < order.length && dir * (saveAt[order[next]!]! - tLimit) <= 0) {
      const i = order[next++]!;
      saved[i] = at(saveAt[i]!);
    }
  };
  emit(t0, () => Float64Array.from(y0));
  let state = await dopriInit(rhs, y0, t0, t1, solver);
  while (!state.done) {
    const { state: s, accepted, interpolate } = await dopriStep(rhs, state, solver);
    if (accepted) {
      emit(s.t, (t) => (t === s.t ? Float64Array.from(s.y) : interpolate!(t)));
      if (options.onStep) await options.onStep({ t: s.t, y: s.y, h: s.t - state.t, nfe: s.nfe });
    }
    state = s;
  }
  emit(t1, () => Float64Array.from(state.y));
  return { y: state.y, saved, nfe: state.nfe, accepted: state.accepted, rejected: state.rejected };
}

/** The adaptive solver's state between steps (immutable: `dopriStep` returns a new one). */
export interface DopriState {
  /** Current time. */
  readonly t: number;
  /** State at `t`. */
  readonly y: Float64Array;
  /** f(t, y) (first stage of the next step, FSAL). */
  readonly f: Float64Array;
  /** Signed size of the next step to attempt. */
  readonly h: number;
  /** End time. */
  readonly t1: number;
  /** True once t = t1. */
  readonly done: boolean;
  /** Whether the last attempt was rejected (caps the next growth factor at 1). */
  readonly lastRejected: boolean;
  /** Right-hand-side evaluations so far. */
  readonly nfe: number;
  /** Accepted steps so far. */
  readonly accepted: number;
  /** Rejected steps so far. */
  readonly rejected: number;
}

/** Result of one `dopriStep`: the new state, whether the attempt was accepted, and its dense output. */
export interface DopriStepResult {
  readonly state: DopriState;
  readonly accepted: boolean;
  /** y at any t inside the accepted step (order 4); undefined after a rejection. */
  readonly interpolate?: (t: number) => Float64Array;
}

/**
 * The adaptive solver's initial state at (t0, y0) towards t1: evaluates f(t0, y0) and picks the first
 * step (`solver.initialStep`, or the §II.4 heuristic at the cost of one more evaluation).
 */
export async function dopriInit(
  rhs: AsyncRhs,
  y0: Float64Array,
  t0: number,
  t1: number,
  solver: AdaptiveSolver = { kind: "adaptive" },
): Promise<DopriState> {
  const fn = "dopriInit";
  checkProblem(fn, rhs, y0, t0, t1);
  const { rtol, atol } = tolerances(fn, solver, y0.length);
  const span = Math.abs(t1 - t0);
  const maxStep = positiveOr(fn, "solver.maxStep", solver.maxStep, span);
  const dir = t1 >= t0 ? 1 : -1;
  const y = Float64Array.from(y0);
  const base = { t: t0, y, t1, lastRejected: false, accepted: 0, rejected: 0 };
  if (span === 0) return { ...base, f: new Float64Array(y.length), h: 0, done: true, nfe: 0 };
  const f = await evaluate(fn, rhs, t0, y);
  let nfe = 1;
  let h: number;
  if (solver.initialStep !== undefined) {
    h = positiveOr(fn, "solver.initialStep", solver.initialStep, span);
  } else {
    // Starting step (Hairer, Nørsett & Wanner, Solving ODEs I, §II.4).
    const scale = (i: number) => atol(i) + rtol * Math.abs(y[i]!);
    const d0 = rms(y.length, (i) => y[i]! / scale(i));
    const d1 = rms(y.length, (i) => f[i]! / scale(i));
    let h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 * Math.max(1, span) : (0.01 * d0) / d1;
    h0 = Math.min(h0, span);
    const y1 = new Float64Array(y.length);
    for (let i = 0; i < y.length; i++) y1[i] = y[i]! + dir * h0 * f[i]!;
    const f1 = await evaluate(fn, rhs, t0 + dir * h0, y1);
    nfe++;
    const d2 = rms(y.length, (i) => (f1[i]! - f[i]!) / scale(i)) / h0;
    const m = Math.max(d1, d2);
    const h1 = m <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / m) ** (1 / DOPRI_ORDER);
    h = Math.min(100 * h0, h1);
  }
  h = Math.min(h, maxStep, span);
  return { ...base, f, h: dir * h, done: false, nfe };
}

/**
 * One attempted Dormand–Prince 5(4) step from `state` (six evaluations): accepted when the scaled
 * RMS error ≤ 1. Returns the new state (t advanced only when accepted) and the step's dense output.
 * Throws a RangeError naming `dopriStep` on step-size underflow or when `maxSteps` is exceeded.
 */
export async function dopriStep(
  rhs: AsyncRhs,
  state: DopriState,
  solver: AdaptiveSolver = { kind: "adaptive" },
): Promise<DopriStepResult> {
  const fn = "dopriStep";
  if (state.done) return { state, accepted: false };
  const n = state.y.length;
  const { rtol, atol } = tolerances(fn, solver, n);
  const maxSteps = solver.maxSteps ?? 10_000;
  if (!(Number.isInteger(maxSteps) && maxSteps > 0)) {
    throw new RangeError(`${fn}: solver.maxSteps must be a positive integer, got ${maxSteps}`);
  }
  const safety = solver.safety ?? 0.9;
  const minFactor = solver.minFactor ?? 0.2;
  const maxFactor = solver.maxFactor ?? 10;
  if (!(safety > 0 && safety <= 1 && minFactor > 0 && minFactor < 1 && maxFactor > 1)) {
    throw new RangeError(
      `${fn}: need 0 < safety ≤ 1, 0 < minFactor < 1 < maxFactor, got ${safety}, ${minFactor}, ${maxFactor}`,
    );
  }
  if (state.accepted + state.rejected >= maxSteps) {
    throw new RangeError(
      `${fn}: more than ${maxSteps} steps between t = ${state.t} and ${state.t1} — the ODE is stiff or the tolerances are too tight; loosen rtol/atol or raise solver.maxSteps`,
    );
  }
  const { t, y, t1 } = state;
  const remaining = t1 - t;
  const dir = Math.sign(remaining);
  // Land exactly on t1 when the proposed step (almost) reaches it.
  const last = Math.abs(state.h) * 1.01 >= Math.abs(remaining);
  const h = last ? remaining : state.h;
  if (!last && Math.abs(h) <= 1e-14 * Math.max(1, Math.abs(t))) {
    throw new RangeError(
      `${fn}: step size underflow at t = ${t} (h = ${h}); the right-hand side is singular or non-smooth there — stop short of that time or loosen rtol/atol`,
    );
  }
  const k: Float64Array[] = [state.f];
  let nfe = state.nfe;
  for (let s = 1; s < 6; s++) {
    // A non-finite stage is allowed: it makes the error estimate NaN, which rejects the step.
    k.push(await callRhs(fn, rhs, t + DOPRI_C[s]! * h, combine(y, k, DOPRI_A[s]!, h)));
    nfe++;
  }
  const yNew = combine(y, k, DOPRI_B, h);
  const tNew = last ? t1 : t + h;
  k.push(await callRhs(fn, rhs, tNew, yNew));
  nfe++;
  const err = rms(n, (i) => {
    let e = 0;
    for (let j = 0; j < 7; j++) e += DOPRI_E[j]! * k[j]![i]!;
    return (h * e) / (atol(i) + rtol * Math.max(Math.abs(y[i]!), Math.abs(yNew[i]!)));
  });
  const accepted = err <= 1; // false for NaN: a non-finite stage rejects the step
  const growth = accepted && !state.lastRejected ? maxFactor : 1;
  const factor = Number.isFinite(err)
    ? Math.min(growth, Math.max(minFactor, safety * err ** (-1 / DOPRI_ORDER)))
    : minFactor;
  const maxStep = solver.maxStep ?? Number.POSITIVE_INFINITY;
  const hNext = dir * Math.min(Math.abs(h) * factor, maxStep);
  if (!accepted) {
    return {
      state: { ...state, h: hNext, lastRejected: true, nfe, rejected: state.rejected + 1 },
      accepted: false,
    };
  }
  const interpolate = (tq: number): Float64Array => dopriInterpolate(y, k, h, (tq - t) / h);
  return {
    state: {
      t: tNew,
      y: yNew,
      f: k[6]!,
      h: hNext,
      t1,
      done: tNew === t1,
      lastRejected: false,
      nfe,
      accepted: state.accepted + 1,
      rejected: state.rejected,
    },
    accepted: true,
    interpolate,
  };
}

/** A Butcher tableau of an explicit scheme (c, lower-triangular a, weights b). */
interface Tableau {
  readonly c: readonly number[];
  readonly a: readonly (readonly number[])[];
  readonly b: readonly number[];
}

const FIXED: Record<FixedScheme, Tableau> = {
  euler: { c: [0], a: [[]], b: [1] },
  heun: { c: [0, 1], a: [[], [1]], b: [1 / 2, 1 / 2] },
  midpoint: { c: [0, 1 / 2], a: [[], [1 / 2]], b: [0, 1] },
  rk4: {
    c: [0, 1 / 2, 1 / 2, 1],
    a: [[], [1 / 2], [0, 1 / 2], [0, 0, 1]],
    b: [1 / 6, 1 / 3, 1 / 3, 1 / 6],
  },
  dopri5: { c: DOPRI_C, a: DOPRI_A, b: DOPRI_B },
};

/** Order of each fixed-grid scheme. */
export const FIXED_SCHEME_ORDER: Readonly<Record<FixedScheme, number>> = {
  euler: 1,
  heun: 2,
  midpoint: 2,
  rk4: 4,
  dopri5: 5,
};

/** The fixed grid of `solver` from t0 to t1 (validated). */
export function fixedGrid(solver: FixedGridSolver, t0: number, t1: number, fn = "fixedGrid"): number[] {
  const { steps, grid } = solver;
  if ((steps === undefined) === (grid === undefined)) {
    throw new RangeError(
      `${fn}: a fixed solver needs exactly one of steps (a count) and grid (explicit times)`,
    );
  }
  if (steps !== undefined) {
    if (!(Number.isInteger(steps) && steps >= 1)) {
      throw new RangeError(`${fn}: solver.steps must be a positive integer, got ${steps}`);
    }
    return Array.from({ length: steps + 1 }, (_, i) => (i === steps ? t1 : t0 + ((t1 - t0) * i) / steps));
  }
  const g = grid!;
  const dir = t1 >= t0 ? 1 : -1;
  if (!Array.isArray(g) || g.length < 2 || g[0] !== t0 || g[g.length - 1] !== t1) {
    throw new RangeError(
      `${fn}: solver.grid must start at t0 = ${t0} and end at t1 = ${t1} (at least 2 times)`,
    );
  }
  for (let i = 1; i < g.length; i++) {
    if (!(dir * (g[i]! - g[i - 1]!) > 0)) {
      throw new RangeError(
        `${fn}: solver.grid must be strictly ${dir > 0 ? "increasing" : "decreasing"}; entries ${i - 1} and ${i} are ${g[i - 1]} and ${g[i]}`,
      );
    }
  }
  return [...g];
}

async function integrateFixed(
  rhs: AsyncRhs,
  y0: Float64Array,
  t0: number,
  t1: number,
  solver: FixedGridSolver,
  saveAt: readonly number[],
  onStep: IntegrateOptions["onStep"],
): Promise<IntegrateResult> {
  const scheme = solver.scheme ?? "rk4";
  const tableau = FIXED[scheme];
  if (tableau === undefined) {
    throw new RangeError(
      `${FN}: solver.scheme must be one of ${Object.keys(FIXED)
        .map((s) => `"${s}"`)
        .join(", ")}, got ${JSON.stringify(scheme)}`,
    );
  }
  const grid = t0 === t1 ? [t0] : fixedGrid(solver, t0, t1, FN);
  const saved: Float64Array[] = new Array(saveAt.length);
  const slots = new Map<number, number[]>();
  saveAt.forEach((ts, i) => {
    if (!grid.includes(ts)) {
      throw new RangeError(`${FN}: saveAt time ${ts} is not a node of the fixed grid; add it to solver.grid`);
    }
    slots.set(ts, [...(slots.get(ts) ?? []), i]);
  });
  const save = (t: number, y: Float64Array) => {
    for (const i of slots.get(t) ?? []) saved[i] = Float64Array.from(y);
  };
  let y: Float64Array = Float64Array.from(y0);
  save(t0, y);
  let nfe = 0;
  const { c, a, b } = tableau;
  for (let step = 1; step < grid.length; step++) {
    const t = grid[step - 1]!;
    const h = grid[step]! - t;
    const k: Float64Array[] = [];
    for (let s = 0; s < c.length; s++) {
      k.push(await evaluate(FN, rhs, t + c[s]! * h, combine(y, k, a[s]!, h)));
      nfe++;
    }
    y = combine(y, k, b, h);
    save(grid[step]!, y);
    if (onStep) await onStep({ t: grid[step]!, y, h, nfe });
  }
  return { y, saved, nfe, accepted: grid.length - 1, rejected: 0 };
}

/** y + h·Σⱼ wⱼ·kⱼ (one Runge–Kutta stage or update; zero weights skipped) as a new array. */
function combine(y: Float64Array, k: readonly Float64Array[], w: readonly number[], h: number): Float64Array {
  const out = Float64Array.from(y);
  for (let j = 0; j < w.length; j++) {
    const hw = h * w[j]!;
    if (hw === 0) continue;
    const kj = k[j]!;
    for (let i = 0; i < out.length; i++) out[i]! += hw * kj[i]!;
  }
  return out;
}

function rms(n: number, term: (i: number) => number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += term(i) ** 2;
  return Math.sqrt(s / Math.max(n, 1));
}

/** rhs(t, y), checked to be a Float64Array of the state's length (throws naming `fn`). */
async function callRhs(fn: string, rhs: AsyncRhs, t: number, y: Float64Array): Promise<Float64Array> {
  const f = await rhs(t, y);
  if (!(f instanceof Float64Array) || f.length !== y.length) {
    throw new RangeError(
      `${fn}: the right-hand side returned ${f instanceof Float64Array ? `length ${f.length}` : String(f)} at t = ${t}; it must return a Float64Array of the state's length ${y.length}`,
    );
  }
  return f;
}

/** Like `callRhs`, and every value must be finite. */
async function evaluate(fn: string, rhs: AsyncRhs, t: number, y: Float64Array): Promise<Float64Array> {
  const f = await callRhs(fn, rhs, t, y);
  for (let i = 0; i < f.length; i++) {
    if (!Number.isFinite(f[i]!)) {
      throw new RangeError(
        `${fn}: the right-hand side is ${f[i]} in component ${i} at t = ${t}; it must be finite`,
      );
    }
  }
  return f;
}

function checkProblem(fn: string, rhs: unknown, y0: unknown, t0: number, t1: number): void {
  if (typeof rhs !== "function") throw new TypeError(`${fn}: rhs must be a function (t, y) => dy/dt`);
  if (!(y0 instanceof Float64Array)) {
    throw new TypeError(
      `${fn}: y0 must be a Float64Array, got ${y0 === null ? "null" : typeof y0}; use Float64Array.from(y0)`,
    );
  }
  for (let i = 0; i < y0.length; i++) {
    if (!Number.isFinite(y0[i]!))
      throw new RangeError(`${fn}: y0[${i}] is ${y0[i]}; every entry must be finite`);
  }
  if (!Number.isFinite(t0) || !Number.isFinite(t1)) {
    throw new RangeError(`${fn}: t0 and t1 must be finite numbers, got t0 = ${t0}, t1 = ${t1}`);
  }
}

function checkSaveAt(fn: string, saveAt: readonly number[], t0: number, t1: number): void {
  if (!Array.isArray(saveAt)) throw new TypeError(`${fn}: options.saveAt must be an array of times`);
  const lo = Math.min(t0, t1);
  const hi = Math.max(t0, t1);
  for (const t of saveAt) {
    if (!(t >= lo && t <= hi)) throw new RangeError(`${fn}: saveAt time ${t} lies outside [${lo}, ${hi}]`);
  }
}

function tolerances(
  fn: string,
  solver: AdaptiveSolver,
  n: number,
): { rtol: number; atol: (i: number) => number } {
  const rtol = solver.rtol ?? DEFAULT_TOLERANCE.rtol;
  const atol = solver.atol ?? DEFAULT_TOLERANCE.atol;
  if (!(rtol >= 0 && Number.isFinite(rtol))) {
    throw new RangeError(`${fn}: solver.rtol must be a finite number ≥ 0, got ${rtol}; e.g. 1e-6`);
  }
  if (typeof atol === "number") {
    if (!(atol >= 0 && Number.isFinite(atol)) || (atol === 0 && rtol === 0)) {
      throw new RangeError(
        `${fn}: solver.atol must be a finite number ≥ 0 (not both tolerances 0), got ${atol}`,
      );
    }
    return { rtol, atol: () => atol };
  }
  if (!(atol instanceof Float64Array) || atol.length !== n) {
    throw new RangeError(`${fn}: solver.atol must be a number or a Float64Array of the state's length ${n}`);
  }
  for (let i = 0; i < n; i++) {
    if (!(atol[i]! >= 0 && Number.isFinite(atol[i]!)) || (atol[i] === 0 && rtol === 0)) {
      throw new RangeError(
        `${fn}: solver.atol[${i}] = ${atol[i]} must be finite and ≥ 0 (positive when rtol = 0)`,
      );
    }
  }
  return { rtol, atol: (i) => atol[i]! };
}

function positiveOr(fn: string, name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value > 0 && Number.isFinite(value)))
    throw new RangeError(`${fn}: ${name} must be a positive number, got ${value}`);
  return value;
}
