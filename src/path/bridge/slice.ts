/**
 * `ProbabilityPathSlice`: the bridge path at one time t, pₜ(x | y1) = N(A_p·y1 + b_p, Σ_p), from the
 * transitions p(xₜ | x_{t0}) = N(A₁x + u₁, Σ₁) and p(x_{t1} | xₜ) = N(A₂x + u₂, Σ₂), the prior
 * N(m0, P0) and the evidence covariance R, by Gaussian conditioning (no inverse of A₂; R = 0 works
 * for t < t1):
 *   V = A₂Σ₁A₂ᵀ + Σ₂ + R,  G = Σ₁A₂ᵀV⁻¹,  K = (I − GA₂)A₁,
 *   A_p = G,  b_p = K·m0 + (I − GA₂)u₁ − G·u₂,
 *   Σ_p = (I − GA₂)Σ₁(I − GA₂)ᵀ + G(Σ₂ + R)Gᵀ + K·P0·Kᵀ   (Joseph form of Σ₁ − GA₂Σ₁ + KP0Kᵀ).
 * Targets at (t, x, y1), each affine q = G·x + H·y1 + k (W = Σ₂ + R, J_β = A₂ᵀW⁻¹A₂):
 *   drift (Doob h-transform, forward time): F·x + u + ΛA₂ᵀW⁻¹(y1 − A₂x − u₂);
 *   score ∇ₓ log pₜ = Σ_p⁻¹(μ_p − x);  flow = drift − ½Λ·score;  epsilon = Σ_p^{-1/2}(x − μ_p)
 *   with the symmetric (principal) inverse square root.
 * Singular points: Σ_p = 0 at t = t1 when R = 0 (score, epsilon, flow undefined); W singular at t1
 * when R = 0 (drift, J_β undefined); A_p = 0 at t = t0 (no target determines y1).
 * Source: Särkkä & Solin (2019) §§5, 6 (transitions, Gaussian conditioning); Doob h-transform as in
 * Rogers & Williams (2000) IV.39; the fixtures' README (../shared/reference/bridge).
 */
import { type FloatArray, checkFloatArray } from "../../array.js";
import { logDensityOfResiduals } from "../../math/gaussian.js";
import { inverseSpd, invSqrtPd, sqrtPsd, tryInverse } from "../../math/dense.js";
import {
  IDENTITY,
  type Mat,
  ZERO,
  congruence,
  matAdd,
  matMul,
  matMulT,
  matSub,
  matVecBatch,
  mulVec,
  scale,
  symmetrize,
  transpose,
} from "../../math/matrix.js";
import { NO_ODE_WORK, type OdeStats, addOdeStats } from "../../sde/ode.js";
import type { SdeParams, Transition } from "../../sde/sde.js";
import { type AffineTarget, addScaledAffine, mulAffine } from "./affine.js";
import type { DiffusionModelComponents } from "./components.js";

/** The kinds of the seed's conversion API. */
export type BridgeKind = "y1" | "epsilon" | "score" | "flow" | "drift";

/** All bridge kinds, in table order. */
export const BRIDGE_KINDS: readonly BridgeKind[] = ["y1", "epsilon", "score", "flow", "drift"];

/** Transitions computed elsewhere (by `getProbabilityPath`) for one slice. */
export interface SliceTransitions {
  /** p(xₜ | x_{t0}). */
  readonly fromT0: Transition;
  /** p(x_{t1} | xₜ). */
  readonly toT1: Transition;
  /** ODE work attributed to this slice (NO_ODE_WORK when shared). */
  readonly stats: OdeStats;
}

/** The affine map μ_p = A·y1 + b. */
export interface AffineMean {
  readonly A: Mat;
  readonly b: Float64Array;
}

/** The bridge path at one time (file header). Immutable; derived quantities are computed once, on first use. */
export class ProbabilityPathSlice {
  readonly components: DiffusionModelComponents;
  readonly t: number;
  readonly dim: number;
  /** p(xₜ | x_{t0}) = N(A·x + u, Σ). */
  readonly transitionFromT0: Transition;
  /** p(x_{t1} | xₜ) = N(A·x + u, Σ). */
  readonly transitionToT1: Transition;
  /** F, u, L, Λ at t. */
  readonly params: SdeParams;
  /** ODE solves and right-hand-side evaluations spent on this slice's transitions. */
  readonly stats: OdeStats;
  /** μ_p = A_p·y1 + b_p. */
  readonly y1ToMarginalMean: AffineMean;
  /** Σ_p. */
  readonly marginalCov: Mat;
  #cache = new Map<string, unknown>();

