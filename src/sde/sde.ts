/**
 * The `LinearSde` interface: dx = (F(t)·x + u(t)) dt + L(t) dW on ℝᵈ, Λ(t) = L(t)L(t)ᵀ, with its
 * Gaussian transitions p(x_t | x_s) = N(A_{t|s}·x_s + u_{t|s}, Σ_{t|s}) — closed form where known,
 * otherwise from the linear moment ODEs (linearSde.ts). Canonical use: t0 = prior (noise) end,
 * t1 = data end, generation runs forward (design.md §1).
 */
import { checkAllocation } from "../array.js";
import type { Mat } from "../math/matrix.js";
import { NO_ODE_WORK, type OdeStats } from "./ode.js";

/** The coefficients at one time: drift matrix F, drift offset u, diffusion L and Λ = L·Lᵀ. */
export interface SdeParams {
  readonly F: Mat;
  readonly u: Float64Array;
  readonly L: Mat;
  readonly Lambda: Mat;
}

/** p(x_t | x_s) = N(A·x_s + u, Σ). */
export interface Transition {
  readonly A: Mat;
  readonly u: Float64Array;
  readonly cov: Mat;
}

/** Transitions at many times and the ODE work spent computing them. */
export interface TransitionGrid {
  readonly transitions: readonly Transition[];
  readonly stats: OdeStats;
}

/** JSON description of an SDE (`sdeFromSpec` rebuilds all but `linearSde`, whose coefficients are functions). */
export type SdeSpec =
  | { readonly type: "brownianMotion"; readonly sigma: number; readonly dim: number }
  | {
      readonly type: "ornsteinUhlenbeck";
      readonly sigma: number;
      readonly lambda: number;
      readonly dim: number;
    }
  | {
      readonly type: "variancePreserving";
      readonly betaMin: number;
      readonly betaMax: number;
      readonly dim: number;
    }
  | { readonly type: "timeScaled"; readonly base: SdeSpec; readonly gamma: number }
  | {
      readonly type: "linearTimeInvariant";
      readonly F: number | number[] | number[][];
      readonly L: number | number[] | number[][];
      readonly dim: number;
      readonly u: number[];
    }
  | {
      readonly type: "criticallyDampedLangevin";
      readonly mass: number;
      readonly beta: number;
      readonly dim: number;
    }
  | { readonly type: "linearSde"; readonly name: string; readonly dim: number };

/** A linear SDE (see file header). */
export interface LinearSde {
  readonly name: string;
  /** State dimension d. */
  readonly dim: number;
  readonly spec: SdeSpec;
  /** How transitions are computed: exactly ("closed-form", incl. matrix exponentials) or by ODE solves. */
  readonly solver: "closed-form" | "ode";
  /** F(t), u(t), L(t), Λ(t). */
  params(t: number): SdeParams;
  /** p(x_t | x_s) for s ≤ t. */
  transition(s: number, t: number): Transition;
  /** p(x_τ | x_s) for every τ of `times` (each ≥ s): one ODE solve for an "ode" SDE. */
  transitionsFrom(s: number, times: readonly number[]): TransitionGrid;
  /** p(x_t | x_τ) for every τ of `times` (each ≤ t): one backward ODE solve for an "ode" SDE. */
  transitionsTo(times: readonly number[], t: number): TransitionGrid;
}

/** Throws a RangeError naming `fn` unless s and t are finite with s ≤ t. */
export function checkInterval(fn: string, s: number, t: number): void {
  if (!Number.isFinite(s) || !Number.isFinite(t))
    throw new RangeError(`${fn}: times must be finite, got s = ${s}, t = ${t}`);
  if (s > t) {
    throw new RangeError(`${fn}: s = ${s} is after t = ${t}; transitions run forward in time (pass s ≤ t)`);
  }
}

/** Throws unless `dim` is a positive integer. */
export function checkDim(fn: string, dim: unknown): number {
  if (typeof dim !== "number" || !Number.isInteger(dim) || dim < 1) {
    throw new RangeError(`${fn}: dim must be a positive integer, got ${String(dim)}`);
  }
  checkAllocation(fn, "dim", dim);
  return dim;
}

/** Throws unless `x` is a finite number satisfying `ok`, naming the requirement. */
export function checkParam(
  fn: string,
  name: string,
  x: unknown,
  ok: (x: number) => boolean,
  requirement: string,
): number {
  if (typeof x !== "number" || !Number.isFinite(x) || !ok(x)) {
    throw new RangeError(`${fn}: ${name} must be ${requirement}, got ${String(x)}`);
  }
  return x;
}

/** The parts a closed-form SDE supplies to `defineClosedFormSde`. */
export interface ClosedFormParts {
  readonly name: string;
  readonly dim: number;
  readonly spec: SdeSpec;
  readonly params: (t: number) => SdeParams;
  /** p(x_t | x_s) for validated s ≤ t. */
  readonly transition: (s: number, t: number) => Transition;
}

/**
 * A `LinearSde` from a closed-form transition: validates times and evaluates `transitionsFrom` /
 * `transitionsTo` time by time (no ODE work).
 */
export function defineClosedFormSde(parts: ClosedFormParts): LinearSde {
  const { name, dim, spec } = parts;
  const transition = (s: number, t: number): Transition => {
    checkInterval(`${name}.transition`, s, t);
    return parts.transition(s, t);
  };
  return {
    name,
    dim,
    spec,
    solver: "closed-form",
    params: (t) => {
      if (!Number.isFinite(t)) throw new RangeError(`${name}.params: t must be finite, got ${t}`);
      return parts.params(t);
    },
    transition,
    transitionsFrom: (s, times) => ({ transitions: times.map((t) => transition(s, t)), stats: NO_ODE_WORK }),
    transitionsTo: (times, t) => ({ transitions: times.map((s) => transition(s, t)), stats: NO_ODE_WORK }),
  };
}
