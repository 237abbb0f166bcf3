/**
 * Time-varying linear SDEs dx = (F(t)·x + u(t)) dt + L(t) dW, with transitions from the linear moment
 * ODEs (one solve gives every output time through dense output):
 *   forward in t from s (A, u, Σ)(s) = (I, 0, 0):  A' = F·A,  u' = F·u + u(t),  Σ' = F·Σ + Σ·Fᵀ + Λ(t);
 *   backward in τ from t (Φ, v, Ψ)(t) = (I, 0, 0) for p(x_t | x_τ):  Φ' = −Φ·F(τ),  v' = −Φ·u(τ),
 *   Ψ' = −Φ·Λ(τ)·Φᵀ  (derivatives in τ).
 * Source: Särkkä & Solin (2019), Applied SDEs, eqs. (6.2)–(6.3) and §6.3; the backward equations are
 * the derivatives of A_{t|τ} = Ψ(t, τ) and of the variation-of-constants integrals in the start time.
 */
import { type MatLike, denseMat, matMulT, symmetrize, toDense, toMat, toVector } from "../math/matrix.js";
import { type OdeOptions, solveOde } from "./ode.js";
import {
  type LinearSde,
  type SdeParams,
  type Transition,
  type TransitionGrid,
  checkDim,
  checkInterval,
} from "./sde.js";

/** Options of `linearSde`: coefficient functions of t and the dimension. */
export interface LinearSdeOptions {
  /** F(t): number (c·I), vector (diagonal) or rows (dense). */
  readonly F: (t: number) => MatLike;
  /** u(t) (default 0). */
  readonly u?: (t: number) => number | ArrayLike<number>;
  /** Square L(t); Λ(t) = L(t)·L(t)ᵀ may be singular. */
  readonly L: (t: number) => MatLike;
  readonly dim: number;
  readonly name?: string;
  /** ODE tolerances (default rtol 1e-12, atol 1e-13). */
  readonly tolerance?: OdeOptions;
}

/** Packs/unpacks the moment state [A (d²) | u (d) | Σ (d²)]. */
function unpack(y: Float64Array, d: number): Transition {
  const dd = d * d;
  return {
    A: denseMat(y.slice(0, dd), d),
    u: y.slice(dd, dd + d),
    cov: symmetrize(denseMat(y.slice(dd + d), d)),
  };
}

function identityState(d: number): Float64Array {
  const y = new Float64Array(2 * d * d + d);
  for (let i = 0; i < d; i++) y[i * d + i] = 1;
  return y;
}

/** Dense F, u, Λ at t (row-major arrays) for the ODE right-hand sides. */
interface DenseParams {
  readonly F: Float64Array;
  readonly u: Float64Array;
  readonly Lambda: Float64Array;
}

/**
 * Forward moment ODE right-hand side (file header) on y = [A | u | Σ]: A' = FA, u' = Fu + u(t),
 * Σ' = FΣ + ΣFᵀ + Λ.
 */
export function forwardMomentRhs(at: (t: number) => DenseParams, d: number) {
  const dd = d * d;
  return (t: number, y: Float64Array, dy: Float64Array): void => {
    const { F, u, Lambda } = at(t);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let fa = 0;
        let fs = 0;
        let sf = 0;
        for (let k = 0; k < d; k++) {
          fa += F[i * d + k]! * y[k * d + j]!;
          fs += F[i * d + k]! * y[dd + d + k * d + j]!;
          sf += y[dd + d + i * d + k]! * F[j * d + k]!;
        }
        dy[i * d + j] = fa;
        dy[dd + d + i * d + j] = fs + sf + Lambda[i * d + j]!;
      }
      let fu = u[i]!;
      for (let k = 0; k < d; k++) fu += F[i * d + k]! * y[dd + k]!;
      dy[dd + i] = fu;
    }
  };
}

/**
 * Backward moment ODE right-hand side in the start time τ (file header) on y = [Φ | v | Ψ]:
 * Φ' = −ΦF, v' = −Φu(τ), Ψ' = −ΦΛΦᵀ.
 */
