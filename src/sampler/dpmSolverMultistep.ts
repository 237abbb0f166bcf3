/**
 * Multistep DPM-Solver++ (Lu et al. 2022, "DPM-Solver++", Alg. 2 and eq. 9) with data prediction D̂,
 * orders 1–3, and its SDE variant (ibid. §5 / App.; k-diffusion's dpmpp_2m_sde and dpmpp_3m_sde with η).
 * Per coordinate, ℓ = log(α/σ), h = ℓᵢ₊₁ − ℓᵢ, κ = 1 + η, H = κh:
 *   xᵢ₊₁ − b' = (σ'/σ)·e^{−ηh}·(xᵢ − b) + α'·[(1 − e^{−H})·D₀ + c₁·D₁ + c₂·D₂] + σ'·√(1 − e^{−2ηh})·z,
 * the exact solution of the (η-)SDE for D̂(ℓ) = D₀ + D₁(ℓ − ℓᵢ)/h + D₂(ℓ − ℓᵢ)(ℓ − ℓᵢ₋₁)/h² fitted to
 * the history D₀ = D̂ᵢ, D̂ᵢ₋₁, D̂ᵢ₋₂ (r₀ = hᵢ₋₁/h, r₁ = hᵢ₋₂/h):
 *   order 2: D₁ = (D₀ − D̂ᵢ₋₁)/r₀;  c₁ = "midpoint": (1 − e^{−H})/2  |  "taylor": 1 − (1 − e^{−H})/H
 *   order 3: D₁⁰ = (D₀ − D̂ᵢ₋₁)/r₀, D₁¹ = (D̂ᵢ₋₁ − D̂ᵢ₋₂)/r₁, D₁ = D₁⁰ + r₀(D₁⁰ − D₁¹)/(r₀ + r₁),
 *            D₂ = (D₁⁰ − D₁¹)/(r₀ + r₁);  c₁ = 1 − (1 − e^{−H})/H,
 *            c₂ = "taylor": 1 − 2(H − 1 + e^{−H})/H²  (exact for the quadratic: order 3)
 *               | "halfTaylor": ½ − (H − 1 + e^{−H})/H²  (the DPM-Solver reference code, diffusers and
 *                 k-diffusion: half the exact coefficient, which leaves the method second order).
 * Start-up uses orders 1, 2, …; the step into the data end (σ' = 0) is first order — the denoising
 * jump — as in both peers; `lowerOrderFinal` lowers the order to the number of steps left.
 */
import { coord, halfLogSnr } from "./exponential.js";
import type { CoordinateLevels } from "../path/path.js";
import { perCoordinate as at } from "./levels.js";
import {
  type LowerOrderFinal,
  type Sampler,
  type SamplerState,
  checkEta,
  checkLowerOrderFinal,
  checkOrder,
  defineSampler,
  denoiseTo,
  stepOrder,
} from "./sampler.js";

/** Options of `dpmSolverMultistep`. */
export interface DpmSolverMultistepOptions {
  /** Order 1–3 (default 2: DPM-Solver++(2M)). */
  readonly order?: number;
  /** Second-order coefficient (default "midpoint", the paper's 2M). */
  readonly solverType?: "midpoint" | "taylor";
  /** Third-order coefficient (default "taylor"; "halfTaylor" reproduces the peers). */
  readonly thirdOrder?: "taylor" | "halfTaylor";
  /** SDE noise η ≥ 0 (default 0: the ODE solver; 1: SDE-DPM-Solver++). */
  readonly eta?: number;
  /** Lower the order to the steps left (default true; diffusers: only below 15 steps). */
  readonly lowerOrderFinal?: boolean | { readonly belowSteps: number };
}

/** One history entry: D̂ at ℓ (per coordinate). */
export interface DataRecord {
  readonly ell: Float64Array;
  readonly data: Float64Array;
}

