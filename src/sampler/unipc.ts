/**
 * UniPC (Zhao et al. 2023, "UniPC: a unified predictor-corrector framework", Alg. 2/3 with data
 * prediction): a multistep predictor UniP-p and the corrector UniC, which reuses the model output at
 * the new point to raise the order by one without extra evaluations. Per coordinate, ℓ = log(α/σ),
 * h = ℓᵢ₊₁ − ℓᵢ, D₀ = D̂ᵢ, and history points rₘ = (ℓᵢ₋ₘ − ℓᵢ)/h with Dₘ = (D̂ᵢ₋ₘ − D₀)/rₘ:
 *   xᵢ₊₁ − b' = (σ'/σ)(xᵢ − b) + α'(1 − e^{−h})·D₀ + α'·B(h)·Σₘ aₘ·Dₘ,
 *   B(h) = h ("bh1") or 1 − e^{−h} ("bh2"),   R·a = g with R_{km} = rₘ^{k−1},  g_k = k!·h·φ_{k+1}(−h)/B(h),
 *   φ₁(z) = (e^z − 1)/z, φ_{k+1}(z) = (φ_k(z) − 1/k!)/z  — the Taylor terms Σ h^{k+1}φ_{k+1}(−h)D̂^{(k)}.
 * UniP-p uses the p − 1 history points (p = 2: a₁ = ½, the paper's choice); UniC-p redoes the step
 * from the corrected xᵢ with the extra point r = 1, D = D̂ᵢ₊₁ − D₀ (p = 1: a = ½). The corrected xᵢ₊₁
 * starts the next predictor; the model is evaluated at the uncorrected one (as in the paper and in
 * diffusers). Order p + 1 with the corrector. Into the data end the step is the denoising jump.
 */
import { solveVector } from "../math/dense.js";
import type { DenseMat } from "../math/matrix.js";
import type { CoordinateLevels } from "../path/path.js";
import {
  type DataHistoryState,
  type DataRecord,
  type StepWeights,
  dataRecord,
  exponentialStep,
  halfLogSnr,
  multistepOrder,
  newestFirst,
} from "./exponential.js";
import { type Sampler, checkLowerOrderFinal, checkOrder, defineSampler, denoiseTo } from "./sampler.js";

/** Options of `unipc`. */
export interface UniPcOptions {
  /** Predictor order p, 1–3 (default 2). */
  readonly order?: number;
  /** B(h) (default "bh2"). */
  readonly variant?: "bh1" | "bh2";
  /** Apply the UniC corrector (default true). */
  readonly corrector?: boolean;
  /** Lower the order to the steps left (default true). */
  readonly lowerOrderFinal?: boolean | { readonly belowSteps: number };
}

/** UniPC state: the data history plus what the corrector needs from the previous step. */
export interface UniPcState extends DataHistoryState {
  /** The corrected start of the previous step (node index − 1) and the order its predictor used. */
  readonly previous: { readonly x: Float64Array; readonly order: number } | undefined;
}

/** R with R_{km} = rₘ^k (k, m = 0 … n − 1), row-major: the matrix of UniPC's coefficient system. */
function vandermonde(rs: readonly number[]): DenseMat {
  const n = rs.length;
  const values = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let m = 0; m < n; m++) values[k * n + m] = rs[m]! ** k;
  return { kind: "dense", dim: n, values };
}

/**
 * One UniP (newPoint undefined) or UniC (newPoint = D̂ᵢ₊₁) update from (x, from) to `to` (file header)
 * with the data history `records` (newest first: D₀ = D̂ᵢ, D̂ᵢ₋₁, …; its length p fixes the order).
 */
