/**
 * The ODE integrator for y' = f(t, y): adaptive Dormand–Prince 5(4) (the one step controller of
 * math/dormandPrince.ts) or a fixed grid of an explicit Runge–Kutta scheme, forward (t1 > t0) or
 * backward (t1 < t0) in t, with two thin drivers over the same solve:
 *
 *   integrate(rhs, y0, t0, t1, options)       right-hand side synchronous or returning a promise
 *   integrateSync(rhs, y0, t0, t1, options)   synchronous right-hand side, synchronous result
 *
 * The state may be a batch: `rows` rows of y0.length / rows numbers, and the right-hand side gets
 * the rows it is asked for, f(t, y, rows) with y = those rows. With `solver.control: "perRow"` each
 * row has its own error norm and step sequence (block steps), so a row's result does not depend on
 * the other rows; with "shared" (the default here) one error norm covers the whole state.
 * Fixed-grid schemes: Euler (order 1), Heun and midpoint (2), the classical RK4 (4) and the
 * Dormand–Prince 5th-order weights without error control (5); every row takes the grid's steps.
 * Source: Dormand & Prince (1980); Hairer, Nørsett & Wanner, Solving ODEs I, §II.1, §II.4–II.6.
 */
import {
  DOPRI_A,
  DOPRI_B,
  DOPRI_C,
  type DopriSettings,
  type OdeOutcome,
  type OdeRequest,
  type OdeSolve,
  type StepControl,
  type StepInfo,
  combine,
  dopriSolve,
  received,
} from "./dormandPrince.js";

export type { StepControl, StepInfo } from "./dormandPrince.js";

/**
 * dy/dt at time t for `rows` (y holds those rows, rows.length × width; the result has the same
 * layout), synchronously or as a promise. It must not modify `y`; its result is not modified.
 */
export type AsyncRhs = (t: number, y: Float64Array, rows: Int32Array) => Float64Array | Promise<Float64Array>;

/** A synchronous right-hand side (see `AsyncRhs`). */
export type SyncRhs = (t: number, y: Float64Array, rows: Int32Array) => Float64Array;