export function backwardMomentRhs(at: (t: number) => DenseParams, d: number) {
  const dd = d * d;
  const phiLambda = new Float64Array(dd);
  return (t: number, y: Float64Array, dy: Float64Array): void => {
    const { F, u, Lambda } = at(t);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let pf = 0;
        let pl = 0;
        for (let k = 0; k < d; k++) {
          pf += y[i * d + k]! * F[k * d + j]!;
          pl += y[i * d + k]! * Lambda[k * d + j]!;
        }
        dy[i * d + j] = -pf;
        phiLambda[i * d + j] = pl;
      }
      let pu = 0;
      for (let k = 0; k < d; k++) pu += y[i * d + k]! * u[k]!;
      dy[dd + i] = -pu;
    }
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += phiLambda[i * d + k]! * y[j * d + k]!;
        dy[dd + d + i * d + j] = -s;
      }
  };
}

/**
 * The time-varying linear SDE of the file header. `transition(s, t)` is one forward ODE solve;
 * `transitionsFrom(s, times)` one forward solve and `transitionsTo(times, t)` one backward solve,
 * whatever the number of times (dense output). Errors from the coefficient functions name `linearSde`.
 */
export function linearSde(options: LinearSdeOptions): LinearSde {
  const fn = options?.name ?? "linearSde";
  if (options === null || typeof options !== "object")
    throw new TypeError(`${fn}: pass options { F(t), u?(t), L(t), dim }`);
  for (const key of ["F", "L"] as const) {
    if (typeof options[key] !== "function") {
      throw new TypeError(
        `${fn}: ${key} must be a function of t returning a number, vector or rows (use linearTimeInvariantSde for constants)`,
      );
    }
  }
  if (options.u !== undefined && typeof options.u !== "function")
    throw new TypeError(`${fn}: u must be a function of t (or omitted for 0)`);
  const dim = checkDim(fn, options.dim);
  const tol = options.tolerance ?? {};
  const params = (t: number): SdeParams => {
    if (!Number.isFinite(t)) throw new RangeError(`${fn}.params: t must be finite, got ${t}`);
    const F = toMat(`${fn}.params(${t})`, "F(t)", options.F(t), dim);
    const L = toMat(`${fn}.params(${t})`, "L(t)", options.L(t), dim);
    const u = toVector(`${fn}.params(${t})`, "u(t)", options.u ? options.u(t) : 0, dim);
    return { F, u, L, Lambda: matMulT(L, L) };
  };
  const denseAt = (t: number): DenseParams => {
    const p = params(t);
    return { F: toDense(p.F, dim), u: p.u, Lambda: toDense(p.Lambda, dim) };
  };
  const checkTimes = (what: string, times: readonly number[]): void => {
    if (!Array.isArray(times) && !ArrayBuffer.isView(times))
      throw new TypeError(`${fn}.${what}: times must be an array of numbers`);
    for (const t of times)
      if (!Number.isFinite(t)) throw new RangeError(`${fn}.${what}: every time must be finite, got ${t}`);
  };
  // One solve from `start` towards every time of `times` (forward: p(x_τ | x_start); backward: p(x_start | x_τ)).
  const solveGrid = (
    what: string,
    direction: 1 | -1,
    start: number,
    times: readonly number[],
  ): TransitionGrid => {
    checkTimes(what, times);
    for (const t of times)
      checkInterval(`${fn}.${what}`, direction === 1 ? start : t, direction === 1 ? t : start);
    const tEnd = times.length === 0 ? start : direction === 1 ? Math.max(...times) : Math.min(...times);
    const rhs = direction === 1 ? forwardMomentRhs(denseAt, dim) : backwardMomentRhs(denseAt, dim);
    const sol = solveOde(rhs, identityState(dim), start, tEnd, times, tol, `${fn}.${what}`);
    return { transitions: sol.values.map((y) => unpack(y, dim)), stats: sol.stats };
  };
  const transitionsFrom = (s: number, times: readonly number[]): TransitionGrid =>
    solveGrid("transitionsFrom", 1, s, times);
  const transitionsTo = (times: readonly number[], t: number): TransitionGrid =>
    solveGrid("transitionsTo", -1, t, times);
  return {
    name: fn,
    dim,
    spec: { type: "linearSde", name: fn, dim },
    solver: "ode",
    params,
    transition: (s, t) => transitionsFrom(s, [t]).transitions[0]!,
    transitionsFrom,
    transitionsTo,
  };
}
