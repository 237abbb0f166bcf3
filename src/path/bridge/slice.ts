/**
 * `BridgeSlice`: the bridge path at one time t, pₜ(x | data) = N(A_p·data + b_p, Σ_p), from the
 * transitions p(xₜ | x_{t0}) = N(A₁x + u₁, Σ₁) and p(x_{t1} | xₜ) = N(A₂x + u₂, Σ₂), the prior
 * N(m0, P0) and the evidence covariance R, by Gaussian conditioning (no inverse of A₂; R = 0 works
 * for t < t1):
 *   V = A₂Σ₁A₂ᵀ + Σ₂ + R,  G = Σ₁A₂ᵀV⁻¹,  K = (I − GA₂)A₁,
 *   A_p = G,  b_p = K·m0 + (I − GA₂)u₁ − G·u₂,
 *   Σ_p = (I − GA₂)Σ₁(I − GA₂)ᵀ + G(Σ₂ + R)Gᵀ + K·P0·Kᵀ   (Joseph form of Σ₁ − GA₂Σ₁ + KP0Kᵀ).
 * Targets at (t, x, data), each affine q = G·x + H·data + k (W = Σ₂ + R, J_β = A₂ᵀW⁻¹A₂):
 *   Doob drift (the h-transform SDE's drift, forward time): F·x + u + ΛA₂ᵀW⁻¹(data − A₂x − u₂);
 *   score ∇ₓ log pₜ = Σ_p⁻¹(μ_p − x);  velocity = Doob drift − ½Λ·score (the probability flow);
 *   noise = Σ_p^{-1/2}(x − μ_p) with the symmetric (principal) inverse square root.
 * The Doob drift is the hub's `drift` with g² = Λ when Λ is a multiple of I (bridgePath.ts).
 * Singular points: Σ_p = 0 at t = t1 when R = 0 (score, noise, velocity undefined); W singular at t1
 * when R = 0 (Doob drift, J_β undefined); A_p = 0 at t = t0 (no target determines the data).
 * Source: Särkkä & Solin (2019) §§5, 6 (transitions, Gaussian conditioning); Doob h-transform as in
 * Rogers & Williams (2000) IV.39.
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
import type { Bridge } from "./bridge.js";

/** The targets a bridge slice computes as affine maps: the hub's kinds plus the Doob drift. */
export type BridgeTarget = "data" | "noise" | "score" | "velocity" | "doobDrift";

/** All bridge targets, in table order. */
export const BRIDGE_TARGETS: readonly BridgeTarget[] = ["data", "noise", "score", "velocity", "doobDrift"];

/** The core spelling of every target (singularReason's default names). */
const TARGET_NAMES: Readonly<Record<BridgeTarget, string>> = {
  data: "data",
  noise: "noise",
  score: "score",
  velocity: "velocity",
  doobDrift: "the Doob drift",
};

/** Transitions computed elsewhere (by `getProbabilityPath`) for one slice. */
export interface SliceTransitions {
  /** p(xₜ | x_{t0}). */
  readonly fromT0: Transition;
  /** p(x_{t1} | xₜ). */
  readonly toT1: Transition;
  /** ODE work attributed to this slice (NO_ODE_WORK when shared). */
  readonly stats: OdeStats;
}

/** The affine map μ_p = A·data + b. */
export interface AffineMean {
  readonly A: Mat;
  readonly b: Float64Array;
}

/** The bridge path at one time (file header). Immutable; derived quantities are computed once, on first use. */
export class BridgeSlice {
  readonly bridge: Bridge;
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
  /** μ_p = A_p·data + b_p. */
  readonly dataToMean: AffineMean;
  /** Σ_p. */
  readonly cov: Mat;
  #cache = new Map<string, unknown>();
  /** The class name and the data's name in error messages (the linsdex adapter says y1). */
  readonly #fn: string;
  readonly #dataName: string;

