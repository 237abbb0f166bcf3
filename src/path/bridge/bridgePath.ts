/**
 * The bridge path as a core `GaussianPath` (path.ts): every hub kind on a linear-SDE bridge, so
 * samplers, losses, the oracle and the likelihood accept it unchanged. Kinds map to bridge targets
 * (each an affine map q = G·x + H·data + k, slice.ts):
 *   data,  noise = ε = Σ_p^{-1/2}(x − μ_p),  score,  velocity (the probability flow),
 *   v = A_p·ε − Σ_p^{1/2}·data   (reduces to Salimans–Ho v = α·ε − σ·data when A_p = αI, Σ_p = σ²I),
 *   drift(g²) = velocity + (g²/2)·score   (the hub's generative-SDE drift, scalar g², as on every path).
 * The Doob drift of the bridge's own h-transform SDE, velocity + ½Λ·score, is drift(g²) with g² = Λ
 * when Λ(t) = g²(t)·I; for a matrix Λ it is not a member of the scalar family and has its own name
 * (`BridgeSlice.target("doobDrift")`).
 * Per-coordinate view (exponential integrators): αᵢ = (A_p)ᵢᵢ, σᵢ = √(Σ_p)ᵢᵢ, bᵢ = (b_p)ᵢ when A_p and
 * Σ_p are diagonal; none on a dense bridge. λ̄(t) = mean over coordinates of 2·log(αᵢ/σᵢ).
 * Canonical time: requires t0 = 0 (noise) and t1 = 1 (data); rescale other SDEs with timeScaledSde.
 * Singular points: t = 0 (A_p = 0: no kind determines data), t = 1 when R is singular (Σ_p = 0);
 * degenerate Λ makes drift/velocity → data singular everywhere.
 */
import { type FloatArray, like } from "../../array.js";
import { type ConvertOptions, type Kind, checkG2, checkKind, pairName } from "../../convert/kernel.js";
import { tryInverse } from "../../math/dense.js";
import { gaussianLogProb, gaussianSample } from "../../math/gaussian.js";
import { type Mat, ZERO, matToJson, maxAbs, scale } from "../../math/matrix.js";
import { solveIncreasing } from "../../math/scalar.js";
import type { LogSnr, Time } from "../../time.js";
import {
  type ConditionalGaussian,
  type ConversionMap,
  type CoordinateLevels,
  type GaussianPath,
  type PathSlice,
  type Prior,
  type Targets,
  isDataEnd,
  meanLogSnr,
} from "../path.js";
import {
  type AffineTarget,
  addAffine,
  addScaledAffine,
  affineConversion,
  applyAffine,
  identityConversion,
  mulAffine,
} from "./affine.js";
import { Bridge, type BridgeOptions } from "./bridge.js";
import { type BridgeTarget, BridgeSlice } from "./slice.js";
import { bridgeSlices } from "./slices.js";

/** Options of `bridgePath`. */
export interface BridgePathOptions {
  /** Smallest t used by samplers (default 1e-3; conversions to data are singular at t = 0). */
  readonly tMin?: number;
  /** Largest t (default 1 when R is positive definite, else 1 − 1e-3: Σ_p = 0 at t = 1). */
  readonly tMax?: number;
  /** Display name (default `bridge(<sde name>)`). */
  readonly name?: string;
}

/** Hub kinds that are bridge targets directly. */
const TARGET_OF: Partial<Record<Kind, BridgeTarget>> = {
  data: "data",
  noise: "noise",
  score: "score",
  velocity: "velocity",
};

/** The hub kind `kind` as an affine target on a bridge slice (file header); `g2` only for drift. */
export function kindTarget(slice: BridgeSlice, kind: Kind, g2?: number): AffineTarget {
  const direct = TARGET_OF[kind];
  if (direct !== undefined) return slice.target(direct);
  const d = slice.dim;
  if (kind === "v") {
    // v = A_p·ε − Σ_p^{1/2}·data.
    const eps = mulAffine(slice.dataToMean.A, slice.target("noise"), d);
    return addAffine(eps, { G: ZERO, H: scale(slice.covSqrt, -1), k: new Float64Array(d) });
  }
  // drift(g²) = velocity + (g²/2)·score.
  return addScaledAffine(slice.target("velocity"), checkG2("kindTarget", g2) / 2, slice.target("score"));
}

/**
 * The diagonal of `m` (a number when it is c·I), or null when `m` is dense with off-diagonal entries
 * beyond 1e-14 of its diagonal (or has another dimension than `dim`).
 */
function diagonalOf(m: Mat, dim: number): Float64Array | number | null {
  if (m.kind === "scalar") return m.value;
  if (m.kind === "diagonal") return m.values;
  const d = m.dim;
  let off = 0;
  let on = 0;
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      const v = Math.abs(m.values[i * d + j]!);
      if (i === j) on = Math.max(on, v);
      else off = Math.max(off, v);
    }
  if (off > 1e-14 * on || d !== dim) return null;
  return Float64Array.from({ length: d }, (_, i) => m.values[i * d + i]!);
}

