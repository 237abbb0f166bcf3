/**
 * Linear time-invariant SDEs dx = (F·x + u) dt + L dW with exact transitions over δ = t − s:
 *   A = e^{Fδ},  u_{t|s} = ∫₀^δ e^{Fτ} dτ·u,  Σ = ∫₀^δ e^{Fτ} Λ e^{Fᵀτ} dτ.
 * Scalar/diagonal F: entrywise, Σᵢⱼ = Λᵢⱼ·δ·φ((fᵢ + fⱼ)δ), u = u·δ·φ(fδ) with φ(z) = (eᶻ − 1)/z.
 * Dense F: Van Loan's block exponential (matrix fraction decomposition).
 * Source: Van Loan (1978), "Computing integrals involving the matrix exponential", IEEE TAC 23(3);
 * Särkkä & Solin (2019), Applied SDEs, §6.3.
 */
import { expm } from "../math/dense.js";
import {
  type Mat,
  type MatLike,
  congruence,
  denseMat,
  diagonalMat,
  matAdd,
  matDim,
  matMul,
  matMulT,
  matToJson,
  mulVec,
  scalarMat,
  symmetrize,
  toDense,
  toMat,
  toVector,
} from "../math/matrix.js";
import {
  type LinearSde,
  type SdeParams,
  type SdeSpec,
  type Transition,
  checkDim,
  defineClosedFormSde,
} from "./sde.js";

/** φ(z) = (eᶻ − 1)/z, with φ(0) = 1 (stable through expm1). */
export function phi1(z: number): number {
  return z === 0 ? 1 : Math.expm1(z) / z;
}

/**
 * Exact transition over δ ≥ 0 of dx = (F·x + u) dt + L dW with constant F, u, Λ = LLᵀ in dimension d.
 * Dense F: E = expm([[F, Λ, u], [0, −Fᵀ, 0], [0, 0, 0]]·δ) (size 2d + 1); then A = E₁₁, Σ = E₁₂·E₁₁ᵀ,
 * u_{t|s} = E₁₃ (Van Loan 1978, Theorem 1). Scalar/diagonal F: entrywise closed forms (file header).
 */
export function ltiTransition(F: Mat, u: Float64Array, Lambda: Mat, delta: number, d: number): Transition {
  if (F.kind !== "dense") {
    const f = F.kind === "scalar" ? null : F.values;
    const fi = (i: number): number => (f ? f[i]! : (F as { value: number }).value);
    const A: Mat = f ? diagonalMat(f.map((x) => Math.exp(x * delta))) : scalarMat(Math.exp(fi(0) * delta));
    const uOut = u.map((ui, i) => ui * delta * phi1(fi(i) * delta));
    let cov: Mat;
    if (Lambda.kind === "scalar" && !f) cov = scalarMat(Lambda.value * delta * phi1(2 * fi(0) * delta));
    else if (Lambda.kind !== "dense") {
      const lam = Lambda.kind === "scalar" ? null : Lambda.values;
      cov = diagonalMat(
        Array.from(
          { length: d },
          (_, i) => (lam ? lam[i]! : (Lambda as { value: number }).value) * delta * phi1(2 * fi(i) * delta),
        ),
      );
    } else {
      const S = new Float64Array(d * d);
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++)
          S[i * d + j] = Lambda.values[i * d + j]! * delta * phi1((fi(i) + fi(j)) * delta);
      cov = symmetrize({ kind: "dense", dim: d, values: S });
    }
    return { A, u: uOut, cov };
  }
  const n = 2 * d + 1;
  const Fd = toDense(F, d);
  const Ld = toDense(Lambda, d);
  const M = new Float64Array(n * n);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      M[i * n + j] = Fd[i * d + j]! * delta;
      M[i * n + d + j] = Ld[i * d + j]! * delta;
      M[(d + i) * n + d + j] = -Fd[j * d + i]! * delta;
    }
    M[i * n + 2 * d] = u[i]! * delta;
  }
  const E = toDense(expm({ kind: "dense", dim: n, values: M }, n), n);
  const A = new Float64Array(d * d);
  const E12 = new Float64Array(d * d);
  const uOut = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      A[i * d + j] = E[i * n + j]!;
      E12[i * d + j] = E[i * n + d + j]!;
    }
    uOut[i] = E[i * n + 2 * d]!;
  }
  const Amat = denseMat(A, d);
  return { A: Amat, u: uOut, cov: symmetrize(matMulT(denseMat(E12, d), Amat)) };
}

/** Options of `linearTimeInvariantSde`. */
export interface LtiOptions {
  /** Drift matrix F (number = c·I, vector = diagonal, rows = dense). */
  readonly F: MatLike;
  /** Square diffusion matrix L (Λ = L·Lᵀ may be singular). */
  readonly L: MatLike;
  /** Constant drift offset u (default 0). */
  readonly u?: number | ArrayLike<number>;
  /** Dimension; required only when F, L and u are all numbers. */
  readonly dim?: number;
  /** Display name (default "linearTimeInvariantSde"). */
  readonly name?: string;
}

/**
 * The time-invariant linear SDE dx = (F·x + u) dt + L dW, transitions exact over δ = t − s
 * (`ltiTransition`: entrywise for scalar/diagonal F, Van Loan for dense F). Λ = LLᵀ may be singular.
 */
export function linearTimeInvariantSde(options: LtiOptions, spec?: SdeSpec): LinearSde {
  const fn = options?.name ?? "linearTimeInvariantSde";
  if (options === null || typeof options !== "object")
    throw new TypeError(`${fn}: pass options { F, L, u?, dim? }`);
  const F0 = toMat(fn, "F", options.F);
  const L0 = toMat(fn, "L", options.L);
  const uLen = typeof options.u === "object" ? options.u.length : undefined;
  const dim = checkDim(
    fn,
    options.dim ??
      matDim(F0) ??
      matDim(L0) ??
      uLen ??
      (() => {
        throw new RangeError(`${fn}: dim is undefined (F, L and u are all numbers); pass options.dim`);
      })(),
  );
  const F = toMat(fn, "F", F0, dim);
  const L = toMat(fn, "L", L0, dim);
  const u = toVector(fn, "u", options.u ?? 0, dim);
  const Lambda = matMulT(L, L);
  const params: SdeParams = { F, u, L, Lambda };
  return defineClosedFormSde({
    name: fn,
    dim,
    spec: spec ?? {
      type: "linearTimeInvariant",
      F: matToJson(F, dim),
      L: matToJson(L, dim),
      u: Array.from(u),
      dim,
    },
    params: () => params,
    transition: (s, t) => ltiTransition(F, u, Lambda, t - s, dim),
  });
}

/**
 * Chapman–Kolmogorov for Gaussian transitions: x_t | x_s from x_r | x_s (`first`) and x_t | x_r (`second`):
 * A = A₂A₁, u = A₂u₁ + u₂, Σ = A₂Σ₁A₂ᵀ + Σ₂.
 */
export function composeTransitions(first: Transition, second: Transition, d: number): Transition {
  const u = mulVec(second.A, first.u, d);
  for (let i = 0; i < d; i++) u[i]! += second.u[i]!;
  return {
    A: matMul(second.A, first.A),
    u,
    cov: symmetrize(matAdd(congruence(second.A, first.cov), second.cov)),
  };
}
