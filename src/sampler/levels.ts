/**
 * The per-coordinate view of a path slice that exponential-integrator solvers (DDIM, DPM-Solver++,
 * UniPC, ancestral samplers, σ̃-variable ODE solvers) need:
 *   xᵢ = αᵢ·dataᵢ + bᵢ + σᵢ·εᵢ,   x̃ᵢ = (xᵢ − bᵢ)/αᵢ,   σ̃ᵢ = σᵢ/αᵢ,   ℓᵢ = log(αᵢ/σᵢ) = λᵢ/2.
 * An affine slice is one (α, σ) shared by every coordinate and b = 0. A bridge slice whose conditional
 * N(A_p·data + b_p, Σ_p) has diagonal A_p and Σ_p is the same thing per coordinate (αᵢ = A_p,ii,
 * σᵢ = √Σ_p,ii, bᵢ = b_p,i); a dense bridge slice has no such view.
 * The scalar summary λ̄(t) = mean over coordinates of λᵢ(t) (λ itself on an affine path) places grid
 * nodes and intermediate stages "at a noise level" on any path with a per-coordinate view.
 */
import type { Mat } from "../math/matrix.js";
import { solveIncreasing } from "../math/scalar.js";
import type { AffinePath } from "../path/affine.js";
import type { GaussianPath, PathSlice } from "../path/path.js";

/** α, σ per coordinate (length `size`: 1 = shared by all coordinates, or the dimension) and offset b. */
export interface CoordinateLevels {
  readonly t: number;
  /** Number of distinct coordinates: 1 (affine, isotropic bridge) or the dimension. */
  readonly size: number;
  readonly alpha: Float64Array;
  readonly sigma: Float64Array;
  /** b (length dim), null when 0. */
  readonly offset: Float64Array | null;
}

/** Entry c of a per-coordinate array of length 1 (shared by every coordinate) or the dimension. */
export function perCoordinate(v: Float64Array, c: number): number {
  return v[v.length === 1 ? 0 : c]!;
}

/** Whether `path` is an affine path (has a schedule). */
export function isAffinePath(path: GaussianPath): path is AffinePath {
  return path.kind === "affine" && "schedule" in path;
}

function diagonalOf(m: Mat, dim: number): Float64Array | number | null {
  if (m.kind === "scalar") return m.value;
  if (m.kind === "diagonal") return m.values;
  const d = m.dim;
  let off = 0;
  let on = 0;
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      const v = Math.abs(m.values[i * d + j]!);
      if (i === j) on = Math.max(on, v);
      else off = Math.max(off, v);
    }
  if (off > 1e-14 * on || d !== dim) return null;
  return Float64Array.from({ length: d }, (_, i) => m.values[i * d + i]!);
}

/**
 * The per-coordinate levels of `slice` (file header). Throws a TypeError naming `fn` when the slice is
 * a dense bridge slice (matrix-valued A_p or Σ_p): those solvers cannot run there.
 */
export function coordinateLevels(fn: string, slice: PathSlice, dim: number): CoordinateLevels {
  const level = slice.level;
  if (level !== undefined) {
    return {
      t: slice.t,
      size: 1,
      alpha: Float64Array.of(level.alpha),
      sigma: Float64Array.of(level.sigma),
      offset: null,
    };
  }
  const { A, b, cov } = slice.conditional;
  const a = diagonalOf(A, dim);
  const c = diagonalOf(cov, dim);
  if (a === null || c === null) {
    throw new TypeError(
      `${fn}: the bridge path's conditional at t = ${slice.t} is dense (matrix-valued A_p or Σ_p); ${fn} needs one α and σ per coordinate — use euler, heun, midpoint, rk4, dopri or eulerMaruyama, which run on any Gaussian path`,
    );
  }
  let offset: Float64Array | null = null;
  if (b?.some((v) => v !== 0)) offset = b;
  if (typeof a === "number" && typeof c === "number") {
    return {
      t: slice.t,
      size: 1,
      alpha: Float64Array.of(a),
      sigma: Float64Array.of(Math.sqrt(Math.max(c, 0))),
      offset,
    };
  }
  const alpha = new Float64Array(dim);
  const sigma = new Float64Array(dim);
  for (let i = 0; i < dim; i++) {
    alpha[i] = typeof a === "number" ? a : a[i]!;
    sigma[i] = Math.sqrt(Math.max(typeof c === "number" ? c : c[i]!, 0));
  }
  return { t: slice.t, size: dim, alpha, sigma, offset };
}

/** λ̄ = mean over coordinates of λᵢ = 2·log(αᵢ/σᵢ) (±∞ where σ or α vanish). */
export function meanLogSnr(levels: CoordinateLevels): number {
  let s = 0;
  for (let c = 0; c < levels.size; c++) s += 2 * (Math.log(levels.alpha[c]!) - Math.log(levels.sigma[c]!));
  return s / levels.size;
}

/**
 * λ̄(t) of a path (file header): the schedule's log-SNR on an affine path, the mean over coordinates on
 * a bridge with a per-coordinate view. `dim` is the dimension of the samples (any for affine paths).
 */
export function pathLogSnr(fn: string, path: GaussianPath, t: number): number {
  if (isAffinePath(path)) return path.schedule.logSnr(t);
  return meanLogSnr(coordinateLevels(fn, path.slice(t), path.dim ?? 1));
}

/** [λ̄(0), λ̄(1)]: the range of noise levels the path covers on t ∈ [0, 1]. */
export function logSnrRange(fn: string, path: GaussianPath): readonly [number, number] {
  return isAffinePath(path)
    ? [path.schedule.logSnr(0), path.schedule.logSnr(1)]
    : [pathLogSnr(fn, path, 0), pathLogSnr(fn, path, 1)];
}

/**
 * The canonical time at which λ̄(t) = λ: the schedule's exact inverse on an affine path, bisection on
 * the increasing λ̄ of a bridge path (to 1e-13 in t). Throws a RangeError naming `fn` when λ lies
 * outside λ̄'s range on [0, 1].
 */
export function pathTimeAtLogSnr(fn: string, path: GaussianPath, lambda: number): number {
  if (Number.isNaN(lambda)) throw new RangeError(`${fn}: the target log-SNR is NaN`);
  if (isAffinePath(path)) return path.schedule.timeAtLogSnr(lambda);
  if (lambda === Number.POSITIVE_INFINITY) return 1;
  if (lambda === Number.NEGATIVE_INFINITY) return 0;
  const l0 = pathLogSnr(fn, path, 0);
  const l1 = pathLogSnr(fn, path, 1);
  if (!(lambda >= l0 && lambda <= l1)) {
    throw new RangeError(
      `${fn}: log-SNR ${lambda} lies outside the bridge path's range [${l0}, ${l1}]; choose noise levels inside it`,
    );
  }
  // No slope: solveIncreasing bisects.
  return solveIncreasing((t) => [pathLogSnr(fn, path, t), Number.NaN], lambda, 0, 1, 1e-13);
}