/** One time of a bridge path as a core `PathSlice`; `bridge` is the underlying `BridgeSlice`. */
export class BridgePathSlice implements PathSlice {
  readonly t: number;
  readonly level = undefined;
  readonly bridge: BridgeSlice;
  #maps = new Map<string, ConversionMap>();
  #coordinates: CoordinateLevels | null | undefined;

  /** Wraps a `BridgeSlice` (whose bridge has t0 = 0, t1 = 1). */
  constructor(bridge: BridgeSlice) {
    this.bridge = bridge;
    this.t = bridge.t;
  }

  /** xₜ | data ~ N(A_p·data + b_p, Σ_p). */
  get conditional(): ConditionalGaussian {
    return { A: this.bridge.dataToMean.A, b: this.bridge.dataToMean.b, cov: this.bridge.cov };
  }

  /** αᵢ = (A_p)ᵢᵢ, σᵢ = √(Σ_p)ᵢᵢ, bᵢ = (b_p)ᵢ when A_p and Σ_p are diagonal (file header); else null. */
  coordinates(): CoordinateLevels | null {
    if (this.#coordinates !== undefined) return this.#coordinates;
    const dim = this.bridge.dim;
    const { A, b } = this.bridge.dataToMean;
    const a = diagonalOf(A, dim);
    const c = diagonalOf(this.bridge.cov, dim);
    const offset = b.some((v) => v !== 0) ? b : null;
    const root = (v: number): number => Math.sqrt(Math.max(v, 0));
    if (a === null || c === null) this.#coordinates = null;
    else if (typeof a === "number" && typeof c === "number") {
      this.#coordinates = {
        t: this.t,
        size: 1,
        alpha: Float64Array.of(a),
        sigma: Float64Array.of(root(c)),
        offset,
      };
    } else {
      const at = (v: Float64Array | number, i: number): number => (typeof v === "number" ? v : v[i]!);
      this.#coordinates = {
        t: this.t,
        size: dim,
        alpha: Float64Array.from({ length: dim }, (_, i) => at(a, i)),
        sigma: Float64Array.from({ length: dim }, (_, i) => root(at(c, i))),
        offset,
      };
    }
    return this.#coordinates;
  }

  /** The pair map value_to = P·value_from + Q·xₜ + c (throws where singular). */
  conversion(from: Kind, to: Kind, g2?: number): ConversionMap {
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
        const target = from === "drift" && g === 0 ? "velocity" : TARGET_OF[from];
        if (target !== undefined) return b.singularReason(target);
        return `the data-coefficient of ${from}${from === "drift" ? ` (g² = ${g})` : ""} is singular at t = ${this.t} — predict data instead`;
      };
      m = affineConversion(fn, kindTarget(b, from, g), kindTarget(b, to, g), b.dim, reason);
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
    const { A, b } = this.bridge.dataToMean;
    return applyAffine(
      "BridgePathSlice.sample",
      A,
      data,
      "data",
      this.bridge.covSqrt,
      noise,
      "noise",
      b,
      this.bridge.dim,
      out,
    );
  }

  /** The hub kind's exact target G·xₜ + H·data + k for (data, noise) (xₜ from `sample`). */
  target<A extends FloatArray>(kind: Kind, data: A, noise: A, options: { g2?: number; out?: A } = {}): A {
    checkKind("BridgePathSlice.target", "kind", kind);
    const xt = this.sample(data, noise, like(data));
    const { G, H, k } = kindTarget(this.bridge, kind, options.g2);
    return applyAffine(
      "BridgePathSlice.target",
      G,
      xt,
      "xt",
      H,
      data,
      "data",
      k,
      this.bridge.dim,
      options.out,
    );
  }

  /** xₜ and every hub kind's exact target for (data, noise); drift only when g2 is given. */
  targets<A extends FloatArray>(data: A, noise: A, options: { g2?: number } = {}): Targets<A> {
    const fn = "BridgePathSlice.targets";
    const d = this.bridge.dim;
    const xt = this.sample(data, noise, like(data));
    const target = (kind: Kind): A => {
      const { G, H, k } = kindTarget(this.bridge, kind, options.g2);
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

/** A bridge `GaussianPath` with access to its bridge and its batched slices. */
export interface BridgePath extends GaussianPath {
  readonly dim: number;
  readonly bridge: Bridge;
  slice(t: number): BridgePathSlice;
  /** The slices at `times` from at most two ODE solves (bridgeSlices). */
  slices(times: ArrayLike<number>): BridgePathSlice[];
}

/**
 * The bridge path of `bridge` (a Bridge, or its options) as a core `GaussianPath` (file header).
 * Requires t0 = 0 and t1 = 1 (canonical time). The prior at t = 0 is N(m0, P0), sampled as
 * m0 + P0^{1/2}·z.
 */
export function bridgePath(bridge: Bridge | BridgeOptions, options: BridgePathOptions = {}): BridgePath {
  const fn = "bridgePath";
  if (bridge === null || typeof bridge !== "object") {
    throw new TypeError(`${fn}: pass a Bridge or its options { sde, prior, evidenceCov }`);
  }
  const b = bridge instanceof Bridge ? bridge : new Bridge(bridge, fn);
  if (b.t0 !== 0 || b.t1 !== 1) {
    throw new RangeError(
      `${fn}: canonical time needs t0 = 0 (noise) and t1 = 1 (data), got [${b.t0}, ${b.t1}] — shift the SDE to start at 0 and rescale it with timeScaledSde(sde, t1 − t0)`,
    );
  }
  const d = b.dim;
  const rDefinite = tryInverse(b.evidenceCov, d) !== null;
  const tMin = options.tMin ?? 1e-3;
  const tMax = options.tMax ?? (rDefinite ? 1 : 1 - 1e-3);
  if (!(tMin > 0 && tMin < tMax && tMax <= 1 && (rDefinite || tMax < 1))) {
    throw new RangeError(
      `${fn}: need 0 < tMin < tMax ≤ 1 (tMax < 1 when evidenceCov is singular), got tMin = ${tMin}, tMax = ${tMax}`,
    );
  }
  // xₜ depends on the data only through the SDE's noise: with Σ_{1|0} = 0 (L = 0) every slice has
  // A = 0, so samplers would return their starting noise (or NaN where they step in log-SNR).
  // (L(t) ≠ 0 at a probe time settles it without the transition's ODE solve on a time-varying SDE.)
  const sde = b.sde;
  const noisy = [0, 0.25, 0.5, 0.75, 1].some((t) => maxAbs(sde.params(t).L, d) > 0);
  if (!noisy && maxAbs(sde.transition(0, 1).cov, d) === 0) {
    throw new RangeError(
      `${fn}: ${sde.name} adds no noise on [0, 1] (Σ = 0, e.g. brownianMotion with sigma 0), so xₜ never depends on the data and the path cannot generate it; use an SDE with diffusion L ≠ 0`,
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
      return gaussianSample(b.prior, noise, d, out);
    },
    logProb(x: FloatArray, dim: number): Float64Array {
      checkDim("bridgePath.prior.logProb", dim);
      return gaussianLogProb(b.prior, x, d);
    },
  };
  const slice = (t: number): BridgePathSlice =>
    new BridgePathSlice(new BridgeSlice(b, t, undefined, `${fn}.slice`));
  const logSnr = (t: number): LogSnr => {
    const levels = slice(t).coordinates();
    if (levels === null) {
      throw new TypeError(
        `${fn}: the bridge path's conditional at t = ${t} is dense (matrix-valued A_p or Σ_p), so it has no scalar log-SNR; use a grid or density defined in t (uniformTimeGrid, uniformTime)`,
      );
    }
    return meanLogSnr(levels);
  };
  let dataEnd: BridgePathSlice | undefined | null = null;
  const name = options.name ?? `bridge(${b.sde.name})`;
  return {
    name,
    dim: d,
    tMin,
    tMax,
    bridge: b,
    prior,
    spec: {
      type: "bridge",
      sde: b.sde.spec,
      t0: b.t0,
      t1: b.t1,
      priorMean: Array.from(b.priorMean),
      priorCov: matToJson(b.priorCov, d),
      evidenceCov: matToJson(b.evidenceCov, d),
    },
    slice,
    slices: (times) => Array.from(bridgeSlices(b, times, `${fn}.slices`), (s) => new BridgePathSlice(s)),
    logSnr,
    timeAtLogSnr(lambda: LogSnr): Time {
      const where = `${name}.timeAtLogSnr`;
      if (Number.isNaN(lambda)) throw new RangeError(`${where}: the target log-SNR is NaN`);
      if (lambda === Number.POSITIVE_INFINITY) return 1;
      if (lambda === Number.NEGATIVE_INFINITY) return 0;
      const l0 = logSnr(0);
      const l1 = logSnr(1);
      if (!(lambda >= l0 && lambda <= l1)) {
        throw new RangeError(
          `${where}: log-SNR ${lambda} lies outside the bridge path's range [${l0}, ${l1}]; choose noise levels inside it`,
        );
      }
      // No slope: solveIncreasing bisects.
      return solveIncreasing((t) => [logSnr(t), Number.NaN], lambda, 0, 1, 1e-13);
    },
    g2: (t: Time) => b.sde.params(t).Lambda,
    get dataEnd(): BridgePathSlice | undefined {
      if (dataEnd === null) {
        const end = slice(1);
        dataEnd = isDataEnd(end) ? end : undefined;
      }
      return dataEnd;
    },
    trainSteps: undefined,
  };
}
