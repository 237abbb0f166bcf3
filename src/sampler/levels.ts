/**
 * The per-coordinate view of a path slice (path.ts `CoordinateLevels`) as exponential-integrator
 * solvers (DDIM, DPM-Solver++, UniPC, ancestral samplers, σ̃-variable ODE solvers) read it:
 *   xᵢ = αᵢ·dataᵢ + bᵢ + σᵢ·εᵢ,   x̃ᵢ = (xᵢ − bᵢ)/αᵢ,   σ̃ᵢ = σᵢ/αᵢ,   ℓᵢ = log(αᵢ/σᵢ) = λᵢ/2.
 * Dense bridge slices have no such view; these solvers refuse them with a clear error.
 */
import type { CoordinateLevels, PathSlice } from "../path/path.js";

/** Entry c of a per-coordinate array of length 1 (shared by every coordinate) or the dimension. */
export function perCoordinate(v: Float64Array, c: number): number {
  return v[v.length === 1 ? 0 : c]!;
}

/**
 * The per-coordinate levels of `slice` (file header). Throws a TypeError naming `fn` when the slice is
 * dense (matrix-valued A_p or Σ_p): those solvers cannot run there.
 */
export function coordinateLevels(fn: string, slice: PathSlice): CoordinateLevels {
  const levels = slice.coordinates();
  if (levels === null) {
    throw new TypeError(
      `${fn}: the path's conditional at t = ${slice.t} is dense (matrix-valued A_p or Σ_p); ${fn} needs one α and σ per coordinate — use euler, heun, midpoint, rk4, dopri or eulerMaruyama, which run on any Gaussian path`,
    );
  }
  return levels;
}