/** Adaptive Dormand–Prince 5(4) with error control (math/dormandPrince.ts). */
export interface AdaptiveSolver {
  readonly kind: "adaptive";
  /** Relative tolerance, one for all components or one per component of the state (default 1e-5). */
  readonly rtol?: number | Float64Array;
  /** Absolute tolerance, one for all components or one per component of the state (default 1e-5). */
  readonly atol?: number | Float64Array;
  /** "shared" (default): one error norm over the state; "perRow": each row its own (block steps). */
  readonly control?: StepControl;
  /** Most attempted (accepted + rejected) steps of one row, or of the batch under "shared" (default 100 000). */
  readonly maxSteps?: number;
  /** First |h| to try, one or one per row; default: the starting-step heuristic (one extra evaluation). */
  readonly initialStep?: number | Float64Array;
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

/** Options of `integrate` and `integrateSync`. */
export interface IntegrateOptions {
  /** Default `{ kind: "adaptive" }`. */
  readonly solver?: Solver;
  /** Rows of the state (default 1): y0 holds rows × (y0.length / rows) numbers. */
  readonly rows?: number;
  /**
   * Times (between t0 and t1, any order) at which to return the state: dense output (order 4) for
   * the adaptive solver; for a fixed grid each time must be a grid node.
   */
  readonly saveAt?: readonly number[];
  /** Called after every accepted step (awaited by `integrate`). */
  readonly onStep?: (info: StepInfo) => void | Promise<void>;
}

/** Result of `integrate`: y(t1), the saved states and the work done (see `OdeOutcome`). */
export type IntegrateResult = OdeOutcome;

/** Default tolerances of the adaptive solver. */
export const DEFAULT_TOLERANCE = { rtol: 1e-5, atol: 1e-5 } as const;

/** Default most attempted steps per controller. */
export const DEFAULT_MAX_STEPS = 100_000;

/**
 * Integrates y' = rhs(t, y, rows) from (t0, y0) to t1 (either direction) and returns y(t1) with the
 * work done. Throws a RangeError naming `integrate` on bad arguments, a non-finite right-hand side at
 * the start, step-size underflow or when `maxSteps` is exceeded.
 * Source: Dormand & Prince (1980); Hairer, Nørsett & Wanner, Solving ODEs I, §II.4–II.6.
 */
export async function integrate(
  rhs: AsyncRhs,
  y0: Float64Array,
  t0: number,
  t1: number,
  options: IntegrateOptions = {},
): Promise<IntegrateResult> {
  const fn = "integrate";
  const solve = prepare(fn, rhs, y0, t0, t1, options);
  const { onStep } = options;
  let r = solve.next();
  while (!r.done) {
    const q: OdeRequest = r.value;
    if (q.kind === "evaluate") r = solve.next(await rhs(q.t, q.y, q.rows));
    else {
      if (onStep) await onStep(q.info);
      r = solve.next(undefined);
    }
  }
  return r.value;
}

/**
 * `integrate` for a synchronous right-hand side, with a synchronous result (the same solve; errors
 * name `fn`, default "integrateSync"). An `onStep` that returns a promise is not awaited.
 */
export function integrateSync(
  rhs: SyncRhs,
  y0: Float64Array,
  t0: number,
  t1: number,
  options: IntegrateOptions = {},
  fn = "integrateSync",
): IntegrateResult {
  const solve = prepare(fn, rhs, y0, t0, t1, options);
  const { onStep } = options;
  let r = solve.next();
  while (!r.done) {
    const q: OdeRequest = r.value;
    if (q.kind === "evaluate") r = solve.next(rhs(q.t, q.y, q.rows));
    else {
      if (onStep) void onStep(q.info);
      r = solve.next(undefined);
    }
  }
  return r.value;
}

/** Validates the problem and options and starts the solve they ask for. */
function prepare(
  fn: string,
  rhs: unknown,
  y0: Float64Array,
  t0: number,
  t1: number,
  options: IntegrateOptions,
): OdeSolve {
  checkProblem(fn, rhs, y0, t0, t1);
  const rows = options.rows ?? 1;
  if (!(Number.isSafeInteger(rows) && rows >= 0 && (rows === 0 ? y0.length === 0 : y0.length % rows === 0))) {
    throw new RangeError(
      `${fn}: options.rows must be a non-negative integer dividing y0's length ${y0.length}, got ${rows}`,
    );
  }
  const solver = options.solver ?? { kind: "adaptive" };
  const saveAt = options.saveAt ?? [];
  checkSaveAt(fn, saveAt, t0, t1);
  if (solver === null || typeof solver !== "object") {
    throw new TypeError(`${fn}: options.solver must be { kind: "adaptive", … } or { kind: "fixed", … }`);
  }
  if (solver.kind === "fixed") return fixedSolve(fn, y0, t0, t1, rows, solver, saveAt);
  if (solver.kind !== "adaptive") {
    throw new TypeError(
      `${fn}: options.solver.kind must be "adaptive" or "fixed", got ${JSON.stringify((solver as { kind: unknown }).kind)}`,
    );
  }
  return dopriSolve(fn, y0, t0, t1, rows, adaptiveSettings(fn, solver, y0.length, rows), saveAt);
}

/** The validated settings of an adaptive solver for a state of `n` numbers in `rows` rows. */
function adaptiveSettings(fn: string, solver: AdaptiveSolver, n: number, rows: number): DopriSettings {
  const rtol = solver.rtol ?? DEFAULT_TOLERANCE.rtol;
  const atol = solver.atol ?? DEFAULT_TOLERANCE.atol;
  const tolerance = (name: "rtol" | "atol", v: number | Float64Array): void => {
    if (typeof v === "number") {
      if (!(v >= 0 && Number.isFinite(v))) {
        throw new RangeError(`${fn}: solver.${name} must be a finite number ≥ 0, got ${v}; e.g. 1e-6`);
      }
      return;
    }
    if (!(v instanceof Float64Array) || v.length !== n) {
      throw new RangeError(
        `${fn}: solver.${name} must be a number or a Float64Array of the state's length ${n}`,
      );
    }
    for (let i = 0; i < n; i++) {
      if (!(v[i]! >= 0 && Number.isFinite(v[i]!))) {
        throw new RangeError(`${fn}: solver.${name}[${i}] = ${v[i]} must be a finite number ≥ 0`);
      }
    }
  };
  tolerance("rtol", rtol);
  tolerance("atol", atol);
  for (let i = 0; i < n; i++) {
    const r = typeof rtol === "number" ? rtol : rtol[i]!;
    const a = typeof atol === "number" ? atol : atol[i]!;
    if (r === 0 && a === 0) {
      throw new RangeError(
        `${fn}: solver.atol must be positive where rtol is 0 (component ${i}); not both tolerances 0`,
      );
    }
  }
  const control = solver.control ?? "shared";
  if (control !== "shared" && control !== "perRow") {
    throw new RangeError(
      `${fn}: solver.control must be "shared" or "perRow", got ${JSON.stringify(control)}`,
    );
  }
  const maxSteps = solver.maxSteps ?? DEFAULT_MAX_STEPS;
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
  const maxStep = solver.maxStep ?? Number.POSITIVE_INFINITY;
  if (!(maxStep > 0)) throw new RangeError(`${fn}: solver.maxStep must be a positive number, got ${maxStep}`);
  const { initialStep } = solver;
  if (initialStep !== undefined) {
    const units = control === "perRow" ? rows : 1;
    const values = typeof initialStep === "number" ? [initialStep] : initialStep;
    if (
      !(
        typeof initialStep === "number" ||
        (initialStep instanceof Float64Array && initialStep.length === units)
      )
    ) {
      throw new RangeError(
        `${fn}: solver.initialStep must be a number${control === "perRow" ? ` or a Float64Array of one step per row (${rows})` : ""}`,
      );
    }
    for (const h of values) {
      if (!(h > 0 && Number.isFinite(h)))
        throw new RangeError(`${fn}: solver.initialStep must be a positive number, got ${h}`);
    }
  }
  return { rtol, atol, maxSteps, initialStep, maxStep, safety, minFactor, maxFactor, control };
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

/** One explicit Runge–Kutta step per grid interval, every row together. */
function* fixedSolve(
  fn: string,
  y0: Float64Array,
  t0: number,
  t1: number,
  rows: number,
  solver: FixedGridSolver,
  saveAt: readonly number[],
): OdeSolve {
  const scheme = solver.scheme ?? "rk4";
  const tableau = FIXED[scheme];
  if (tableau === undefined) {
    throw new RangeError(
      `${fn}: solver.scheme must be one of ${Object.keys(FIXED)
        .map((s) => `"${s}"`)
        .join(", ")}, got ${JSON.stringify(scheme)}`,
    );
  }
  const grid = t0 === t1 ? [t0] : fixedGrid(solver, t0, t1, fn);
  const saved: Float64Array[] = new Array(saveAt.length);
  const slots = new Map<number, number[]>();
  saveAt.forEach((ts, i) => {
    if (!grid.includes(ts)) {
      throw new RangeError(`${fn}: saveAt time ${ts} is not a node of the fixed grid; add it to solver.grid`);
    }
    slots.set(ts, [...(slots.get(ts) ?? []), i]);
  });
  const save = (t: number, y: Float64Array) => {
    for (const i of slots.get(t) ?? []) saved[i] = Float64Array.from(y);
  };
  const all = Int32Array.from({ length: rows }, (_, i) => i);
  let y: Float64Array = Float64Array.from(y0);
  save(t0, y);
  let nfe = 0;
  const { c, a, b } = tableau;
  for (let step = 1; step < grid.length; step++) {
    const t = grid[step - 1]!;
    const h = grid[step]! - t;
    const k: Float64Array[] = [];
    for (let s = 0; s < c.length; s++) {
      const ts = t + c[s]! * h;
      const f = received(
        fn,
        yield { kind: "evaluate", t: ts, y: combine(y, k, a[s]!, h), rows: all },
        y.length,
        ts,
      );
      for (let i = 0; i < f.length; i++) {
        if (!Number.isFinite(f[i]!)) {
          throw new RangeError(
            `${fn}: the right-hand side is ${f[i]} in component ${i} at t = ${ts} (fixed-grid step ${step}); it must be finite — use more steps or the adaptive solver`,
          );
        }
      }
      k.push(f);
      nfe++;
    }
    y = combine(y, k, b, h);
    save(grid[step]!, y);
    yield { kind: "accepted", info: { t: grid[step]!, rows: all, y, h, nfe } };
  }
  const last = grid.length > 1 ? grid[grid.length - 1]! - grid[grid.length - 2]! : 0;
  return {
    y,
    saved,
    nfe,
    accepted: grid.length - 1,
    rejected: 0,
    evaluations: new Int32Array(rows).fill(nfe),
    h: new Float64Array(rows).fill(last),
  };
}

function checkProblem(fn: string, rhs: unknown, y0: unknown, t0: number, t1: number): void {
  if (typeof rhs !== "function") throw new TypeError(`${fn}: rhs must be a function (t, y, rows) => dy/dt`);
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
