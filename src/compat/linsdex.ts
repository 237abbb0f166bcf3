/**
 * The linsdex-named API of bridge paths, for code ported from linsdex: `DiffusionModelComponents`,
 * `ProbabilityPathSlice`, `getProbabilityPath`, `DiffusionModelConversions` and `sampleMatchingItems`,
 * with linsdex's kind names y1 / epsilon / score / flow / drift. Everything is a thin adapter over the
 * core bridge (path/bridge: `Bridge`, `BridgeSlice`, `bridgeSlices`, `bridgePath`):
 *   y1 = data,  epsilon = noise,  flow = velocity,
 *   drift = the Doob drift velocity + ½Λ·score (the core `drift` kind with g² = Λ when Λ = g²·I; for a
 *   matrix Λ the core calls it `doobDrift`, see docs/notation.md).
 * Time: linsdex puts the prior (noise) at t0 and the data y1 at t1, as canonical time does; any
 * t0 < t1 is allowed here, and `bridgePath` needs t0 = 0, t1 = 1.
 * Argument order: linsdex's methods mix (value, xt) and (xt, value) (`y1_to_flow(y1, xt)` but
 * `y1_to_score(xt, y1)`), so a positional port can silently swap them. Here every conversion takes
 * one object with named fields — `y1ToScore({ y1, xt })` — so no order can be wrong (docs/linsdex.md
 * has the migration table).
 */
import { type FloatArray, checkFloatArray, checkSameLength, like } from "../array.js";
import { pairName } from "../convert/kernel.js";
import type { Gaussian } from "../math/gaussian.js";
import type { Mat, MatLike } from "../math/matrix.js";
import {
  type AffineConversion,
  affineConversion,
  applyAffine,
  identityConversion,
} from "../path/bridge/affine.js";
import { Bridge } from "../path/bridge/bridge.js";
import {
  type AffineMean,
  type BridgeTarget,
  BridgeSlice,
  type SliceTransitions,
} from "../path/bridge/slice.js";
import { type BridgeSlices, bridgeSlices } from "../path/bridge/slices.js";
import type { LinearSde } from "../sde/sde.js";

/** linsdex's kinds. */
export type LinsdexKind = "y1" | "epsilon" | "score" | "flow" | "drift";

/** All linsdex kinds, in table order. */
export const LINSDEX_KINDS: readonly LinsdexKind[] = ["y1", "epsilon", "score", "flow", "drift"];

/** linsdex kind → the core bridge target. */
const TARGET: Readonly<Record<LinsdexKind, BridgeTarget>> = {
  y1: "data",
  epsilon: "noise",
  score: "score",
  flow: "velocity",
  drift: "doobDrift",
};

/** The core bridge target → its linsdex spelling (error messages). */
const LINSDEX_NAME: Readonly<Record<BridgeTarget, string>> = {
  data: "y1",
  noise: "epsilon",
  score: "score",
  velocity: "flow",
  doobDrift: "drift",
};

/** Options of `DiffusionModelComponents` (linsdex's names in camelCase). */
export interface DiffusionModelComponentsOptions {
  readonly linearSde: LinearSde;
  /** Noise/prior end. */
  readonly t0: number;
  /** Prior p(x_{t0}), made with `gaussian({ mean, cov })`. */
  readonly priorAtT0: Gaussian;
  /** Data end (t1 > t0). */
  readonly t1: number;
  /** Evidence covariance R (symmetric PSD; 0 allowed: exact pinning at t1). */
  readonly evidenceCov: MatLike;
}

/** linsdex's `DiffusionModelComponents`: a core `Bridge` with linsdex's field names. */
export class DiffusionModelComponents extends Bridge {
  /** Validates like `Bridge`, naming `DiffusionModelComponents` and linsdex's argument names. */
  constructor(options: DiffusionModelComponentsOptions) {
    super(
      options === null || typeof options !== "object"
        ? (options as never)
        : {
            sde: options.linearSde,
            prior: options.priorAtT0,
            evidenceCov: options.evidenceCov,
            t0: options.t0,
            t1: options.t1,
          },
      "DiffusionModelComponents",
      { sde: "linearSde", prior: "priorAtT0" },
    );
    if (typeof options.t0 !== "number" || typeof options.t1 !== "number") {
      throw new RangeError(
        `DiffusionModelComponents: t0 and t1 are required numbers, got t0 = ${options.t0}, t1 = ${options.t1}`,
      );
    }
  }
  /** The linear SDE (core: `sde`). */
  get linearSde(): LinearSde {
    return this.sde;
  }
  /** The prior at t0 (core: `prior`). */
  get priorAtT0(): Gaussian {
    return this.prior;
  }
}

