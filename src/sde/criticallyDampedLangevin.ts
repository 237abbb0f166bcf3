/**
 * Critically-damped Langevin diffusion on the phase space (x, v) ∈ ℝ²ᵈ (state layout [x; v]):
 *   dx = β M⁻¹ v dt,   dv = (−β x − Γβ M⁻¹ v) dt + √(2Γβ) dW,   Γ = 2√M (critical damping Γ² = 4M).
 * F = F₂ ⊗ I_d with F₂ = β[[0, 1/M], [−1, −Γ/M]], Λ = diag(0, 2Γβ) ⊗ I_d: the noise is degenerate
 * (Λ singular), so drift/flow → data conversions are singular. Transitions: Van Loan on the 2 × 2
 * block, then ⊗ I_d. Source: Dockhorn, Vahdat & Kreis (2022), "Score-based generative modeling with
 * critically-damped Langevin diffusion", eq. (5).
 */
import { type DenseMat, type Mat, denseMat, toDense } from "../math/matrix.js";
import { ltiTransition } from "./lti.js";
import { type LinearSde, checkDim, checkParam, defineClosedFormSde } from "./sde.js";

/** Options of `criticallyDampedLangevin`. */
export interface CriticallyDampedLangevinOptions {
  /** Mass M > 0 (Dockhorn et al. use M = 0.25). */
  readonly mass: number;
  /** Time scale β > 0 (Dockhorn et al. use β = 4). */
  readonly beta: number;
  /** Data dimension d; the SDE's state has dimension 2d. */
  readonly dim: number;
}

/** M₂ ⊗ I_d for a 2 × 2 matrix M₂ (row-major [x; v] block layout). */
function kronIdentity(m2: Mat, d: number): DenseMat {
  const a = toDense(m2, 2);
  const n = 2 * d;
  const out = new Float64Array(n * n);
  for (let p = 0; p < 2; p++)
    for (let q = 0; q < 2; q++) for (let i = 0; i < d; i++) out[(p * d + i) * n + q * d + i] = a[p * 2 + q]!;
  return denseMat(out, n);
}

/** The CLD SDE of the file header; `dim` is the data dimension, the state dimension is 2·dim. */
export function criticallyDampedLangevin({ mass, beta, dim }: CriticallyDampedLangevinOptions): LinearSde {
  const fn = "criticallyDampedLangevin";
  checkParam(fn, "mass", mass, (x) => x > 0, "a finite number > 0");
  checkParam(fn, "beta", beta, (x) => x > 0, "a finite number > 0");
  checkDim(fn, dim);
  const gamma = 2 * Math.sqrt(mass);
  const F2 = denseMat([
    [0, beta / mass],
    [-beta, (-gamma * beta) / mass],
  ]);
  const L2 = denseMat([
    [0, 0],
    [0, Math.sqrt(2 * gamma * beta)],
  ]);
  const Lambda2 = denseMat([
    [0, 0],
    [0, 2 * gamma * beta],
  ]);
  const params = {
    F: kronIdentity(F2, dim),
    u: new Float64Array(2 * dim),
    L: kronIdentity(L2, dim),
    Lambda: kronIdentity(Lambda2, dim),
  };
  const zero2 = new Float64Array(2);
  return defineClosedFormSde({
    name: fn,
    dim: 2 * dim,
    spec: { type: "criticallyDampedLangevin", mass, beta, dim },
    params: () => params,
    transition: (s, t) => {
      const tr = ltiTransition(F2, zero2, Lambda2, t - s, 2);
      return { A: kronIdentity(tr.A, dim), u: new Float64Array(2 * dim), cov: kronIdentity(tr.cov, dim) };
    },
  });
}