function unipcUpdate(
  x: Float64Array,
  from: CoordinateLevels,
  to: CoordinateLevels,
  records: readonly DataRecord[],
  newPoint: Float64Array | undefined,
  variant: "bh1" | "bh2",
  dim: number,
): Float64Array {
  const p = records.length;
  const terms = newPoint ? [...records, { ell: halfLogSnr(to), data: newPoint }] : records;
  return exponentialStep(x, from, to, terms, null, dim, (s, t, ell): StepWeights => {
    const h = t.ell - ell[0]!;
    const e1 = -Math.expm1(-h);
    // x' − b' = (σ'/σ)(x − b) + α'(1 − e^{−h})·D₀ + α'·B(h)·Σₘ aₘ·Dₘ,  Dₘ = (D̂ₘ − D₀)/rₘ.
    const w = [t.alpha * e1, ...Array.from({ length: terms.length - 1 }, () => 0)];
    // Points rₘ = (ℓᵢ₋ₘ − ℓᵢ)/h of the history, and r = 1 (D̂ᵢ₊₁) for the corrector.
    const rs: number[] = [];
    for (let k = 1; k < p; k++) rs.push((ell[k]! - ell[0]!) / h);
    if (newPoint) rs.push(1);
    const npts = rs.length;
    if (npts > 0) {
      // g_k = k!·h·φ_{k+1}(−h)/B(h); ψ_k = z·φ_{k+1}(z) at z = −h: ψ₀ = e^z − 1, ψ_k = ψ_{k−1}/z − 1/k!.
      const z = -h;
      const B = variant === "bh1" ? h : e1;
      const g: number[] = [];
      let psi = Math.expm1(z);
      let fact = 1;
      for (let k = 1; k <= npts; k++) {
        fact *= k;
        psi = psi / z - 1 / fact;
        g.push((-psi * fact) / B);
      }
      // R·a = g with R_{km} = rₘ^k (UniP-2 and UniC-1: a = ½).
      const a =
        npts === 1 && (newPoint ? p === 1 : p === 2)
          ? [0.5]
          : solveVector(vandermonde(rs), g, npts, "unipc", "the system Rₖₘ = rₘ^(k−1) of the history points");
      const scale = t.alpha * B;
      for (let k = 0; k < npts; k++) {
        const wk = k < p - 1 ? (scale * a[k]!) / rs[k]! : scale * a[k]!;
        w[k + 1] = wk;
        w[0]! -= wk;
      }
    }
    return { x: t.sigma / s.sigma, data: w, noise: 0 };
  });
}

/** UniPC (file header). */
export function unipc(options: UniPcOptions = {}): Sampler<UniPcState> {
  const fn = "unipc";
  const order = checkOrder(fn, options.order ?? 2, 3);
  const variant = options.variant ?? "bh2";
  if (variant !== "bh1" && variant !== "bh2")
    throw new RangeError(`${fn}: variant must be "bh1" or "bh2", got ${JSON.stringify(variant)}`);
  const corrector = options.corrector ?? true;
  const lowerOrderFinal = checkLowerOrderFinal(fn, options.lowerOrderFinal ?? true);
  const info = {
    name: `unipc-${variant}(order=${order}${corrector ? "" : ", no corrector"})`,
    order: corrector ? order + 1 : order,
    stochastic: false,
  };
  return defineSampler<UniPcState>(
    fn,
    info,
    async (run) => {
      const { state } = run;
      const dim = state.shape.dim;
      const here = run.levels(run.from);
      const d = (await run.predict(state.x, run.slice(run.from))).as("data");
      // Corrector UniC: redo the previous step with the new model output D̂ᵢ₊₁ = d.
      let x = state.x;
      const prev = state.previous;
      if (corrector && prev !== undefined) {
        const previous = newestFirst(state.history, prev.order);
        x = unipcUpdate(prev.x, run.levels(run.from - 1), here, previous, d, variant, dim);
      }
      const history = [...state.history, dataRecord(here, d)].slice(-order);
      // Into the data end: the denoising jump.
      if (run.toDataEnd) return run.finish(denoiseTo(run.slice(run.to), d), { history, previous: undefined });
      // Predictor UniP-q from the corrected xᵢ.
      const q = multistepOrder(order, history, state, lowerOrderFinal);
      const next = unipcUpdate(x, here, run.levels(run.to), newestFirst(history, q), undefined, variant, dim);
      return run.finish(next, { history, previous: { x, order: q } });
    },
    (base) => ({ ...base, history: [], previous: undefined }),
  );
}