/** linsdex's `ProbabilityPathSlice`: a core `BridgeSlice` with linsdex's names. */
export class ProbabilityPathSlice extends BridgeSlice {
  /** At time t of `components` (computes the transitions unless given). */
  constructor(components: Bridge, t: number, transitions?: SliceTransitions) {
    super(components, t, transitions, "ProbabilityPathSlice", "y1");
  }
  /** The components (core: `bridge`). */
  get components(): Bridge {
    return this.bridge;
  }
  /** μ_p = A_p·y1 + b_p (core: `dataToMean`). */
  get y1ToMarginalMean(): AffineMean {
    return this.dataToMean;
  }
  /** Σ_p (core: `cov`). */
  get marginalCov(): Mat {
    return this.cov;
  }
  /** Σ_p⁻¹ (core: `precision`). */
  get marginalPrecision(): Mat {
    return this.precision;
  }
  /** Σ_p^{1/2} (core: `covSqrt`). */
  get marginalCovSqrt(): Mat {
    return this.covSqrt;
  }
  /** Σ_p^{-1/2} (core: `covInvSqrt`). */
  get marginalCovInvSqrt(): Mat {
    return this.covInvSqrt;
  }
  /** The linsdex kind as an affine map q = G·x + H·y1 + k (core: `target`). */
  affine(kind: LinsdexKind) {
    if (!LINSDEX_KINDS.includes(kind)) {
      throw new TypeError(
        `ProbabilityPathSlice.affine: kind must be one of ${LINSDEX_KINDS.join(", ")}, got ${JSON.stringify(kind)}`,
      );
    }
    return this.target(TARGET[kind]);
  }
  /** μ_p = A_p·y1 + b_p for every row of y1 (core: `mean`). */
  marginalMean(y1: FloatArray): Float64Array {
    return this.mean(y1, "ProbabilityPathSlice.marginalMean", "y1");
  }
  /** log pₜ(x | y1) for every row. */
  override logProb(x: FloatArray, y1: FloatArray): Float64Array {
    return super.logProb(x, y1, "ProbabilityPathSlice.logProb", "y1");
  }
}

/** linsdex's `get_probability_path`: every slice at `times` from at most two ODE solves (core: `bridgeSlices`). */
export function getProbabilityPath(
  components: Bridge,
  times: ArrayLike<number>,
): BridgeSlices<ProbabilityPathSlice> {
  return bridgeSlices(
    components,
    times,
    "getProbabilityPath",
    (b, t, tr) => new ProbabilityPathSlice(b, t, tr),
  );
}

/** A conversion's arguments: the value of the source kind and xₜ, by name. */
type Args<K extends string, A extends FloatArray> = { readonly [key in K]: A } & {
  readonly xt: A;
  readonly out?: A;
};

/**
 * linsdex's `DiffusionModelConversions`: every pair among {y1, epsilon, score, flow, drift} at one time,
 * each an exact affine map built through the data coefficient H (path/bridge/affine.ts). Arguments are
 * named (file header).
 */
export class DiffusionModelConversions {
  readonly slice: ProbabilityPathSlice;
  readonly t: number;
  #maps = new Map<string, AffineConversion>();

  /** At time t of `components` (computes the slice), or on an existing slice (t omitted). */
  constructor(components: Bridge | BridgeSlice, t?: number) {
    if (components instanceof BridgeSlice) {
      if (t !== undefined && t !== components.t) {
        throw new RangeError(
          `DiffusionModelConversions: t = ${t} differs from the slice's t = ${components.t}; omit t when passing a slice`,
        );
      }
      this.slice =
        components instanceof ProbabilityPathSlice
          ? components
          : new ProbabilityPathSlice(components.bridge, components.t, {
              fromT0: components.transitionFromT0,
              toT1: components.transitionToT1,
              stats: components.stats,
            });
    } else {
      if (typeof t !== "number")
        throw new TypeError("DiffusionModelConversions: pass (components, t) or (slice)");
      this.slice = new ProbabilityPathSlice(components as Bridge, t);
    }
    this.t = this.slice.t;
  }

