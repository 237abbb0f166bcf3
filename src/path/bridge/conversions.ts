/**
 * `DiffusionModelConversions`: the seed's conversion API in camelCase with one argument order
 * `(value, xt)`, every pair among {y1, epsilon, score, flow, drift} at one time t of a bridge path.
 * Each target is the affine map q = G·x + H·y1 + k of `ProbabilityPathSlice.affine`; a pair a → b is
 *   q_b = H_b·H_a⁻¹·(q_a − G_a·x − k_a) + G_b·x + k_b   (affine.ts),
 * so no conversion goes through a chain of intermediate representations. Singular pairs (H_a not
 * invertible: t = t0, or Λ singular for drift/flow) throw a RangeError naming the conversion.
 * Source: linsdex DiffusionModelConversions (seed 000), argument order fixed by design.md §1.
 */
import type { FloatArray } from "../../array.js";
import { pairName } from "../../convert/kernel.js";
import { type AffineConversion, identityConversion, affineConversion, applyAffine } from "./affine.js";
import type { DiffusionModelComponents } from "./components.js";
import { BRIDGE_KINDS, type BridgeKind, ProbabilityPathSlice } from "./slice.js";

/** Conversions between the bridge kinds at one time (file header). Immutable; pair maps are built once, on first use. */
export class DiffusionModelConversions {
  readonly slice: ProbabilityPathSlice;
  readonly t: number;
  #maps = new Map<string, AffineConversion>();

  /** At time t of `components` (computes the slice), or on an existing `ProbabilityPathSlice` (t omitted). */
  constructor(components: DiffusionModelComponents | ProbabilityPathSlice, t?: number) {
    if (components instanceof ProbabilityPathSlice) {
      if (t !== undefined && t !== components.t) {
        throw new RangeError(
          `DiffusionModelConversions: t = ${t} differs from the slice's t = ${components.t}; omit t when passing a slice`,
        );
      }
      this.slice = components;
    } else {
      if (typeof t !== "number")
        throw new TypeError("DiffusionModelConversions: pass (components, t) or (slice)");
      this.slice = new ProbabilityPathSlice(components, t);
    }
    this.t = this.slice.t;
  }

  /** The pair map q_to = P·q_from + Q·x + c (throws where it is singular). */
  conversion(from: BridgeKind, to: BridgeKind): AffineConversion {
    const fn = `DiffusionModelConversions.${pairName(from, to)}`;
    for (const [name, k] of [
      ["from", from],
      ["to", to],
    ] as const) {
      if (!BRIDGE_KINDS.includes(k))
        throw new TypeError(
          `${fn}: ${name} must be one of ${BRIDGE_KINDS.join(", ")}, got ${JSON.stringify(k)}`,
        );
    }
    const key = `${from}>${to}`;
    let m = this.#maps.get(key);
    if (m === undefined) {
      const s = this.slice;
      m =
        from === to
          ? identityConversion(s.dim)
          : affineConversion(fn, s.affine(from), s.affine(to), s.dim, () => s.singularReason(from));
      this.#maps.set(key, m);
    }
    return m;
  }

  /** Converts `value` of kind `from` at xt into kind `to` (batch rows of length dim; same array type; `out` may alias). */
  convert<A extends FloatArray>(value: A, from: BridgeKind, to: BridgeKind, xt: A, out?: A): A {
    const { P, Q, c } = this.conversion(from, to);
    return applyAffine(
      `DiffusionModelConversions.${pairName(from, to)}`,
      P,
      value,
      "value",
      Q,
      xt,
      "xt",
      c,
      this.slice.dim,
      out,
    );
  }

