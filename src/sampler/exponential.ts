/**
 * Shared kernels of the exponential-integrator samplers, per coordinate on x = α·data + b + σ·ε
 * (levels.ts), with ℓ = log(α/σ) = λ/2 (DPM-Solver's λ) and h = ℓᵢ₊₁ − ℓᵢ:
 *   renoise:   x' = b' + α'·D̂ + σ_down·ε̂ + σ_up·z   (DDIM, Song et al. 2021, eq. 12; ancestral samplers)
 *   ancestral split (k-diffusion's get_ancestral_step, in x̃ = x/α units; DDIM's σ_η):
 *              σ_up = min(σ', η·σ'·√(1 − e^{−2h})),   σ_down = √(σ'² − σ_up²).
 * η = 1 is the DDPM posterior q(x_{i+1} | xᵢ, data) (its variance σ'²(1 − e^{−2h}) is diffusers'
 * "fixed_small"), η = 0 is DDIM. The split preserves the conditional marginal N(α'·data + b', σ'²).
 */
import type { CoordinateLevels } from "../path/path.js";
import { perCoordinate as at } from "./levels.js";

/** ℓ = log(α/σ) per coordinate (−∞ where α = 0, +∞ where σ = 0). */
export function halfLogSnr(L: CoordinateLevels): Float64Array {
  return Float64Array.from({ length: L.size }, (_, c) => Math.log(L.alpha[c]!) - Math.log(L.sigma[c]!));
}

/** The coordinate index of flat entry i for coefficients of size m (1 or dim). */
export function coord(m: number, i: number, dim: number): number {
  return m === 1 ? 0 : i % dim;
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
    up[c] = Math.min(s2, eta * s2 * Math.sqrt(1 - e2[c]!));
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
  for (let i = 0; i < out.length; i++) {
    const j = i % dim;
    const c = coord(m, i, dim);
    const a = at(to.alpha, j);
    let v = a * data[i]! + down[c]! * noise[i]!;
    if (b !== null) v += b[j]!;
    if (z !== null) v += up[c]! * z[i]!;
    out[i] = v;
  }
  return out;
}

/** Whether any coordinate injects noise. */
export function anyPositive(a: Float64Array): boolean {
  return a.some((v) => v > 0);
}