/** Multistep state: the common fields plus the data-prediction history (most recent last). */
export interface DataHistoryState extends SamplerState {
  readonly history: readonly DataRecord[];
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

/** Multistep DPM-Solver++ (file header). */
export function dpmSolverMultistep(options: DpmSolverMultistepOptions = {}): Sampler<DataHistoryState> {
  const fn = "dpmSolverMultistep";
  const order = checkOrder(fn, options.order ?? 2, 3);
  const eta = checkEta(fn, options.eta ?? 0);
  const solverType = options.solverType ?? "midpoint";
  const thirdOrder = options.thirdOrder ?? "taylor";
  if (solverType !== "midpoint" && solverType !== "taylor")
    throw new RangeError(
      `${fn}: solverType must be "midpoint" or "taylor", got ${JSON.stringify(solverType)}`,
    );
  if (thirdOrder !== "taylor" && thirdOrder !== "halfTaylor")
    throw new RangeError(
      `${fn}: thirdOrder must be "taylor" or "halfTaylor", got ${JSON.stringify(thirdOrder)}`,
    );
  const lowerOrderFinal = checkLowerOrderFinal(fn, options.lowerOrderFinal ?? true);
  const info = {
    name: `dpmpp-${order}m${eta > 0 ? `-sde(eta=${eta})` : ""}`,
    order: order === 3 && thirdOrder === "halfTaylor" ? 2 : order,
    stochastic: eta > 0,
  };
  return defineSampler<DataHistoryState>(
    fn,
    info,
    async (run) => {
      const { state } = run;
      const dim = state.shape.dim;
      const { from, to, p } = await run.begin();
      const d0 = p.as("data");
      const history = [...state.history, { ell: halfLogSnr(from), data: d0 }].slice(-order);
      // Step into the data end: first order, the denoising jump x = α'·D̂ + b'.
      if (run.toDataEnd) return run.finish(denoiseTo(run.slice(run.to), d0), { history });
      const q = multistepOrder(order, history, state, lowerOrderFinal);
      const z = eta > 0 ? run.normals() : null;
      const x = dpmSolverUpdate(
        state.x,
        from,
        to,
        history.slice(-q),
        { eta, solverType, thirdOrder },
        z,
        dim,
      );
      return run.finish(x, { history });
    },
    (base) => ({ ...base, history: [] }),
  );
}

/**
 * The DPM-Solver++ update of the file header from `from` to `to`, with `records` (current last) of
 * length 1–3 fixing the order; z = null without noise.
 */
export function dpmSolverUpdate(
  x: Float64Array,
  from: CoordinateLevels,
  to: CoordinateLevels,
  records: readonly DataRecord[],
  options: {
    readonly eta: number;
    readonly solverType: "midpoint" | "taylor";
    readonly thirdOrder: "taylor" | "halfTaylor";
  },
  z: Float64Array | null,
  dim: number,
): Float64Array {
  const { eta, solverType, thirdOrder } = options;
  const q = records.length;
  const ellTo = halfLogSnr(to);
  const m = Math.max(from.size, to.size, ...records.map((r) => r.ell.length));
  // Per-coordinate coefficients: xScale, noise, and the weights of D̂ᵢ, D̂ᵢ₋₁, D̂ᵢ₋₂.
  const xScale = new Float64Array(m);
  const noise = new Float64Array(m);
  const w = [new Float64Array(m), new Float64Array(m), new Float64Array(m)];
  for (let c = 0; c < m; c++) {
    const ell0 = at(records[q - 1]!.ell, c);
    const h = at(ellTo, c) - ell0;
    const H = (1 + eta) * h;
    const a2 = at(to.alpha, c);
    const s2 = at(to.sigma, c);
    xScale[c] = (s2 / at(from.sigma, c)) * (eta === 0 ? 1 : Math.exp(-eta * h));
    noise[c] = s2 * Math.sqrt(-Math.expm1(-2 * eta * h));
    const e1 = -Math.expm1(-H); // 1 − e^{−H}
    const taylor1 = 1 - e1 / H; // (H − 1 + e^{−H})/H
    let w0 = a2 * e1;
    let w1 = 0;
    let w2 = 0;
    if (q === 2) {
      const r0 = (ell0 - at(records[0]!.ell, c)) / h;
      const c1 = a2 * (solverType === "midpoint" ? e1 / 2 : taylor1);
      // c₁·D₁ with D₁ = (D₀ − D̂ᵢ₋₁)/r₀.
      w0 += c1 / r0;
      w1 = -c1 / r0;
    } else if (q === 3) {
      const r0 = (ell0 - at(records[1]!.ell, c)) / h;
      const r1 = (at(records[1]!.ell, c) - at(records[0]!.ell, c)) / h;
      const c1 = a2 * taylor1;
      const g = (H - 1 + Math.exp(-H)) / (H * H);
      const c2 = a2 * (thirdOrder === "taylor" ? 1 - 2 * g : 0.5 - g);
      // D₁⁰ = (D₀ − D₋₁)/r₀, D₁¹ = (D₋₁ − D₋₂)/r₁; D₁ = D₁⁰ + r₀(D₁⁰ − D₁¹)/(r₀+r₁); D₂ = (D₁⁰ − D₁¹)/(r₀+r₁).
      const u = c1 * (1 + r0 / (r0 + r1)) + c2 / (r0 + r1); // weight of D₁⁰
      const v = -(c1 * r0) / (r0 + r1) - c2 / (r0 + r1); // weight of D₁¹
      w0 += u / r0;
      w1 = -u / r0 + v / r1;
      w2 = -v / r1;
    }
    w[0]![c] = w0;
    w[1]![c] = w1;
    w[2]![c] = w2;
  }
  const out = new Float64Array(x.length);
  const b = from.offset;
  const b2 = to.offset;
  const d = records.map((r) => r.data).reverse(); // current first
  for (let i = 0; i < x.length; i++) {
    const j = i % dim;
    const c = coord(m, i, dim);
    let v = xScale[c]! * (x[i]! - (b === null ? 0 : b[j]!)) + (b2 === null ? 0 : b2[j]!);
    for (let k = 0; k < q; k++) v += w[k]![c]! * d[k]![i]!;
    if (z !== null) v += noise[c]! * z[i]!;
    out[i] = v;
  }
  return out;
}