  /** y1 → epsilon: ε = Σ_p^{-1/2}(x − A_p·y1 − b_p). */
  y1ToEpsilon<A extends FloatArray>(y1: A, xt: A, out?: A): A {
    return this.convert(y1, "y1", "epsilon", xt, out);
  }
  /** y1 → score: Σ_p⁻¹(A_p·y1 + b_p − x). */
  y1ToScore<A extends FloatArray>(y1: A, xt: A, out?: A): A {
    return this.convert(y1, "y1", "score", xt, out);
  }
  /** y1 → flow: drift − ½Λ·score (probability-flow velocity). */
  y1ToFlow<A extends FloatArray>(y1: A, xt: A, out?: A): A {
    return this.convert(y1, "y1", "flow", xt, out);
  }
  /** y1 → drift: F·x + u + ΛA₂ᵀW⁻¹(y1 − A₂x − u₂) (Doob h-transform). Undefined at t1 when R = 0. */
  y1ToDrift<A extends FloatArray>(y1: A, xt: A, out?: A): A {
    return this.convert(y1, "y1", "drift", xt, out);
  }
  /** epsilon → y1 through H_ε = −Σ_p^{-1/2}A_p. Singular at t0 (A_p = 0). */
  epsilonToY1<A extends FloatArray>(epsilon: A, xt: A, out?: A): A {
    return this.convert(epsilon, "epsilon", "y1", xt, out);
  }
  /** epsilon → score: −Σ_p^{-1/2}·ε (defined at t0 too). */
  epsilonToScore<A extends FloatArray>(epsilon: A, xt: A, out?: A): A {
    return this.convert(epsilon, "epsilon", "score", xt, out);
  }
  /** epsilon → flow via y1 = H_ε⁻¹(ε − G_ε·x − k_ε). Singular at t0. */
  epsilonToFlow<A extends FloatArray>(epsilon: A, xt: A, out?: A): A {
    return this.convert(epsilon, "epsilon", "flow", xt, out);
  }
  /** epsilon → drift via y1. Singular at t0. */
  epsilonToDrift<A extends FloatArray>(epsilon: A, xt: A, out?: A): A {
    return this.convert(epsilon, "epsilon", "drift", xt, out);
  }
  /** score → y1 through H_s = Σ_p⁻¹A_p. Singular at t0. */
  scoreToY1<A extends FloatArray>(score: A, xt: A, out?: A): A {
    return this.convert(score, "score", "y1", xt, out);
  }
  /** score → epsilon: −Σ_p^{1/2}·score. */
  scoreToEpsilon<A extends FloatArray>(score: A, xt: A, out?: A): A {
    return this.convert(score, "score", "epsilon", xt, out);
  }
  /** score → flow via y1. Singular at t0. */
  scoreToFlow<A extends FloatArray>(score: A, xt: A, out?: A): A {
    return this.convert(score, "score", "flow", xt, out);
  }
  /** score → drift via y1. Singular at t0. */
  scoreToDrift<A extends FloatArray>(score: A, xt: A, out?: A): A {
    return this.convert(score, "score", "drift", xt, out);
  }
  /** flow → y1 through H_flow. Singular at t0 and for degenerate Λ. */
  flowToY1<A extends FloatArray>(flow: A, xt: A, out?: A): A {
    return this.convert(flow, "flow", "y1", xt, out);
  }
  /** flow → epsilon via y1. Singular at t0 and for degenerate Λ. */
  flowToEpsilon<A extends FloatArray>(flow: A, xt: A, out?: A): A {
    return this.convert(flow, "flow", "epsilon", xt, out);
  }
  /** flow → score via y1. Singular at t0 and for degenerate Λ. */
  flowToScore<A extends FloatArray>(flow: A, xt: A, out?: A): A {
    return this.convert(flow, "flow", "score", xt, out);
  }
  /** flow → drift via y1. Singular at t0 and for degenerate Λ. */
  flowToDrift<A extends FloatArray>(flow: A, xt: A, out?: A): A {
    return this.convert(flow, "flow", "drift", xt, out);
  }
  /** drift → y1 through H_drift = ΛA₂ᵀW⁻¹. Singular for degenerate Λ. */
  driftToY1<A extends FloatArray>(drift: A, xt: A, out?: A): A {
    return this.convert(drift, "drift", "y1", xt, out);
  }
  /** drift → epsilon via y1. Singular for degenerate Λ. */
  driftToEpsilon<A extends FloatArray>(drift: A, xt: A, out?: A): A {
    return this.convert(drift, "drift", "epsilon", xt, out);
  }
  /** drift → score via y1. Singular for degenerate Λ. */
  driftToScore<A extends FloatArray>(drift: A, xt: A, out?: A): A {
    return this.convert(drift, "drift", "score", xt, out);
  }
  /** drift → flow via y1. Singular for degenerate Λ. */
  driftToFlow<A extends FloatArray>(drift: A, xt: A, out?: A): A {
    return this.convert(drift, "drift", "flow", xt, out);
  }
}
