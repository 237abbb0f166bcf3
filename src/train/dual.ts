/**
 * Forward-mode differentiation of any network written against the tensor algebra (`TensorOps`, as
 * the MLP is): dual numbers (value, tangent) whose tangent carries J·v through every operation, so
 * one forward pass of a batch gives each row's Jacobian–vector product exactly (no step size) — the
 * `jvp` capability the likelihood uses for exact and Hutchinson divergences of a trained network.
 * Rules (ȧ the tangent of a; constants have no tangent):
 *   (x·Wᵀ)˙ = ẋ·Wᵀ + x·Ẇᵀ,  (a ± b)˙ = ȧ ± ḃ,  (a·b)˙ = ȧ·b + a·ḃ,  (a/b)˙ = (ȧ − (a/b)·ḃ)/b,
 *   (eᵃ)˙ = eᵃ·ȧ,  (tanh a)˙ = (1 − tanh² a)·ȧ,  (√a)˙ = ȧ/(2√a),  (Σa)˙ = Σȧ,
 *   min/max: the tangent of the selected operand (ties take the first).
 * The primal and tangent arithmetic is the `base` algebra's (e.g. the host float64 ops), so
 * broadcasting follows its rules. Source: Griewank & Walther (2008), Evaluating Derivatives, ch. 3.
 */
import type { FloatArray } from "../array.js";
import type { HostTensor, TensorOps } from "./tensor.js";

/** A dual tensor: the value and its tangent (null = a constant, tangent 0). */
export interface Dual {
  readonly value: HostTensor;
  readonly tangent: HostTensor | null;
}

/** A constant dual (no tangent), e.g. a network parameter. */
export function constantDual(value: HostTensor): Dual {
  return { value, tangent: null };
}

/** The forward-mode algebra over `base` (file header). */
export function dualOps(base: TensorOps<HostTensor>): TensorOps<Dual> {
  /** t broadcast onto `like`'s shape (the tangent of a bias or scalar operand). */
  const spread = (like: HostTensor, t: HostTensor): HostTensor => base.add(base.mul(like, 0), t);
  const sumTangents = (
    a: HostTensor | null,
    b: HostTensor | null,
    like: HostTensor,
    sign: 1 | -1,
  ): HostTensor | null => {
    if (b === null) return a;
    const bb = sign === 1 ? b : base.mul(b, -1);
    return a === null ? spread(like, bb) : base.add(a, bb);
  };
  /** min/max: the tangent of whichever operand the value came from (ties: the first). */
  const select =
    (kind: "minimum" | "maximum") =>
    (a: Dual, b: Dual | number): Dual => {
      const value = base[kind](a.value, typeof b === "number" ? b : b.value);
      const bTangent = typeof b === "number" ? null : b.tangent;
      if (a.tangent === null && bTangent === null) return { value, tangent: null };
      const bt = bTangent === null ? null : spread(a.value, bTangent);
      const out = newLike(a.value);
      for (let i = 0; i < out.length; i++) {
        out[i] = value.data[i] === a.value.data[i] ? (a.tangent?.data[i] ?? 0) : (bt?.data[i] ?? 0);
      }
      return { value, tangent: { shape: a.value.shape, data: out } };
    };
  return {
    matmulT(x, w) {
      const value = base.matmulT(x.value, w.value);
      let tangent = x.tangent === null ? null : base.matmulT(x.tangent, w.value);
      if (w.tangent !== null) {
        const wt = base.matmulT(x.value, w.tangent);
        tangent = tangent === null ? wt : base.add(tangent, wt);
      }
      return { value, tangent };
    },
    add: (a, b) =>
      typeof b === "number"
        ? { value: base.add(a.value, b), tangent: a.tangent }
        : { value: base.add(a.value, b.value), tangent: sumTangents(a.tangent, b.tangent, a.value, 1) },
    sub: (a, b) =>
      typeof b === "number"
        ? { value: base.sub(a.value, b), tangent: a.tangent }
        : { value: base.sub(a.value, b.value), tangent: sumTangents(a.tangent, b.tangent, a.value, -1) },
    mul(a, b) {
      if (typeof b === "number")
        return { value: base.mul(a.value, b), tangent: a.tangent === null ? null : base.mul(a.tangent, b) };
      const left = a.tangent === null ? null : base.mul(a.tangent, b.value);
      const right = b.tangent === null ? null : base.mul(a.value, b.tangent);
      return { value: base.mul(a.value, b.value), tangent: sumTangents(left, right, a.value, 1) };
    },
    div(a, b) {
      if (typeof b === "number")
        return { value: base.div(a.value, b), tangent: a.tangent === null ? null : base.div(a.tangent, b) };
      const value = base.div(a.value, b.value);
      const num = sumTangents(
        a.tangent,
        b.tangent === null ? null : base.mul(value, spread(a.value, b.tangent)),
        a.value,
        -1,
      );
      return { value, tangent: num === null ? null : base.div(num, b.value) };
    },
    minimum: select("minimum"),
    maximum: select("maximum"),
    exp(a) {
      const value = base.exp(a.value);
      return { value, tangent: a.tangent === null ? null : base.mul(a.tangent, value) };
    },
    tanh(a) {
      const value = base.tanh(a.value);
      return {
        value,
        tangent:
          a.tangent === null ? null : base.mul(a.tangent, base.add(base.mul(base.mul(value, value), -1), 1)),
      };
    },
    sqrt(a) {
      const value = base.sqrt(a.value);
      return { value, tangent: a.tangent === null ? null : base.div(a.tangent, base.mul(value, 2)) };
    },
    sum: (a, axis) => ({
      value: base.sum(a.value, axis),
      tangent: a.tangent === null ? null : base.sum(a.tangent, axis),
    }),
  };
}

function newLike(t: HostTensor): FloatArray {
  return t.data instanceof Float32Array ? new Float32Array(t.data.length) : new Float64Array(t.data.length);
}