  /**
   * Conditions the transitions at t ∈ [t0, t1] (file header). Without `transitions`, computes them
   * (two ODE solves for a time-varying SDE). Throws naming `ProbabilityPathSlice` when V is singular.
   */
  constructor(components: DiffusionModelComponents, t: number, transitions?: SliceTransitions) {
    const fn = "ProbabilityPathSlice";
    if (components === null || typeof components !== "object" || typeof components.checkTime !== "function") {
      throw new TypeError(`${fn}: components must be a DiffusionModelComponents`);
    }
    components.checkTime(fn, t);
    const { linearSde: sde, t0, t1, dim: d } = components;
    let tr = transitions;
    if (tr === undefined) {
      const fwd = sde.transitionsFrom(t0, [t]);
      const bwd = sde.transitionsTo([t], t1);
      tr = {
        fromT0: fwd.transitions[0]!,
        toT1: bwd.transitions[0]!,
        stats: addOdeStats(fwd.stats, bwd.stats),
      };
    }
    this.components = components;
    this.t = t;
    this.dim = d;
    this.transitionFromT0 = tr.fromT0;
    this.transitionToT1 = tr.toT1;
    this.stats = tr.stats ?? NO_ODE_WORK;
    this.params = sde.params(t);

    const { A: A1, u: u1, Sigma: S1 } = tr.fromT0;
    const { A: A2, u: u2, Sigma: S2 } = tr.toT1;
    const S2R = symmetrize(matAdd(S2, components.evidenceCov));
    const V = symmetrize(matAdd(congruence(A2, S1), S2R));
    let Vinv: Mat;
    try {
      Vinv = inverseSpd(V, d, fn, "V = A₂Σ₁A₂ᵀ + Σ₂ + R");
    } catch (e) {
      throw new RangeError(
        `${(e as Error).message} at t = ${t}: the evidence y1 has no noise here — use evidenceCov R > 0 or a diffusion with Λ ≠ 0`,
      );
    }
    const G = matMul(matMulT(S1, A2), Vinv);
    const IGA = matSub(IDENTITY, matMul(G, A2));
    const K = matMul(IGA, A1);
    const b = mulVec(K, components.priorMean, d);
    const IGAu1 = mulVec(IGA, u1, d);
    const Gu2 = mulVec(G, u2, d);
    for (let i = 0; i < d; i++) b[i] = b[i]! + IGAu1[i]! - Gu2[i]!;
    this.y1ToMarginalMean = { A: G, b };
    this.marginalCov = symmetrize(
      matAdd(matAdd(congruence(IGA, S1), congruence(G, S2R)), congruence(K, components.priorCov)),
    );
  }

  #memo<T>(key: string, f: () => T): T {
    if (!this.#cache.has(key)) this.#cache.set(key, f());
    return this.#cache.get(key) as T;
  }