  /**
   * Conditions the transitions at t ∈ [t0, t1] (file header). Without `transitions`, computes them
   * (two ODE solves for a time-varying SDE). Throws naming `fn` when V is singular.
   */
  constructor(
    bridge: Bridge,
    t: number,
    transitions?: SliceTransitions,
    fn = "BridgeSlice",
    dataName = "the data",
  ) {
    if (bridge === null || typeof bridge !== "object" || typeof bridge.checkTime !== "function") {
      throw new TypeError(`${fn}: bridge must be a Bridge`);
    }
    bridge.checkTime(fn, t);
    const { sde, t0, t1, dim: d } = bridge;
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
    this.bridge = bridge;
    this.#fn = fn;
    this.#dataName = dataName;
    this.t = t;
    this.dim = d;
    this.transitionFromT0 = tr.fromT0;
    this.transitionToT1 = tr.toT1;
    this.stats = tr.stats ?? NO_ODE_WORK;
    this.params = sde.params(t);

    const { A: A1, u: u1, cov: S1 } = tr.fromT0;
    const { A: A2, u: u2, cov: S2 } = tr.toT1;
    const S2R = symmetrize(matAdd(S2, bridge.evidenceCov));
    const V = symmetrize(matAdd(congruence(A2, S1), S2R));
    let Vinv: Mat;
    try {
      Vinv = inverseSpd(V, d, fn, "V = A₂Σ₁A₂ᵀ + Σ₂ + R");
    } catch (e) {
      throw new RangeError(
        `${(e as Error).message} at t = ${t}: the evidence has no noise here — use evidenceCov R > 0 or a diffusion with Λ ≠ 0`,
      );
    }
    const G = matMul(matMulT(S1, A2), Vinv);
    const IGA = matSub(IDENTITY, matMul(G, A2));
    const K = matMul(IGA, A1);
    const b = mulVec(K, bridge.priorMean, d);
    const IGAu1 = mulVec(IGA, u1, d);
    const Gu2 = mulVec(G, u2, d);
    for (let i = 0; i < d; i++) b[i] = b[i]! + IGAu1[i]! - Gu2[i]!;
    this.dataToMean = { A: G, b };
    this.cov = symmetrize(
      matAdd(matAdd(congruence(IGA, S1), congruence(G, S2R)), congruence(K, bridge.priorCov)),
    );
  }

  #memo<T>(key: string, f: () => T): T {
    if (!this.#cache.has(key)) this.#cache.set(key, f());
    return this.#cache.get(key) as T;
  }

