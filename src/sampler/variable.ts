/**
 * The integration variable of the probability-flow ODE solvers (Euler, Heun, RK(α), LMS):
 *   "t"      canonical time: y = x, dy/dt = velocity (the flow). Works on every Gaussian path.
 *   "sigma"  EDM's choice σ(t) = t, s(t) = α (Karras et al. 2022, §3 and eq. 4): per coordinate
 *            y = x̃ = (x − b)/α and τ = σ̃ = σ/α, so dy/dτ = ε̂ (the noise prediction) and the PF-ODE
 *            trajectories are as straight as they can be. Euler here is DDIM. This is k-diffusion's and
 *            diffusers' Euler/Heun/LMS/DPM-2. Needs a per-coordinate view (affine or diagonal bridge).
 * Stages between grid nodes sit at a fraction c of the step, linear in the variable ("linear") or in
 * log-SNR ("logSnr": geometric in σ̃, k-diffusion's DPM-2 midpoint), placed in canonical time through
 * the path's (mean) log-SNR; per coordinate the stage's actual fraction cᵢ is used.
 */
import type { CoordinateLevels, PathSlice } from "../path/path.js";
import type { LogSnr } from "../time.js";
import type { Grid } from "./grid.js";
import { coordinateLevels, perCoordinate as at } from "./levels.js";
import type { Prediction } from "./sampler.js";

/** The integration variable (file header). */
export type OdeVariable = "t" | "sigma";

/** Where an intermediate stage sits: linear in the integration variable, or in log-SNR. */
export type StagePlacement = "linear" | "logSnr";

/** A node in the integration variable: τ per coordinate (size 1 or dim) and the levels. */
export interface Frame {
  readonly slice: PathSlice;
  readonly tau: Float64Array;
  readonly levels: CoordinateLevels | undefined;
}

/** Checks the `variable` option. */
export function checkVariable(fn: string, variable: unknown): OdeVariable {
  if (variable !== "t" && variable !== "sigma")
    throw new RangeError(`${fn}: variable must be "t" or "sigma", got ${JSON.stringify(variable)}`);
  return variable;
}

/** τ at `slice`: [t], or σ̃ per coordinate. */
export function frameOf(fn: string, variable: OdeVariable, slice: PathSlice): Frame {
  if (variable === "t") return { slice, tau: Float64Array.of(slice.t), levels: undefined };
  const levels = coordinateLevels(fn, slice);
  if (levels.alpha.some((a) => a === 0)) {
    throw new RangeError(
      `${fn}: α = 0 at t = ${slice.t}, where x̃ = x/α and σ̃ = σ/α are undefined — start the grid after the path's tMin, or use variable "t"`,
    );
  }
  const tau = new Float64Array(levels.size);
  for (let c = 0; c < levels.size; c++) tau[c] = levels.sigma[c]! / levels.alpha[c]!;
  return { slice, tau, levels };
}

/** x̃ = (x − b)/α per coordinate (inverse = false), or α·x̃ + b (inverse = true). */
function rescale(L: CoordinateLevels, v: Float64Array, dim: number, inverse: boolean): Float64Array {
  const out = new Float64Array(v.length);
  const b = L.offset;
  for (let i = 0; i < v.length; i++) {
    const j = i % dim;
    const a = at(L.alpha, j);
    const bj = b === null ? 0 : b[j]!;
    out[i] = inverse ? a * v[i]! + bj : (v[i]! - bj) / a;
  }
  return out;
}

/** y from x: x itself ("t") or x̃ = (x − b)/α ("sigma"). */
export function toY(frame: Frame, x: Float64Array, dim: number): Float64Array {
  return frame.levels === undefined ? x : rescale(frame.levels, x, dim, false);
}

/** x from y: y itself ("t") or α·y + b ("sigma"). */
export function toX(frame: Frame, y: Float64Array, dim: number): Float64Array {
  return frame.levels === undefined ? y : rescale(frame.levels, y, dim, true);
}

/** dy/dτ: the velocity ("t") or ε̂ ("sigma"). */
export function slope(frame: Frame, p: Prediction): Float64Array {
  return frame.levels === undefined ? p.as("velocity") : p.as("noise");
}

/**
 * y + Σⱼ wⱼ·Δτ·kⱼ with Δτ = τ_to − τ_from per coordinate and weights per coordinate (`weights[j]` of
 * size 1 or dim, or a number).
 */
export function advance(
  y: Float64Array,
  from: Frame,
  to: Frame,
  terms: readonly (readonly [weight: number | Float64Array, k: Float64Array])[],
  dim: number,
): Float64Array {
  const out = Float64Array.from(y);
  const m = Math.max(from.tau.length, to.tau.length);
  const dTau = new Float64Array(m);
  for (let c = 0; c < m; c++) dTau[c] = at(to.tau, c) - at(from.tau, c);
  for (const [w, k] of terms) {
    for (let i = 0; i < out.length; i++) {
      const c = i % dim;
      const wc = typeof w === "number" ? w : at(w, c);
      out[i]! += wc * at(dTau, c) * k[i]!;
    }
  }
  return out;
}

/**
 * Canonical time of a stage at fraction c of the step from node a to node b of `grid`, placed
 * linearly in the variable or in log-SNR; undefined when it would lie on or beyond the data end
 * (σ̃ = 0, or σ̃ below the path's σ̃ at t = 1): the caller then takes an Euler step.
 */
export function stageTime(
  grid: Grid,
  a: number,
  b: number,
  c: number,
  variable: OdeVariable,
  placement: StagePlacement,
): number | undefined {
  const path = grid.path;
  const ta = grid.times[a]!;
  const tb = grid.times[b]!;
  const endsBeyond = b === grid.times.length - 1 && grid.dataEnd && tb === ta;
  if (variable === "t" && placement === "linear") return endsBeyond ? undefined : ta + c * (tb - ta);
  const la = grid.logSnrs[a]!;
  const lb = grid.logSnrs[b]!;
  let lambda: number;
  if (placement === "logSnr") {
    if (!Number.isFinite(lb)) return undefined;
    lambda = la + c * (lb - la);
  } else {
    const sa = grid.sigmas[a]!;
    const s = sa + c * (grid.sigmas[b]! - sa);
    if (!(s > 0)) return undefined;
    lambda = -2 * Math.log(s);
  }
  if (lambda >= path.logSnr(1)) return undefined;
  return path.timeAtLogSnr(lambda as LogSnr);
}
