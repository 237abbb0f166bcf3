/**
 * The bridge path as a core `GaussianPath` (path.ts): every hub kind on a linear-SDE bridge, so
 * samplers, losses, the oracle and the likelihood accept it unchanged. Kinds map to bridge targets
 * (each an affine map q = G·x + H·y1 + k, slice.ts):
 *   data = y1,  noise = ε = Σ_p^{-1/2}(x − μ_p),  score,  velocity = flow,
 *   v = A_p·ε − Σ_p^{1/2}·y1   (reduces to Salimans–Ho v = α·ε − σ·data when A_p = αI, Σ_p = σ²I),
 *   drift(g²) = velocity + (g²/2)·score   (the hub's generic generative SDE with scalar g²).
 * Relation to the seed's Doob drift b = flow + ½Λ·score: when Λ = g²·I the two coincide
 * (drift(g² = Λ) = y1ToDrift); for matrix-valued Λ the Doob drift is the member of the matrix family
 * flow + ½M·score with M = Λ, while the hub's scalar family uses M = g²I.
 * Canonical time: requires t0 = 0 (noise) and t1 = 1 (data); rescale other SDEs with timeScaledSde.
 * Singular points: t = 0 (A_p = 0: no kind determines data), t = 1 when R is singular (Σ_p = 0);
 * degenerate Λ makes drift/velocity → data singular everywhere.
 */
import { type FloatArray, like } from "../../array.js";
import { type ConvertOptions, type Kind, checkG2, checkKind, pairName } from "../../convert/kernel.js";
import { tryInverse } from "../../math/dense.js";
import { gaussianLogProb, gaussianSample } from "../../math/gaussian.js";
import { ZERO, matToJson, scale } from "../../math/matrix.js";
import type { ConditionalGaussian, GaussianPath, PathSlice, Prior, Targets } from "../path.js";
import {
  type AffineConversion,
  type AffineTarget,
  identityConversion,
  addAffine,
  addScaledAffine,
  affineConversion,
  applyAffine,
  mulAffine,
} from "./affine.js";
import type { DiffusionModelComponents } from "./components.js";
import { getProbabilityPath } from "./probabilityPath.js";
import { type BridgeKind, ProbabilityPathSlice } from "./slice.js";

/** Options of `bridgePath`. */
export interface BridgePathOptions {
  /** Smallest t used by samplers (default 1e-3; conversions to data are singular at t = 0). */
  readonly tMin?: number;
  /** Largest t (default 1 when R is positive definite, else 1 − 1e-3: Σ_p = 0 at t = 1). */
  readonly tMax?: number;
  /** Display name (default `bridge(<sde name>)`). */
  readonly name?: string;
}

const BRIDGE_OF: Partial<Record<Kind, BridgeKind>> = {
  data: "y1",
  noise: "epsilon",
  score: "score",
  velocity: "flow",
};

/** The hub kind `kind` as an affine target on a bridge slice (file header); `g2` only for drift. */
export function hubAffine(slice: ProbabilityPathSlice, kind: Kind, g2?: number): AffineTarget {
  const direct = BRIDGE_OF[kind];
  if (direct !== undefined) return slice.affine(direct);
  const d = slice.dim;
  if (kind === "v") {
    // v = A_p·ε − Σ_p^{1/2}·y1.
    const eps = mulAffine(slice.y1ToMarginalMean.A, slice.affine("epsilon"), d);
    return addAffine(eps, {
      G: ZERO,
      H: scale(slice.marginalCovSqrt, -1),
      k: new Float64Array(d),
    });
  }
  // drift(g²) = velocity + (g²/2)·score.
  return addScaledAffine(slice.affine("flow"), checkG2("hubAffine", g2) / 2, slice.affine("score"));
}

/** One time of a bridge path as a core `PathSlice`; `bridge` is the underlying `ProbabilityPathSlice`. */
export class BridgePathSlice implements PathSlice {
  readonly t: number;
  readonly level = undefined;
  readonly bridge: ProbabilityPathSlice;
  #maps = new Map<string, AffineConversion>();

  /** Wraps a `ProbabilityPathSlice` (whose components have t0 = 0, t1 = 1). */
  constructor(bridge: ProbabilityPathSlice) {
    this.bridge = bridge;
    this.t = bridge.t;
  }

  /** xₜ | data ~ N(A_p·data + b_p, Σ_p). */
  get conditional(): ConditionalGaussian {
    return {
      A: this.bridge.y1ToMarginalMean.A,
      b: this.bridge.y1ToMarginalMean.b,
      cov: this.bridge.marginalCov,
    };
  }

  /** The pair map value_to = P·value_from + Q·xₜ + c (throws where singular). */
  conversion(from: Kind, to: Kind, g2?: number): AffineConversion {
    checkKind("BridgePathSlice.convert", "from", from);
    checkKind("BridgePathSlice.convert", "to", to);
    const fn = `${pairName(from, to)} (bridge path, t = ${this.t})`;
    if (from === to) return identityConversion(this.bridge.dim);
    const g = from === "drift" || to === "drift" ? checkG2(fn, g2) : undefined;
    const key = `${from}>${to}>${g ?? ""}`;
    let m = this.#maps.get(key);
    if (m === undefined) {
      const b = this.bridge;
      const reason = (): string => {
        const kind = from === "drift" && g === 0 ? "flow" : BRIDGE_OF[from];
        if (kind !== undefined) return b.singularReason(kind);
        return `the data-coefficient of ${from}${from === "drift" ? ` (g² = ${g})` : ""} is singular at t = ${this.t} — predict data instead`;
      };
      m = affineConversion(fn, hubAffine(b, from, g), hubAffine(b, to, g), b.dim, reason);
      this.#maps.set(key, m);
    }
    return m;
  }

