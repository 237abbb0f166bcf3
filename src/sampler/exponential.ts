/**
 * Shared numerics of the samplers that work in the per-coordinate view of a path slice (path.ts
 * `CoordinateLevels`; one (α, σ) for every coordinate on affine paths and isotropic bridges, one per
 * coordinate on diagonal bridges, none on dense bridges):
 *   xᵢ = αᵢ·dataᵢ + bᵢ + σᵢ·εᵢ,   ℓᵢ = log(αᵢ/σᵢ) = λᵢ/2 (DPM-Solver's λ),   h = ℓ' − ℓ over a step.
 *  - Exponential-integrator step in data prediction (DPM-Solver++, UniPC; Lu et al. 2022, eq. 9):
 *      x' − b' = w_x·(x − b) + Σₖ wₖ·D̂ₖ + w_z·z,   the weights per coordinate from the algorithm;
 *    its first-order case is DDIM: w_x = σ'/σ, w₀ = α'(1 − e^{−h}).
 *  - Ancestral split (k-diffusion's get_ancestral_step, DDIM's σ_η; in x̃ = x/α units):
 *      σ_up = min(σ', η·σ'·√(1 − e^{−2h})),   σ_down = √(σ'² − σ_up²),
 *    and renoising x' = b' + α'·D̂ + σ_down·ε̂ + σ_up·z (DDIM, Song et al. 2021, eq. 12). η = 1 is the
 *    DDPM posterior q(x' | x, data) (variance σ'²(1 − e^{−2h}), diffusers' "fixed_small"), η = 0 DDIM;
 *    the split preserves the conditional marginal N(α'·data + b', σ'²).
 *  - Forward noising to a noisier level: x̂ = b̂ + (α̂/α)(x − b) + √(σ̂² − (α̂σ/α)²)·s·z (EDM's churn).
 *  - History bookkeeping of the data-prediction multistep solvers (D̂ at ℓ; the order it allows).
 * The view itself (`coordinateLevels`, `perCoordinate`) is levels.ts.
 */
import type { CoordinateLevels, PathSlice } from "../path/path.js";
import { perCoordinate } from "./levels.js";
import { type LowerOrderFinal, type SamplerState, stepOrder } from "./sampler.js";

const at = perCoordinate;

/** ℓ = log(α/σ) per coordinate (−∞ where α = 0, +∞ where σ = 0). */
export function halfLogSnr(L: CoordinateLevels): Float64Array {
  return Float64Array.from({ length: L.size }, (_, c) => Math.log(L.alpha[c]!) - Math.log(L.sigma[c]!));
}

/**
 * σ̄² = the mean conditional variance of xₜ | data at a slice: σ² on an affine path, the mean of σᵢ²
 * on a diagonal bridge, tr Σ/d on a dense one (Langevin step sizes).
 */
export function meanVariance(slice: PathSlice, dim: number): number {
  const cov = slice.conditional.cov;
  if (cov.kind === "scalar") return cov.value;
  if (cov.kind === "diagonal") return cov.values.reduce((a, v) => a + v, 0) / cov.values.length;
  let s = 0;
  for (let i = 0; i < cov.dim; i++) s += cov.values[i * cov.dim + i]!;
  return s / Math.max(cov.dim, dim);
}

/** One coordinate's scalar level: α, σ and ℓ = log(α/σ). */
export interface Lane {
  readonly alpha: number;
  readonly sigma: number;
  readonly ell: number;
}

function lane(L: CoordinateLevels, c: number): Lane {
  const alpha = at(L.alpha, c);
  const sigma = at(L.sigma, c);
  return { alpha, sigma, ell: Math.log(alpha) - Math.log(sigma) };
}

/** One multistep history entry: D̂ at ℓ (per coordinate). */
export interface DataRecord {
  readonly ell: Float64Array;
  readonly data: Float64Array;
}

/** Multistep state: the common fields plus the data-prediction history (most recent last). */
export interface DataHistoryState extends SamplerState {
  readonly history: readonly DataRecord[];
}

/** The record of D̂ at the levels L. */
export function dataRecord(L: CoordinateLevels, data: Float64Array): DataRecord {
  return { ell: halfLogSnr(L), data };
}

/** The order a multistep step may use (`stepOrder`), counting only history at finite ℓ (α > 0). */
export function multistepOrder(
  order: number,
  history: readonly DataRecord[],
  state: SamplerState,
  lowerOrderFinal: LowerOrderFinal,
): number {
  return stepOrder(order, history.filter((r) => r.ell.every(Number.isFinite)).length, state, lowerOrderFinal);
}

/** The last q records of `history` (most recent last), newest first: D̂ᵢ, D̂ᵢ₋₁, … */
export function newestFirst(history: readonly DataRecord[], q: number): DataRecord[] {
  return history.slice(-q).reverse();
}

/** The weights of one coordinate in `exponentialStep`. */
export interface StepWeights {
  /** w_x, the weight of x − b. */
  readonly x: number;
  /** wₖ, the weight of the k-th record's D̂ (same order as the records). */
  readonly data: readonly number[];
  /** w_z, the weight of the noise z (0 without noise). */
  readonly noise: number;
}

/**
 * One exponential-integrator step in data prediction from levels `from` to `to` (file header):
 *   x' − b' = w_x·(x − b) + Σₖ wₖ·D̂ₖ + w_z·z,
 * with the weights of each coordinate from `weights(s, t, ℓ)`: s, t the coordinate's levels at the
 * step's start and end, ℓ[k] the coordinate's ℓ of record k. z = null: no noise.
 */