  /** W⁻¹ with W = Σ_{t1|t} + R (throws at t = t1 when R = 0: the path is pinned there). */
  get #wInverse(): Mat {
    return this.#memo("Winv", () => {
      const W = symmetrize(matAdd(this.transitionToT1.cov, this.bridge.evidenceCov));
      try {
        return inverseSpd(W, this.dim, this.#fn, "W = Σ_{t1|t} + R");
      } catch {
        throw new RangeError(
          `${this.#fn}: W = Σ_{t1|t} + R is singular at t = ${this.t} (the path is pinned to ${this.#dataName} here), so the Doob drift and the backward message are undefined — evaluate at t < t1 or use evidenceCov R > 0`,
        );
      }
    });
  }

  /** Backward-message precision J_β = A_{t1|t}ᵀ W⁻¹ A_{t1|t}, W = Σ_{t1|t} + R (throws where W is singular). */
  get betaPrecision(): Mat {
    return this.#memo("Jbeta", () => congruence(transpose(this.transitionToT1.A), this.#wInverse));
  }

  /** f() of Σ_p, rethrowing a singular Σ_p as "pinned to the data: `what` is undefined" with the fix. */
  #ofCov(key: string, what: string, f: () => Mat): Mat {
    return this.#memo(key, () => {
      try {
        return f();
      } catch {
        throw new RangeError(
          `${this.#fn}: Σ_p is singular at t = ${this.t} (the path is pinned to ${this.#dataName}), so ${what} is undefined — evaluate at t < t1 or use evidenceCov R > 0`,
        );
      }
    });
  }

  /** Σ_p⁻¹ (throws where Σ_p is singular: t = t1 with R = 0). */
  get precision(): Mat {
    return this.#ofCov("precision", "the score", () => inverseSpd(this.cov, this.dim));
  }

  /** Σ_p^{1/2}, the symmetric square root (the sampler x = μ_p + Σ_p^{1/2}ε). */
  get covSqrt(): Mat {
    return this.#memo("sqrt", () => sqrtPsd(this.cov, this.dim, `${this.#fn}.covSqrt`, "Σ_p"));
  }

  /** Σ_p^{-1/2}, the symmetric inverse square root (throws where Σ_p is singular). */
  get covInvSqrt(): Mat {
    return this.#ofCov("invSqrt", "the noise", () => invSqrtPd(this.cov, this.dim));
  }

  /**
   * The target `kind` as an affine map q = G·x + H·data + k at this time (file header):
   * data: (0, I, 0); Doob drift: G = F − ΛJ_β, H = ΛA₂ᵀW⁻¹, k = u − H·u₂; score: (−Σ_p⁻¹, Σ_p⁻¹A_p,
   * Σ_p⁻¹b_p); velocity = Doob drift − ½Λ·score; noise: (Σ_p^{-1/2}, −Σ_p^{-1/2}A_p, −Σ_p^{-1/2}b_p).
   */
  target(kind: BridgeTarget): AffineTarget {
    const d = this.dim;
    const { A: Ap, b: bp } = this.dataToMean;
    switch (kind) {
      case "data":
        return { G: ZERO, H: IDENTITY, k: new Float64Array(d) };
      case "doobDrift":
        return this.#memo("doobDrift", () => {
          const { F, u, Lambda } = this.params;
          const { A: A2, u: u2 } = this.transitionToT1;
          const H = matMul(matMul(Lambda, transpose(A2)), this.#wInverse);
          const Hu2 = mulVec(H, u2, d);
          return { G: matSub(F, matMul(H, A2)), H, k: u.map((x, i) => x - Hu2[i]!) };
        });
      case "score":
        return this.#memo("score", () => {
          const P = this.precision;
          return { G: scale(P, -1), H: matMul(P, Ap), k: mulVec(P, bp, d), residual: scale(P, -1) };
        });
      case "velocity":
        return this.#memo("velocity", () =>
          addScaledAffine(
            this.target("doobDrift"),
            -0.5,
            mulAffine(this.params.Lambda, this.target("score"), d),
          ),
        );
      case "noise":
        return this.#memo("noise", () => {
          const R = this.covInvSqrt;
          return { ...mulAffine(R, { G: IDENTITY, H: scale(Ap, -1), k: bp.map((x) => -x) }, d), residual: R };
        });
      default:
        throw new TypeError(
          `BridgeSlice.target: kind must be one of ${BRIDGE_TARGETS.join(", ")}, got ${JSON.stringify(kind)}`,
        );
    }
  }

  /**
   * Why `kind` does not determine the data here, for error messages (`names` spells the kinds as the
   * caller does): A_p singular (t = t0) for noise and score; Λ singular (degenerate noise) for the
   * Doob drift and the velocity.
   */
  singularReason(kind: BridgeTarget, names: Readonly<Record<BridgeTarget, string>> = TARGET_NAMES): string {
    const d = this.dim;
    const name = names[kind];
    if ((kind === "noise" || kind === "score") && tryInverse(this.dataToMean.A, d) === null) {
      return `A_p is singular at t = ${this.t}${this.t === this.bridge.t0 ? " (t = t0: the prior does not depend on the data)" : ""}, so ${name} does not determine ${names.data} — evaluate at t > t0`;
    }
    if ((kind === "doobDrift" || kind === "velocity") && tryInverse(this.params.Lambda, d) === null) {
      return `Λ = LLᵀ is singular (degenerate noise), so ${name} does not determine ${names.data} — predict ${names.data}, ${names.noise} or ${names.score} instead`;
    }
    return `H_${name} (the ${names.data}-coefficient of ${name}) is singular at t = ${this.t} — predict ${names.data} instead`;
  }

  /** μ_p = A_p·data + b_p for every row of `data` (Float64Array); `fn` names the caller in errors. */
  mean(data: FloatArray, fn = "BridgeSlice.mean", name = "data"): Float64Array {
    checkFloatArray(fn, name, data);
    const d = this.dim;
    if (data.length % d !== 0)
      throw new RangeError(`${fn}: ${name} has length ${data.length}, not a multiple of the dimension ${d}`);
    const { A, b } = this.dataToMean;
    return matVecBatch(A, data, d, new Float64Array(data.length), b);
  }

  /** log pₜ(x | data) = log N(x; μ_p, Σ_p) for every row (x, data of equal length). */
  logProb(x: FloatArray, data: FloatArray, fn = "BridgeSlice.logProb", name = "data"): Float64Array {
    checkFloatArray(fn, "x", x);
    const r = this.mean(data, fn, name);
    if (r.length !== x.length)
      throw new RangeError(
        `${fn}: x has length ${x.length} but ${name} has length ${data.length}; they must match`,
      );
    for (let i = 0; i < r.length; i++) r[i] = x[i]! - r[i]!;
    return logDensityOfResiduals(fn, r, this.cov, this.dim);
  }
}