  /** Converts a prediction between hub kinds at this time: `(value, from, to, xt, { g2, out })`. */
  convert<A extends FloatArray>(value: A, from: Kind, to: Kind, xt: A, options: ConvertOptions<A> = {}): A {
    const { P, Q, c } = this.conversion(from, to, options.g2);
    return applyAffine(
      `${pairName(from, to)} (bridge path)`,
      P,
      value,
      "value",
      Q,
      xt,
      "xt",
      c,
      this.bridge.dim,
      options.out,
    );
  }

  /** xₜ = A_p·data + b_p + Σ_p^{1/2}·noise (symmetric square root). */
  sample<A extends FloatArray>(data: A, noise: A, out?: A): A {
    const { A, b } = this.bridge.y1ToMarginalMean;
    return applyAffine(
      "BridgePathSlice.sample",
      A,
      data,
      "data",
      this.bridge.marginalCovSqrt,
      noise,
      "noise",
      b,
      this.bridge.dim,
      out,
    );
  }

  /** xₜ and every hub kind's exact target for (data, noise); drift only when g2 is given. */
  targets<A extends FloatArray>(data: A, noise: A, options: { g2?: number } = {}): Targets<A> {
    const fn = "BridgePathSlice.targets";
    const d = this.bridge.dim;
    const xt = this.sample(data, noise, like(data));
    const target = (kind: Kind): A => {
      const { G, H, k } = hubAffine(this.bridge, kind, options.g2);
      return applyAffine(fn, G, xt, "xt", H, data, "data", k, d);
    };
    return {
      xt,
      data,
      noise,
      score: target("score"),
      velocity: target("velocity"),
      v: target("v"),
      ...(options.g2 === undefined ? {} : { drift: target("drift") }),
    };
  }
}

/** A bridge `GaussianPath` with access to its components and batched slices. */
export interface BridgePath extends GaussianPath {
  readonly kind: "bridge";
  readonly dim: number;
  readonly components: DiffusionModelComponents;
  slice(t: number): BridgePathSlice;
  /** The slices at `times` from at most two ODE solves (getProbabilityPath). */
  slices(times: ArrayLike<number>): BridgePathSlice[];
}

/**
 * The bridge path of `components` as a core `GaussianPath` (file header). Requires t0 = 0 and t1 = 1
 * (canonical time). The prior at t = 0 is N(m0, P0), sampled as m0 + P0^{1/2}·z.
 */
export function bridgePath(
  components: DiffusionModelComponents,
  options: BridgePathOptions = {},
): BridgePath {
  const fn = "bridgePath";
  if (components === null || typeof components !== "object" || typeof components.checkTime !== "function") {
    throw new TypeError(`${fn}: components must be a DiffusionModelComponents`);
  }
  if (components.t0 !== 0 || components.t1 !== 1) {
    throw new RangeError(
      `${fn}: canonical time needs t0 = 0 (noise) and t1 = 1 (data), got [${components.t0}, ${components.t1}] — shift the SDE to start at 0 and rescale it with timeScaledSde(sde, t1 − t0)`,
    );
  }
  const d = components.dim;
  const rDefinite = tryInverse(components.evidenceCov, d) !== null;
  const tMin = options.tMin ?? 1e-3;
  const tMax = options.tMax ?? (rDefinite ? 1 : 1 - 1e-3);
  if (!(tMin > 0 && tMin < tMax && tMax <= 1 && (rDefinite || tMax < 1))) {
    throw new RangeError(
      `${fn}: need 0 < tMin < tMax ≤ 1 (tMax < 1 when evidenceCov is singular), got tMin = ${tMin}, tMax = ${tMax}`,
    );
  }
  const checkDim = (where: string, dim: number): void => {
    if (dim !== d)
      throw new RangeError(`${where}: dim is ${dim} but the bridge path has dimension ${d}; pass dim = ${d}`);
  };
  const prior: Prior = {
    dim: d,
    sample<A extends FloatArray>(noise: A, dim: number, out?: A): A {
      checkDim("bridgePath.prior.sample", dim);
      return gaussianSample(components.priorAtT0, noise, d, out);
    },
    logProb(x: FloatArray, dim: number): Float64Array {
      checkDim("bridgePath.prior.logProb", dim);
      return gaussianLogProb(components.priorAtT0, x, d);
    },
  };
  return {
    kind: "bridge",
    name: options.name ?? `bridge(${components.linearSde.name})`,
    dim: d,
    tMin,
    tMax,
    components,
    prior,
    spec: {
      type: "bridge",
      sde: components.linearSde.spec,
      t0: components.t0,
      t1: components.t1,
      priorMean: Array.from(components.priorMean),
      priorCov: matToJson(components.priorCov, d),
      evidenceCov: matToJson(components.evidenceCov, d),
    },
    slice: (t) => new BridgePathSlice(new ProbabilityPathSlice(components, t)),
    slices: (times) => getProbabilityPath(components, times).map((s) => new BridgePathSlice(s)),
  };
}
