/**
 * Linear multistep (Adams–Bashforth with variable steps) on the probability-flow ODE: the slope
 * history kᵢ, kᵢ₋₁, … at nodes τᵢ, τᵢ₋₁, … is interpolated by the Lagrange polynomial and integrated
 * exactly over the step:
 *   yᵢ₊₁ = yᵢ + Σⱼ cⱼ·kᵢ₋ⱼ,   cⱼ = ∫_{τᵢ}^{τᵢ₊₁} ℓⱼ(τ) dτ,   ℓⱼ(τ) = Πₘ≠ⱼ (τ − τᵢ₋ₘ)/(τᵢ₋ⱼ − τᵢ₋ₘ),
 * of order q = min(order, i + 1) (the first steps start up at lower order). In σ̃ (variable "sigma")
 * this is k-diffusion's sample_lms and diffusers' LMSDiscrete (they integrate with scipy's quad; here
 * Gauss–Legendre, exact for these polynomials). With the basis in log σ̃ (ℓⱼ(log τ)) it is DEIS's
 * ρAB-log variant (deis.ts). Last step: in the t variable, into the data end, the denoising jump; in σ̃
 * the polynomial is integrated down to σ̃ = 0 (the log basis cannot reach it: first order there).
 * Source: Hairer, Nørsett & Wanner, Solving ODEs I, §III.5 (variable step size Adams methods);
 * Karras et al. 2022 (σ̃ variable); Zhang & Chen 2023 (DEIS), eq. 15.
 */
import {
  type LowerOrderFinal,
  type Sampler,
  type SamplerState,
  checkOrder,
  defineSampler,
  denoiseTo,
  stepOrder,
} from "./sampler.js";
import { perCoordinate as at } from "./levels.js";
import { type Frame, type OdeVariable, checkVariable, frameOf, slope, toX, toY } from "./variable.js";

/** Options of `lms`. */
export interface LmsOptions {
  /** Largest order (1–6, default 4). */
  readonly order?: number;
  /** Integration variable (default "t"). */
  readonly variable?: OdeVariable;
}

/** One history entry: the slope k at node τ (per coordinate). */
export interface SlopeRecord {
  readonly tau: Float64Array;
  readonly k: Float64Array;
}

/** LMS state: the common fields plus the slope history (most recent last). */
export interface LmsState extends SamplerState {
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
 * ∫_{a}^{b} ℓⱼ(v)·weight(v) dv for the Lagrange basis ℓⱼ on `nodes` (12-point Gauss–Legendre: exact for
 * polynomials up to degree 23, spectrally accurate for the smooth weight e^v).
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
 * The multistep update yᵢ₊₁ = yᵢ + Σⱼ cⱼ·kᵢ₋ⱼ with cⱼ from `lagrangeIntegrals` per coordinate; `basis`
 * "log" uses ℓⱼ(log τ) integrated in τ (substitution τ = e^v). `records` is the history with the current
 * slope last.
 */
export function multistepUpdate(
  y: Float64Array,
  from: Frame,
  to: Frame,
  records: readonly SlopeRecord[],
  dim: number,
  basis: "linear" | "log",
): Float64Array {
  const q = records.length;
  const m = Math.max(to.tau.length, ...records.map((r) => r.tau.length));
  const coef: Float64Array[] = [];
  for (let c = 0; c < m; c++) {
    const nodes = records.map((r) => at(r.tau, c)).reverse(); // current first
    const a = at(from.tau, c);
    const b = at(to.tau, c);
    coef.push(
      basis === "linear"
        ? lagrangeIntegrals(nodes, a, b)
        : lagrangeIntegrals(nodes.map(Math.log), Math.log(a), Math.log(b), Math.exp),
    );
  }
  const out = Float64Array.from(y);
  for (let i = 0; i < out.length; i++) {
    const cc = coef[m === 1 ? 0 : i % dim]!;
    let s = 0;
    for (let j = 0; j < q; j++) s += cc[j]! * records[q - 1 - j]!.k[i]!;
    out[i]! += s;
  }
  return out;
}

/** The LMS family behind `lms` and `deis` (file header). */
export function multistepSampler(
  fn: string,
  name: string,
  order: number,
  variable: OdeVariable,
  basis: "linear" | "log",
  lowerOrderFinal: LowerOrderFinal,
): Sampler<LmsState> {
  return defineSampler<LmsState>(
    fn,
    { name, order, stochastic: false },
    async (run) => {
      const { state } = run;
      const dim = state.shape.dim;
      const from = frameOf(fn, variable, run.slice(run.from));
      const to = frameOf(fn, variable, run.slice(run.to));
      const p = await run.predict(state.x, from.slice);
      const records = [...state.history, { tau: from.tau, k: slope(from, p) }].slice(-order);
      const keep = order > 1 ? records.slice(-(order - 1)) : [];
      // Last step into the data end where the polynomial cannot reach it: the denoising jump.
      if (run.toDataEnd && (variable === "t" || basis === "log"))
        return run.finish(denoiseTo(to.slice, p.as("data")), { history: keep });
      // Order of this step: the history available, lowered near the end on request.
      const q = stepOrder(order, records.length, state, lowerOrderFinal);
      // Multistep step: yᵢ₊₁ = yᵢ + Σⱼ cⱼ·kᵢ₋ⱼ.
      const y = toY(from, state.x, dim);
      return run.finish(toX(to, multistepUpdate(y, from, to, records.slice(-q), dim, basis), dim), {
        history: keep,
      });
    },
    (base) => ({ ...base, history: [] }),
  );
}

/** Linear multistep, orders 1–6 (file header). */
export function lms(options: LmsOptions = {}): Sampler<LmsState> {
  const fn = "lms";
  const order = checkOrder(fn, options.order ?? 4, 6);
  const variable = checkVariable(fn, options.variable ?? "t");
  return multistepSampler(
    fn,
    `lms(order=${order}${variable === "t" ? "" : ", sigma"})`,
    order,
    variable,
    "linear",
    false,
  );
}