  /** The pair map q_to = P·q_from + Q·x + c (throws where it is singular). */
  conversion(from: LinsdexKind, to: LinsdexKind): AffineConversion {
    const fn = `DiffusionModelConversions.${pairName(from, to)}`;
    for (const [name, k] of [
      ["from", from],
      ["to", to],
    ] as const) {
      if (!LINSDEX_KINDS.includes(k))
        throw new TypeError(
          `${fn}: ${name} must be one of ${LINSDEX_KINDS.join(", ")}, got ${JSON.stringify(k)}`,
        );
    }
    const key = `${from}>${to}`;
    let m = this.#maps.get(key);
    if (m === undefined) {
      const s = this.slice;
      m =
        from === to
          ? identityConversion(s.dim)
          : affineConversion(fn, s.target(TARGET[from]), s.target(TARGET[to]), s.dim, () =>
              s.singularReason(TARGET[from], LINSDEX_NAME),
            );
      this.#maps.set(key, m);
    }
    return m;
  }

  /** Converts `value` of kind `from` at xt into kind `to` (rows of length dim; same array type; `out` may alias). */
  convert<A extends FloatArray>(value: A, from: LinsdexKind, to: LinsdexKind, xt: A, out?: A): A {
    const fn = `DiffusionModelConversions.${pairName(from, to)}`;
    const { P, Q, c } = this.conversion(from, to);
    return applyAffine(fn, P, value, from, Q, xt, "xt", c, this.slice.dim, out);
  }

  #named<K extends LinsdexKind, A extends FloatArray>(from: K, to: LinsdexKind, args: Args<K, A>): A {
    const fn = `DiffusionModelConversions.${pairName(from, to)}`;
    if (args === null || typeof args !== "object" || Array.isArray(args) || ArrayBuffer.isView(args)) {
      throw new TypeError(
        `${fn}: pass named arguments { ${from}, xt } (linsdex's positional order is not used; see docs/linsdex.md)`,
      );
    }
    if (args[from] === undefined || args.xt === undefined) {
      throw new TypeError(`${fn}: pass { ${from}, xt }; missing ${args[from] === undefined ? from : "xt"}`);
    }
    return this.convert(args[from], from, to, args.xt, args.out);
  }

  /** y1 → epsilon: ε = Σ_p^{-1/2}(x − A_p·y1 − b_p). */
  y1ToEpsilon<A extends FloatArray>(args: Args<"y1", A>): A {
    return this.#named("y1", "epsilon", args);
  }
  /** y1 → score: Σ_p⁻¹(A_p·y1 + b_p − x). */
  y1ToScore<A extends FloatArray>(args: Args<"y1", A>): A {
    return this.#named("y1", "score", args);
  }
  /** y1 → flow: drift − ½Λ·score (probability-flow velocity). */
  y1ToFlow<A extends FloatArray>(args: Args<"y1", A>): A {
    return this.#named("y1", "flow", args);
  }
  /** y1 → drift: F·x + u + ΛA₂ᵀW⁻¹(y1 − A₂x − u₂) (Doob h-transform). Undefined at t1 when R = 0. */
  y1ToDrift<A extends FloatArray>(args: Args<"y1", A>): A {
    return this.#named("y1", "drift", args);
  }
  /** epsilon → y1 through H_ε = −Σ_p^{-1/2}A_p. Singular at t0 (A_p = 0). */
  epsilonToY1<A extends FloatArray>(args: Args<"epsilon", A>): A {
    return this.#named("epsilon", "y1", args);
  }
  /** epsilon → score: −Σ_p^{-1/2}·ε (defined at t0 too). */
  epsilonToScore<A extends FloatArray>(args: Args<"epsilon", A>): A {
    return this.#named("epsilon", "score", args);
  }
  /** epsilon → flow via y1. Singular at t0. */
  epsilonToFlow<A extends FloatArray>(args: Args<"epsilon", A>): A {
    return this.#named("epsilon", "flow", args);
  }
  /** epsilon → drift via y1. Singular at t0. */
  epsilonToDrift<A extends FloatArray>(args: Args<"epsilon", A>): A {
    return this.#named("epsilon", "drift", args);
  }
  /** score → y1 through H_s = Σ_p⁻¹A_p. Singular at t0. */
  scoreToY1<A extends FloatArray>(args: Args<"score", A>): A {
    return this.#named("score", "y1", args);
  }
  /** score → epsilon: −Σ_p^{1/2}·score. */
  scoreToEpsilon<A extends FloatArray>(args: Args<"score", A>): A {
    return this.#named("score", "epsilon", args);
  }
  /** score → flow via y1. Singular at t0. */
  scoreToFlow<A extends FloatArray>(args: Args<"score", A>): A {
    return this.#named("score", "flow", args);
  }
  /** score → drift via y1. Singular at t0. */
  scoreToDrift<A extends FloatArray>(args: Args<"score", A>): A {
    return this.#named("score", "drift", args);
  }
  /** flow → y1 through H_flow. Singular at t0 and for degenerate Λ. */
  flowToY1<A extends FloatArray>(args: Args<"flow", A>): A {
    return this.#named("flow", "y1", args);
  }
  /** flow → epsilon via y1. Singular at t0 and for degenerate Λ. */
  flowToEpsilon<A extends FloatArray>(args: Args<"flow", A>): A {
    return this.#named("flow", "epsilon", args);
  }
  /** flow → score via y1. Singular at t0 and for degenerate Λ. */
  flowToScore<A extends FloatArray>(args: Args<"flow", A>): A {
    return this.#named("flow", "score", args);
  }
  /** flow → drift via y1. Singular at t0 and for degenerate Λ. */
  flowToDrift<A extends FloatArray>(args: Args<"flow", A>): A {
    return this.#named("flow", "drift", args);
  }
  /** drift → y1 through H_drift = ΛA₂ᵀW⁻¹. Singular for degenerate Λ. */
  driftToY1<A extends FloatArray>(args: Args<"drift", A>): A {
    return this.#named("drift", "y1", args);
  }
  /** drift → epsilon via y1. Singular for degenerate Λ. */
  driftToEpsilon<A extends FloatArray>(args: Args<"drift", A>): A {
    return this.#named("drift", "epsilon", args);
  }
  /** drift → score via y1. Singular for degenerate Λ. */
  driftToScore<A extends FloatArray>(args: Args<"drift", A>): A {
    return this.#named("drift", "score", args);
  }
  /** drift → flow via y1. Singular for degenerate Λ. */
  driftToFlow<A extends FloatArray>(args: Args<"drift", A>): A {
    return this.#named("drift", "flow", args);
  }
}