  /** W⁻¹ with W = Σ_{t1|t} + R (throws at t = t1 when R = 0: the path is pinned there). */
  get #wInverse(): Mat {
    return this.#memo("Winv", () => {
      const W = symmetrize(matAdd(this.transitionToT1.Sigma, this.components.evidenceCov));
      try {
        return inverseSpd(W, this.dim, "ProbabilityPathSlice", "W = Σ_{t1|t} + R");
      } catch {
        throw new RangeError(
          `ProbabilityPathSlice: W = Σ_{t1|t} + R is singular at t = ${this.t} (the path is pinned to y1 here), so the drift and the backward message are undefined — evaluate at t < t1 or use evidenceCov R > 0`,
        );
      }
    });
  }

  /** Backward-message precision J_β = A_{t1|t}ᵀ W⁻¹ A_{t1|t}, W = Σ_{t1|t} + R (throws where W is singular). */
  get betaPrecision(): Mat {
    return this.#memo("Jbeta", () => congruence(transpose(this.transitionToT1.A), this.#wInverse));
  }

  /** f() of Σ_p, rethrowing a singular Σ_p as "pinned to y1: `what` is undefined" with the fix. */
  #ofMarginalCov(key: string, what: string, f: () => Mat): Mat {
    return this.#memo(key, () => {
      try {
        return f();
      } catch {
        throw new RangeError(
          `ProbabilityPathSlice: Σ_p is singular at t = ${this.t} (the path is pinned to y1), so ${what} is undefined — evaluate at t < t1 or use evidenceCov R > 0`,
        );
      }
    });
  }

  /** Σ_p⁻¹ (throws where Σ_p is singular: t = t1 with R = 0). */
  get marginalPrecision(): Mat {
    return this.#ofMarginalCov("precision", "the score", () => inverseSpd(this.marginalCov, this.dim));
  }

  /** Σ_p^{1/2}, the symmetric square root (the sampler x = μ_p + Σ_p^{1/2}ε). */
  get marginalCovSqrt(): Mat {
    return this.#memo("sqrt", () =>
      sqrtPsd(this.marginalCov, this.dim, "ProbabilityPathSlice.marginalCovSqrt", "Σ_p"),
    );
  }

  /** Σ_p^{-1/2}, the symmetric inverse square root (throws where Σ_p is singular). */
  get marginalCovInvSqrt(): Mat {
    return this.#ofMarginalCov("invSqrt", "epsilon", () => invSqrtPd(this.marginalCov, this.dim));
  }

  /**
   * The target `kind` as an affine map q = G·x + H·y1 + k at this time (file header):
   * y1: (0, I, 0); drift: G = F − ΛJ_β, H = ΛA₂ᵀW⁻¹, k = u − H·u₂; score: (−Σ_p⁻¹, Σ_p⁻¹A_p, Σ_p⁻¹b_p);
   * flow = drift − ½Λ·score; epsilon: (Σ_p^{-1/2}, −Σ_p^{-1/2}A_p, −Σ_p^{-1/2}b_p).
   */
  affine(kind: BridgeKind): AffineTarget {
    const d = this.dim;
    const { A: Ap, b: bp } = this.y1ToMarginalMean;
    switch (kind) {
      case "y1":
        return { G: ZERO, H: IDENTITY, k: new Float64Array(d) };
      case "drift":
        return this.#memo("drift", () => {
          const { F, u, Lambda } = this.params;
          const { A: A2, u: u2 } = this.transitionToT1;
          const H = matMul(matMul(Lambda, transpose(A2)), this.#wInverse);
          const Hu2 = mulVec(H, u2, d);
          return { G: matSub(F, matMul(H, A2)), H, k: u.map((x, i) => x - Hu2[i]!) };
        });
      case "score":
        return this.#memo("score", () => {
          const P = this.marginalPrecision;
          return { G: scale(P, -1), H: matMul(P, Ap), k: mulVec(P, bp, d), residual: scale(P, -1) };
        });
      case "flow":
        return this.#memo("flow", () =>
          addScaledAffine(this.affine("drift"), -0.5, mulAffine(this.params.Lambda, this.affine("score"), d)),
        );
      case "epsilon":
        return this.#memo("epsilon", () => {
          const R = this.marginalCovInvSqrt;
          return { ...mulAffine(R, { G: IDENTITY, H: scale(Ap, -1), k: bp.map((x) => -x) }, d), residual: R };
        });
      default:
        throw new TypeError(
          `ProbabilityPathSlice.affine: kind must be one of ${BRIDGE_KINDS.join(", ")}, got ${JSON.stringify(kind)}`,
        );
    }
  }

  /**
   * Why `kind` does not determine y1 here, for error messages: A_p singular (t = t0) for epsilon and
   * score; Λ singular (degenerate noise) for drift and flow.
   */
  singularReason(kind: BridgeKind): string {
    const d = this.dim;
    if ((kind === "epsilon" || kind === "score") && tryInverse(this.y1ToMarginalMean.A, d) === null) {
      return `A_p is singular at t = ${this.t}${this.t === this.components.t0 ? " (t = t0: the prior does not depend on y1)" : ""}, so ${kind} does not determine y1 — evaluate at t > t0`;
    }
    if ((kind === "drift" || kind === "flow") && tryInverse(this.params.Lambda, d) === null) {
      return `Λ = LLᵀ is singular (degenerate noise), so ${kind} does not determine y1 — predict y1, epsilon or score instead`;
    }
    return `H_${kind} (the y1-coefficient of ${kind}) is singular at t = ${this.t} — predict y1 instead`;
  }

  /** μ_p = A_p·y1 + b_p for every row of y1 (Float64Array). */
  marginalMean(y1: FloatArray): Float64Array {
    const fn = "ProbabilityPathSlice.marginalMean";
    checkFloatArray(fn, "y1", y1);
    const d = this.dim;
    if (y1.length % d !== 0)
      throw new RangeError(`${fn}: y1 has length ${y1.length}, not a multiple of the dimension ${d}`);
    const { A, b } = this.y1ToMarginalMean;
    return matVecBatch(A, y1, d, new Float64Array(y1.length), b);
  }

  /** log pₜ(x | y1) = log N(x; μ_p, Σ_p) for every row (x, y1 of equal length). */
  logProb(x: FloatArray, y1: FloatArray): Float64Array {
    const fn = "ProbabilityPathSlice.logProb";
    checkFloatArray(fn, "x", x);
    const r = this.marginalMean(y1);
    if (r.length !== x.length)
      throw new RangeError(`${fn}: x has length ${x.length} but y1 has length ${y1.length}; they must match`);
    for (let i = 0; i < r.length; i++) r[i] = x[i]! - r[i]!;
    return logDensityOfResiduals(fn, r, this.marginalCov, this.dim);
  }
}
