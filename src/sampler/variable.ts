/**
 * Shared numerics of the probability-flow ODE solvers (Euler, Heun, RK(α), LMS, DEIS, PNDM, RK4): the
 * integration variable y(τ) and its slope f = dy/dτ.
 *   "t"      canonical time: y = x, τ = t, f = velocity (the flow). Works on every Gaussian path.
 *   "sigma"  EDM's choice σ(t) = t, s(t) = α (Karras et al. 2022, §3 and eq. 4): per coordinate
 *            y = x̃ = (x − b)/α and τ = σ̃ = σ/α, so f = dx̃/dσ̃ = ε̂ (the noise prediction) and the PF-ODE
 *            trajectories are as straight as they can be. Euler here is DDIM. This is k-diffusion's and
 *            diffusers' Euler/Heun/LMS/DPM-2. Needs a per-coordinate view (affine or diagonal bridge).
 * A `Frame` is a node in the variable (τ per coordinate, y ↔ x, the slope of a prediction there);
 * `advance` is the explicit Runge–Kutta combination y + Δτ·Σⱼ bⱼ·kⱼ. Stages between grid nodes sit at
 * a fraction c of the step, linear in the variable ("linear") or in log-SNR ("logSnr": geometric in σ̃,
 * k-diffusion's DPM-2 midpoint), placed in canonical time through the path's (mean) log-SNR; per
 * coordinate the stage's actual fraction cᵢ is used. Linear multistep methods (LMS, DEIS) integrate the
 * Lagrange polynomial through the slope history exactly: yᵢ₊₁ = yᵢ + Σⱼ cⱼ·kᵢ₋ⱼ,
 * cⱼ = ∫_{τᵢ}^{τᵢ₊₁} ℓⱼ(τ) dτ (basis "linear") or ∫ ℓⱼ(log τ) dτ (basis "log", DEIS's ρAB-log).
 * Sources: Karras et al. 2022; Hairer, Nørsett & Wanner, Solving ODEs I, §II.1 and §III.5.
 */
import type { CoordinateLevels, PathSlice } from "../path/path.js";
import type { LogSnr } from "../time.js";
import type { Grid } from "./grid.js";
import { coordinateLevels, perCoordinate as at } from "./levels.js";
import type { Prediction, SamplerState, StepRun } from "./sampler.js";

/** The integration variable (file header). */
export type OdeVariable = "t" | "sigma";

/** Where an intermediate stage sits: linear in the integration variable, or in log-SNR. */
export type StagePlacement = "linear" | "logSnr";

/** A node in the integration variable (file header). */
export interface Frame {
  readonly slice: PathSlice;
  /** τ per coordinate: [t], or σ̃ᵢ (size 1 or dim). */
  readonly tau: Float64Array;
  /** The per-coordinate levels ("sigma"), undefined ("t"). */
  readonly levels: CoordinateLevels | undefined;
  /** y from x: x itself ("t") or x̃ = (x − b)/α ("sigma"). */
  y(x: Float64Array): Float64Array;
  /** x from y: y itself ("t") or α·y + b ("sigma"). */
  x(y: Float64Array): Float64Array;
  /** f = dy/dτ of a prediction here: the velocity ("t") or ε̂ ("sigma"). */
  slope(p: Prediction): Float64Array;
}

/** Checks the `variable` option. */
export function checkVariable(fn: string, variable: unknown): OdeVariable {
  if (variable !== "t" && variable !== "sigma")
    throw new RangeError(`${fn}: variable must be "t" or "sigma", got ${JSON.stringify(variable)}`);
  return variable;
}

/** x̃ = (x − b)/α per coordinate (inverse = false), or α·x̃ + b (inverse = true). */
function rescale(L: CoordinateLevels, v: Float64Array, dim: number, inverse: boolean): Float64Array {
  const out = new Float64Array(v.length);
  const b = L.offset;
  for (let i = 0; i < v.length; ) {
    for (let j = 0; j < dim; j++, i++) {
      const a = at(L.alpha, j);
      const bj = b === null ? 0 : b[j]!;
      out[i] = inverse ? a * v[i]! + bj : (v[i]! - bj) / a;
    }
  }
  return out;
}