/** xₜ and every linsdex target for one batch (same array type as y1). */
export interface MatchingItems<A extends FloatArray> {
  readonly t: number;
  readonly xt: A;
  readonly y1: A;
  readonly epsilon: A;
  readonly score: A;
  readonly flow: A;
  /** Absent where the drift is undefined (t = t1 with R = 0). */
  readonly drift?: A;
}

/**
 * linsdex's regression-target generator: for data y1 and standard-normal ε, xₜ = A_p·y1 + b_p +
 * Σ_p^{1/2}·ε (symmetric square root) and every target at (xₜ, y1) from its affine map.
 */
export function sampleMatchingItems<A extends FloatArray>(
  slice: BridgeSlice,
  y1: A,
  epsilon: A,
): MatchingItems<A> {
  const fn = "sampleMatchingItems";
  checkFloatArray(fn, "y1", y1);
  checkFloatArray(fn, "epsilon", epsilon);
  checkSameLength(fn, "y1", y1, "epsilon", epsilon);
  if (epsilon.constructor !== y1.constructor)
    throw new TypeError(`${fn}: y1 and epsilon must have the same array type`);
  const d = slice.dim;
  const { A, b } = slice.dataToMean;
  const xt = applyAffine(fn, A, y1, "y1", slice.covSqrt, epsilon, "epsilon", b, d, like(y1));
  const target = (kind: LinsdexKind): A => {
    const { G, H, k } = slice.target(TARGET[kind]);
    return applyAffine(fn, G, xt, "xt", H, y1, "y1", k, d);
  };
  let drift: A | undefined;
  try {
    drift = target("drift");
  } catch (e) {
    // Only the pinned end (W = Σ_{t1|t} + R singular) leaves the drift undefined.
    if (!(e instanceof RangeError)) throw e;
    drift = undefined;
  }
  return {
    t: slice.t,
    xt,
    y1,
    epsilon,
    score: target("score"),
    flow: target("flow"),
    ...(drift === undefined ? {} : { drift }),
  };
}