export function exponentialStep(
  x: Float64Array,
  from: CoordinateLevels,
  to: CoordinateLevels,
  records: readonly DataRecord[],
  z: Float64Array | null,
  dim: number,
  weights: (s: Lane, t: Lane, ell: readonly number[]) => StepWeights,
): Float64Array {
  const q = records.length;
  const m = Math.max(from.size, to.size, ...records.map((r) => r.ell.length));
  const wx = new Float64Array(m);
  const wz = new Float64Array(m);
  const wd = records.map(() => new Float64Array(m));
  for (let c = 0; c < m; c++) {
    const w = weights(
      lane(from, c),
      lane(to, c),
      records.map((r) => at(r.ell, c)),
    );
    wx[c] = w.x;
    wz[c] = w.noise;
    for (let k = 0; k < q; k++) wd[k]![c] = w.data[k] ?? 0;
  }
  const out = new Float64Array(x.length);
  const b = from.offset;
  const b2 = to.offset;
  // Row by row, coordinate j within the row (no i mod dim per entry).
  for (let i = 0; i < x.length; ) {
    for (let j = 0; j < dim; j++, i++) {
      const c = m === 1 ? 0 : j;
      let v = wx[c]! * (x[i]! - (b === null ? 0 : b[j]!)) + (b2 === null ? 0 : b2[j]!);
      for (let k = 0; k < q; k++) v += wd[k]![c]! * records[k]!.data[i]!;
      if (z !== null) v += wz[c]! * z[i]!;
      out[i] = v;
    }
  }
  return out;
}

/**
 * The first-order (DDIM, DPM-Solver++ 1) weights: x' − b' = (σ'/σ)·(x − b) + α'(1 − e^{−h})·D̂ with
 * h = t.ℓ − ℓ₀ (ℓ₀ the record's ℓ, the step's start).
 */
export function firstOrder(s: Lane, t: Lane, ell: readonly number[]): StepWeights {
  return { x: t.sigma / s.sigma, data: [t.alpha * -Math.expm1(-(t.ell - ell[0]!))], noise: 0 };
}

/** e^{−2h} = (α·σ'/(σ·α'))² per coordinate, from `from` to `to` (0 where α = 0 or σ' = 0). */
export function shrink2(from: CoordinateLevels, to: CoordinateLevels): Float64Array {
  const m = Math.max(from.size, to.size);
  return Float64Array.from({ length: m }, (_, c) => {
    const a = at(from.alpha, c);
    const s = at(from.sigma, c);
    const a2 = at(to.alpha, c);
    const s2 = at(to.sigma, c);
    if (a === 0 || s2 === 0) return 0;
    return ((a * s2) / (s * a2)) ** 2;
  });
}

/** The ancestral split (σ_down, σ_up) per coordinate, in x units (file header). */
export function ancestralSplit(
  from: CoordinateLevels,
  to: CoordinateLevels,
  eta: number,
): { down: Float64Array; up: Float64Array } {
  const e2 = shrink2(from, to);
  const m = e2.length;
  const down = new Float64Array(m);
  const up = new Float64Array(m);
  for (let c = 0; c < m; c++) {
    const s2 = at(to.sigma, c);
    // e^{−2h} ≤ 1 toward the data; a zero-length step can round it just above 1.
    up[c] = Math.min(s2, eta * s2 * Math.sqrt(Math.max(1 - e2[c]!, 0)));
    down[c] = Math.sqrt(Math.max(s2 * s2 - up[c]! * up[c]!, 0));
  }
  return { down, up };
}

/** x' = b' + α'·D̂ + σ_down·ε̂ + σ_up·z per coordinate (z = null: no noise). */
export function renoise(
  to: CoordinateLevels,
  data: Float64Array,
  noise: Float64Array,
  down: Float64Array,
  up: Float64Array,
  z: Float64Array | null,
  dim: number,
): Float64Array {
  const out = new Float64Array(data.length);
  const m = Math.max(to.size, down.length);
  const b = to.offset;
  for (let i = 0; i < out.length; ) {
    for (let j = 0; j < dim; j++, i++) {
      const c = m === 1 ? 0 : j;
      let v = at(to.alpha, j) * data[i]! + down[c]! * noise[i]!;
      if (b !== null) v += b[j]!;
      if (z !== null) v += up[c]! * z[i]!;
      out[i] = v;
    }
  }
  return out;
}

/** Adds σ_up·z per coordinate to x in place (the ancestral noise after a deterministic step). */
export function addNoise(x: Float64Array, up: Float64Array, z: Float64Array, dim: number): Float64Array {
  for (let i = 0; i < x.length; ) {
    for (let j = 0; j < dim; j++, i++) x[i]! += up[up.length === 1 ? 0 : j]! * z[i]!;
  }
  return x;
}

/** Whether any coordinate injects noise. */
export function anyPositive(a: Float64Array): boolean {
  return a.some((v) => v > 0);
}

/**
 * The forward transition from `from` to the noisier `to` (file header): x̂ = b̂ + (α̂/α)(x − b) +
 * √(σ̂² − (α̂σ/α)²)·scale·z per coordinate (the spread is clamped at 0).
 */
export function noiseUp(
  x: Float64Array,
  from: CoordinateLevels,
  to: CoordinateLevels,
  z: Float64Array,
  scale: number,
  dim: number,
): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; ) {
    for (let j = 0; j < dim; j++, i++) {
      const r = at(to.alpha, j) / at(from.alpha, j);
      const spread = Math.sqrt(Math.max(at(to.sigma, j) ** 2 - (r * at(from.sigma, j)) ** 2, 0));
      const b = from.offset === null ? 0 : from.offset[j]!;
      const bh = to.offset === null ? 0 : to.offset[j]!;
      out[i] = bh + r * (x[i]! - b) + spread * scale * z[i]!;
    }
  }
  return out;
}