/** The frame of `slice` in `variable` for samples of dimension `dim` (file header). */
export function frameOf(fn: string, variable: OdeVariable, slice: PathSlice, dim: number): Frame {
  if (variable === "t") {
    return {
      slice,
      tau: Float64Array.of(slice.t),
      levels: undefined,
      y: (x) => x,
      x: (y) => y,
      slope: (p) => p.as("velocity"),
    };
  }
  const levels = coordinateLevels(fn, slice);
  if (levels.alpha.some((a) => a === 0)) {
    throw new RangeError(
      `${fn}: α = 0 at t = ${slice.t}, where x̃ = x/α and σ̃ = σ/α are undefined — start the grid after the path's tMin, or use variable "t"`,
    );
  }
  const tau = new Float64Array(levels.size);
  for (let c = 0; c < levels.size; c++) tau[c] = levels.sigma[c]! / levels.alpha[c]!;
  return {
    slice,
    tau,
    levels,
    y: (x) => rescale(levels, x, dim, false),
    x: (y) => rescale(levels, y, dim, true),
    slope: (p) => p.as("noise"),
  };
}

/** The frame of `slice` for a step in progress (its sampler's name and dimension). */
export function frameAt(run: StepRun<SamplerState>, variable: OdeVariable, slice: PathSlice): Frame {
  return frameOf(run.fn, variable, slice, run.state.shape.dim);
}

/**
 * The frames of a step in progress, from `fromSlice` (default: node i) to node i + 1, and the model's
 * prediction at x on `fromSlice` (one NFE).
 */
export async function beginOde(
  run: StepRun<SamplerState>,
  variable: OdeVariable,
  x: Float64Array = run.state.x,
  fromSlice: PathSlice = run.slice(run.from),
): Promise<{ from: Frame; to: Frame; p: Prediction }> {
  const from = frameAt(run, variable, fromSlice);
  const to = frameAt(run, variable, run.slice(run.to));
  return { from, to, p: await run.predict(x, fromSlice) };
}

/**
 * Heun's step (the explicit trapezoidal rule; Karras et al. 2022, Alg. 1 lines 4–8, Alg. 2 lines 7–10)
 * from y = from.y(x) with the prediction p at x to the frame `to`:
 *   Euler step:                dᵢ = f(yᵢ, τᵢ),  yᵢ₊₁ = yᵢ + Δτ·dᵢ
 *   Second-order correction:   d'ᵢ = f(yᵢ₊₁, τᵢ₊₁),  yᵢ₊₁ = yᵢ + Δτ·(½dᵢ + ½d'ᵢ)   (none into the data end)
 * Returns x at `to`.
 */
export async function heunStep(
  run: StepRun<SamplerState>,
  from: Frame,
  to: Frame,
  x: Float64Array,
  p: Prediction,
): Promise<Float64Array> {
  const y = from.y(x);
  // Euler step.
  const d = from.slope(p);
  const euler = advance(y, from, to, [d]);
  if (run.toDataEnd) return to.x(euler);
  // Second-order correction.
  const d2 = to.slope(await run.predict(to.x(euler), to.slice));
  return to.x(advance(y, from, to, [d, d2], [0.5, 0.5]));
}

/**
 * y + Δτ·Σⱼ bⱼ·kⱼ with Δτ = τ_to − τ_from per coordinate (file header); `weights` bⱼ default to [1]
 * (an Euler step).
 */
