/**
 * Multistep DPM-Solver++ (Lu et al. 2022, "DPM-Solver++", Alg. 2 and eq. 9) with data prediction D̂,
 * orders 1–3, and its SDE variant (ibid. §5; k-diffusion's dpmpp_2m_sde and dpmpp_3m_sde with η).
 * Per coordinate (exponential.ts), ℓ = log(α/σ), h = ℓᵢ₊₁ − ℓᵢ, κ = 1 + η, H = κh:
 *   xᵢ₊₁ − b' = (σ'/σ)·e^{−ηh}·(xᵢ − b) + α'·[(1 − e^{−H})·D₀ + c₁·D₁ + c₂·D₂] + σ'·√(1 − e^{−2ηh})·z,
 * the exact solution of the (η-)SDE for D̂(ℓ) = D₀ + D₁(ℓ − ℓᵢ)/h + D₂(ℓ − ℓᵢ)(ℓ − ℓᵢ₋₁)/h² fitted to
 * the history D₀ = D̂ᵢ, D̂ᵢ₋₁, D̂ᵢ₋₂ (r₀ = hᵢ₋₁/h, r₁ = hᵢ₋₂/h):
 *   order 2 (Alg. 2: Dᵢ = (1 + 1/(2r₀))·D̂ᵢ − 1/(2r₀)·D̂ᵢ₋₁ with "midpoint"):
 *            D₁ = (D₀ − D̂ᵢ₋₁)/r₀;  c₁ = "midpoint": (1 − e^{−H})/2  |  "taylor": 1 − (1 − e^{−H})/H
 *   order 3: D₁⁰ = (D₀ − D̂ᵢ₋₁)/r₀, D₁¹ = (D̂ᵢ₋₁ − D̂ᵢ₋₂)/r₁, D₁ = D₁⁰ + r₀(D₁⁰ − D₁¹)/(r₀ + r₁),
 *            D₂ = (D₁⁰ − D₁¹)/(r₀ + r₁);  c₁ = 1 − (1 − e^{−H})/H,
 *            c₂ = "taylor": 1 − 2(H − 1 + e^{−H})/H²  (exact for the quadratic: order 3)
 *               | "halfTaylor": ½ − (H − 1 + e^{−H})/H²  (the DPM-Solver reference code, diffusers and
 *                 k-diffusion: half the exact coefficient, which leaves the method second order).
 * Start-up uses orders 1, 2, …; the step into the data end (σ' = 0) is first order — the denoising
 * jump — as in both peers; `lowerOrderFinal` lowers the order to the number of steps left.
 */
import {
  type DataHistoryState,
  type Lane,
  type StepWeights,
  dataRecord,
  exponentialStep,
  multistepOrder,
  newestFirst,
} from "./exponential.js";
import {
  type Sampler,
  checkEta,
  checkLowerOrderFinal,
  checkOrder,
  defineSampler,
  denoiseTo,
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

/**
 * The weights of D̂ᵢ, D̂ᵢ₋₁, D̂ᵢ₋₂ (the history's length fixes the order), x − b and z for one
 * coordinate (file header): s, t the levels at the step's start and end, ℓ the history's ℓ (newest first).
 */
function weights(
  s: Lane,
  t: Lane,
  ell: readonly number[],
  eta: number,
  solverType: "midpoint" | "taylor",
  thirdOrder: "taylor" | "halfTaylor",
): StepWeights {
  const h = t.ell - ell[0]!;
  const H = (1 + eta) * h;
  const e1 = -Math.expm1(-H); // 1 − e^{−H}
  const x = (t.sigma / s.sigma) * (eta === 0 ? 1 : Math.exp(-eta * h));
  const noise = t.sigma * Math.sqrt(-Math.expm1(-2 * eta * h));
  // First order: α'(1 − e^{−H})·D₀.
  let w0 = t.alpha * e1;
  if (ell.length === 2) {
    // c₁·D₁ with D₁ = (D₀ − D̂ᵢ₋₁)/r₀.
    const r0 = (ell[0]! - ell[1]!) / h;
    const c1 = t.alpha * (solverType === "midpoint" ? e1 / 2 : 1 - e1 / H);
    w0 += c1 / r0;
    return { x, data: [w0, -c1 / r0], noise };
  }
  if (ell.length === 3) {
    const r0 = (ell[0]! - ell[1]!) / h;
    const r1 = (ell[1]! - ell[2]!) / h;
    const c1 = t.alpha * (1 - e1 / H);
    const g = (H - 1 + Math.exp(-H)) / (H * H);
    const c2 = t.alpha * (thirdOrder === "taylor" ? 1 - 2 * g : 0.5 - g);
    // c₁·D₁ + c₂·D₂ = u·D₁⁰ + v·D₁¹, D₁⁰ = (D₀ − D̂ᵢ₋₁)/r₀, D₁¹ = (D̂ᵢ₋₁ − D̂ᵢ₋₂)/r₁.
    const u = c1 * (1 + r0 / (r0 + r1)) + c2 / (r0 + r1);
    const v = -(c1 * r0) / (r0 + r1) - c2 / (r0 + r1);
    w0 += u / r0;
    return { x, data: [w0, -u / r0 + v / r1, -v / r1], noise };
  }
  return { x, data: [w0], noise };
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
      const { from, to, p } = await run.begin();
      const d = p.as("data");
      const history = [...state.history, dataRecord(from, d)].slice(-order);
      // Into the data end: first order, the denoising jump x = α'·D̂ + b'.
      if (run.toDataEnd) return run.finish(denoiseTo(run.slice(run.to), d), { history });
      // Order q from the history (start-up) and the steps left.
      const q = multistepOrder(order, history, state, lowerOrderFinal);
      const z = eta > 0 ? run.normals() : null;
      // xᵢ₊₁ − b' = (σ'/σ)e^{−ηh}(xᵢ − b) + α'[(1 − e^{−H})D₀ + c₁D₁ + c₂D₂] + σ'√(1 − e^{−2ηh})·z.
      const x = exponentialStep(state.x, from, to, newestFirst(history, q), z, state.shape.dim, (s, t, ell) =>
        weights(s, t, ell, eta, solverType, thirdOrder),
      );
      return run.finish(x, { history });
    },
    (base) => ({ ...base, history: [] }),
  );
}