export function advance(
  y: Float64Array,
  from: Frame,
  to: Frame,
  slopes: readonly Float64Array[],
  weights: readonly number[] = [1],
): Float64Array {
  const out = Float64Array.from(y);
  const m = Math.max(from.tau.length, to.tau.length);
  const dTau = new Float64Array(m);
  for (let c = 0; c < m; c++) dTau[c] = at(to.tau, c) - at(from.tau, c);
  slopes.forEach((k, j) => {
    const w = weights[j]!;
    for (let i = 0; i < out.length; i++) out[i]! += w * dTau[m === 1 ? 0 : i % m]! * k[i]!;
  });
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

/** The velocity field of the PF-ODE in canonical time as an integrator right-hand side (NFE on `run`). */
export function velocityRhs(
  run: StepRun<SamplerState>,
): (t: number, y: Float64Array) => Promise<Float64Array> {
  const a = run.slice(run.from);
  const b = run.slice(run.to);
  return async (t, y) =>
    (await run.predict(y, t === a.t ? a : t === b.t ? b : run.sliceAt(t))).as("velocity");
}

/** One entry of a slope history: the slope k at node τ (per coordinate). */
export interface SlopeRecord {
  readonly tau: Float64Array;
  readonly k: Float64Array;
}

/** Multistep state: the common fields plus the slope history (most recent last). */
export interface SlopeHistoryState extends SamplerState {
  readonly history: readonly SlopeRecord[];
}

/** Gauss–Legendre nodes and weights on [−1, 1] (Newton on P_n; Golub & Welsch 1969 give the same). */
function gaussLegendre(n: number): { x: Float64Array; w: Float64Array } {
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = z;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = (n * (z * p1 - p0)) / (z * z - 1);
      const dz = p1 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-16) break;
    }
    x[i] = z;
    w[i] = 2 / ((1 - z * z) * dp * dp);
  }
  return { x, w };
}

const GL = gaussLegendre(12);

/**
 * ∫_{a}^{b} ℓⱼ(v)·weight(v) dv for the Lagrange basis ℓⱼ(v) = Πₘ≠ⱼ (v − vₘ)/(vⱼ − vₘ) on `nodes`
 * (12-point Gauss–Legendre: exact for polynomials up to degree 23, spectrally accurate for the smooth
 * weight e^v). Coincident nodes divide by zero (the caller's nodes are distinct grid levels).
 */
export function lagrangeIntegrals(
  nodes: readonly number[],
  a: number,
  b: number,
  weight?: (v: number) => number,
): Float64Array {
  const q = nodes.length;
  const out = new Float64Array(q);
  const half = 0.5 * (b - a);
  const mid = 0.5 * (a + b);
  for (let g = 0; g < GL.x.length; g++) {
    const v = mid + half * GL.x[g]!;
    const wv = half * GL.w[g]! * (weight ? weight(v) : 1);
    for (let j = 0; j < q; j++) {
      let l = 1;
      for (let m = 0; m < q; m++) if (m !== j) l *= (v - nodes[m]!) / (nodes[j]! - nodes[m]!);
      out[j]! += wv * l;
    }
  }
  return out;
}

/**
 * The Adams coefficients cⱼ = ∫_{τ_from}^{τ_to} ℓⱼ dτ per coordinate for the history `records`
 * (newest first: the nodes τᵢ, τᵢ₋₁, …), in the basis "linear" (ℓⱼ(τ)) or "log" (ℓⱼ(log τ), integrated
 * in τ by the substitution τ = e^v). coefficients[c][j] is cⱼ of coordinate c.
 */
export function adamsCoefficients(
  from: Frame,
  to: Frame,
  records: readonly SlopeRecord[],
  basis: "linear" | "log",
): Float64Array[] {
  const m = Math.max(to.tau.length, ...records.map((r) => r.tau.length));
  return Array.from({ length: m }, (_, c) => {
    const nodes = records.map((r) => at(r.tau, c));
    const a = at(from.tau, c);
    const b = at(to.tau, c);
    return basis === "linear"
      ? lagrangeIntegrals(nodes, a, b)
      : lagrangeIntegrals(nodes.map(Math.log), Math.log(a), Math.log(b), Math.exp);
  });
}

/** y + Σⱼ cⱼ·kⱼ per coordinate, for the slopes of `records` (newest first) and their coefficients. */
export function multistepAdvance(
  y: Float64Array,
  records: readonly SlopeRecord[],
  coefficients: readonly Float64Array[],
): Float64Array {
  const out = Float64Array.from(y);
  const m = coefficients.length;
  for (let i = 0; i < out.length; i++) {
    const cc = coefficients[m === 1 ? 0 : i % m]!;
    let s = 0;
    for (let j = 0; j < records.length; j++) s += cc[j]! * records[j]!.k[i]!;
    out[i]! += s;
  }
  return out;
}
