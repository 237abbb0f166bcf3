/**
 * The MLP's activations φ and their derivatives φ′ as WebAssembly SIMD (four float32 lanes), for the
 * epilogues of the generated matrix products (gemm.ts):
 *   silu(z) = z·s, s = 1/(1 + e⁻ᶻ);            φ′ = s + h·(1 − s)       (h = φ(z); keeps s)
 *   gelu(z) = z·(½ + ½·tanh u), u = √(2/π)·(c + 0.044715·c³), c = clamp(z, ±10);
 *                                                φ′ = ½(1 + t) + ½z·(1 − t²)·u′(c)·[|z| < 10] (keeps z, t)
 *   relu(z) = max(z, 0);                         φ′ = [h > 0]
 *   tanh(z);                                     φ′ = 1 − h²
 * eˣ: x clamped to [−87.3, 88.3] (so 2ⁿ stays a normal float32 and silu, tanh saturate instead of
 * overflowing), x = n·ln 2 + r with |r| ≤ ½ln 2 (ln 2 in two parts), eʳ by Cephes expf's degree-7
 * polynomial, 2ⁿ built in the exponent bits; relative error ≤ 2 ulp (test/train/kernels). tanh: for
 * |z| < 0.625 Cephes tanhf's odd polynomial z + z³·P(z²) (no cancellation near 0), else
 * sign(z)·(1 − e)/(1 + e) with e = e^(−2|z|).
 * Sources: S. L. Moshier, Cephes Math Library (expf.c, tanhf.c) for the polynomial coefficients;
 * Hendrycks & Gimpel 2016 (GELU, tanh form); Elfwing et al. 2018 (SiLU).
 */
import type { FunctionBuilder } from "../../math/wasm.js";
import type { Activation } from "../mlp.js";

/** Scratch v128 locals shared by the emitters of one function. */
export class Scratch {
  private readonly locals: number[] = [];
  constructor(private readonly f: FunctionBuilder) {}
  /** The i-th scratch local (allocated on first use). */
  at(i: number): number {
    while (this.locals.length <= i) this.locals.push(this.f.local("v128"));
    return this.locals[i]!;
  }
}

const LOG2E = Math.LOG2E;
/** ln 2 = LN2_HI + LN2_LO, LN2_HI exact in float32 with trailing zeros (Cephes expf's C1, C2). */
const LN2_HI = 0.693359375;
const LN2_LO = -2.1219444e-4;
/** Cephes expf: eʳ ≈ 1 + r + r²·P(r) on |r| ≤ ½ln 2. */
const EXP_P = [
  1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
];
/** Cephes tanhf: tanh z ≈ z + z·w·P(w), w = z², for |z| < 0.625. */
const TANH_P = [-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1];
/** Lower clamp of exp's argument: e^−87.3 > 2⁻¹²⁶, so n ≥ −126 and 2ⁿ is a normal float32. */
export const EXP_MIN = -87.3;
/** Upper clamp of exp's argument: e^88.3 < 2¹²⁸, so n ≤ 127 and 2ⁿ is finite. */
export const EXP_MAX = 88.3;
/** gelu's clamp of z inside tanh (tanh(u(10)) = 1 in float32), as in the tensor-algebra definition. */
const GELU_CLAMP = 10;
const GELU_A = 0.044715;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** Horner: acc = (((c₀·x + c₁)·x + c₂)…) with acc, x v128 locals. */
function horner(f: FunctionBuilder, coefficients: readonly number[], x: number, acc: number): void {
  f.wat`v128.const f32x4 ${coefficients[0]!} local.set ${acc}`;
  for (const c of coefficients.slice(1)) {
    f.wat`local.get ${acc} local.get ${x} f32x4.mul v128.const f32x4 ${c} f32x4.add local.set ${acc}`;
  }
}

/**
 * out = eˣ (x, out: v128 locals; x is not modified; out may not be x). Uses scratch 0–2.
 * NaN stays NaN (pmin/pmax keep their first operand when a comparison is false).
 */
export function emitExp(f: FunctionBuilder, x: number, out: number, s: Scratch): void {
  const [r, n, p] = [s.at(0), s.at(1), s.at(2)];
  f.wat`;; r = clamp(x); n = round(r·log₂e); r = r − n·ln 2 (in two parts)
        local.get ${x} v128.const f32x4 ${EXP_MIN} f32x4.pmax v128.const f32x4 ${EXP_MAX} f32x4.pmin local.set ${r}
        local.get ${r} v128.const f32x4 ${LOG2E} f32x4.mul f32x4.nearest local.set ${n}
        local.get ${r} local.get ${n} v128.const f32x4 ${LN2_HI} f32x4.mul f32x4.sub
        local.get ${n} v128.const f32x4 ${LN2_LO} f32x4.mul f32x4.sub local.set ${r}`;
  horner(f, EXP_P, r, p);
  f.wat`;; p = 1 + r + r²·P(r)
        local.get ${p} local.get ${r} f32x4.mul local.get ${r} f32x4.mul local.get ${r} f32x4.add
        v128.const f32x4 1 f32x4.add local.set ${p}
        ;; out = p·2ⁿ, 2ⁿ = (n + 127) << 23 as float bits
        local.get ${n} i32x4.trunc_sat_f32x4_s v128.const i32x4 127 i32x4.add i32.const 23 i32x4.shl
        local.get ${p} f32x4.mul local.set ${out}`;
}

/** out = tanh(z) (v128 locals; out ≠ z). Uses scratch 0–5. */
export function emitTanh(f: FunctionBuilder, z: number, out: number, s: Scratch): void {
  const [a, e, w] = [s.at(3), s.at(4), s.at(5)];
  f.wat`;; a = |z|; out = (1 − e)/(1 + e), e = e^(−2a)
        local.get ${z} f32x4.abs local.tee ${a} v128.const f32x4 -2 f32x4.mul local.set ${w}`;
  emitExp(f, w, e, s);
  f.wat`v128.const f32x4 1 local.get ${e} f32x4.sub v128.const f32x4 1 local.get ${e} f32x4.add f32x4.div
        local.set ${out}
        local.get ${a} local.get ${a} f32x4.mul local.set ${w}`;
  horner(f, TANH_P, w, e);
  f.wat`;; e = a + a·w·P(w), w = a² (small |z|)
        local.get ${e} local.get ${w} f32x4.mul local.get ${a} f32x4.mul local.get ${a} f32x4.add local.set ${e}
        ;; out = (a < 0.625 ? small : big) with z's sign bit
        local.get ${e} local.get ${out} local.get ${a} v128.const f32x4 0.625 f32x4.lt v128.bitselect
        local.get ${z} v128.const i32x4 ${-0x80000000} v128.and v128.or local.set ${out}`;
}

/** The arrays a hidden layer keeps for its backward pass, besides h = φ(z). */
export function auxArrays(activation: Activation): readonly ("s" | "z" | "t")[] {
  switch (activation) {
    case "silu":
      return ["s"];
    case "gelu":
      return ["z", "t"];
    case "relu":
    case "tanh":
      return [];
  }
}

/**
 * Emits h = φ(z) into local `h` and, when `aux` is given, the auxiliary values (auxArrays order) into
 * those locals. z is not modified. Uses scratch 0–6.
 */
export function emitActivation(
  f: FunctionBuilder,
  activation: Activation,
  z: number,
  h: number,
  aux: readonly number[] | null,
  s: Scratch,
): void {
  switch (activation) {
    case "relu":
      f.wat`local.get ${z} v128.const f32x4 0 f32x4.pmax local.set ${h}`;
      return;
    case "tanh":
      emitTanh(f, z, h, s);
      return;
    case "silu": {
      // s = 1/(1 + e⁻ᶻ); h = z·s
      const sig = aux?.[0] ?? s.at(6);
      f.wat`local.get ${z} f32x4.neg local.set ${h}`;
      emitExp(f, h, sig, s);
      f.wat`v128.const f32x4 1 local.get ${sig} v128.const f32x4 1 f32x4.add f32x4.div local.set ${sig}
            local.get ${z} local.get ${sig} f32x4.mul local.set ${h}`;
      return;
    }
    case "gelu": {
      // c = clamp(z, ±10); u = √(2/π)·(c + a·c³); t = tanh u; h = z·(½t + ½)
      const t = aux?.[1] ?? s.at(6);
      const u = h; // h is free until the end
      f.wat`local.get ${z} v128.const f32x4 ${-GELU_CLAMP} f32x4.pmax v128.const f32x4 ${GELU_CLAMP} f32x4.pmin
            local.set ${u}
            local.get ${u} local.get ${u} f32x4.mul local.get ${u} f32x4.mul v128.const f32x4 ${GELU_A} f32x4.mul
            local.get ${u} f32x4.add v128.const f32x4 ${SQRT_2_OVER_PI} f32x4.mul local.set ${u}`;
      emitTanh(f, u, t, s);
      f.wat`local.get ${z} local.get ${t} v128.const f32x4 0.5 f32x4.mul v128.const f32x4 0.5 f32x4.add f32x4.mul
            local.set ${h}`;
      if (aux !== null) f.wat`local.get ${z} local.set ${aux[0]!}`;
      return;
    }
  }
}

/**
 * Emits dz = dh·φ′ into local `dz` from the saved values: `h` = φ(z) and `aux` (auxArrays order),
 * v128 locals already loaded.
 */
export function emitActivationGrad(
  f: FunctionBuilder,
  activation: Activation,
  dh: number,
  h: number,
  aux: readonly number[],
  dz: number,
): void {
  switch (activation) {
    case "relu":
      // dz = dh where h > 0, else 0
      f.wat`local.get ${dh} local.get ${h} v128.const f32x4 0 f32x4.gt v128.and local.set ${dz}`;
      return;
    case "tanh":
      // dz = dh·(1 − h²)
      f.wat`local.get ${dh} v128.const f32x4 1 local.get ${h} local.get ${h} f32x4.mul f32x4.sub f32x4.mul
            local.set ${dz}`;
      return;
    case "silu": {
      // dz = dh·(s + h·(1 − s))
      const sig = aux[0]!;
      f.wat`local.get ${dh} local.get ${sig} local.get ${h} v128.const f32x4 1 local.get ${sig} f32x4.sub
            f32x4.mul f32x4.add f32x4.mul local.set ${dz}`;
      return;
    }
    case "gelu": {
      // φ′ = (½t + ½) + ½z·(1 − t²)·u′·[|z| < 10],  u′ = √(2/π)·(1 + 3a·z²)
      const [z, t] = aux as [number, number];
      f.wat`local.get ${dh}
            local.get ${t} v128.const f32x4 0.5 f32x4.mul v128.const f32x4 0.5 f32x4.add
            local.get ${z} local.get ${z} f32x4.mul v128.const f32x4 ${3 * GELU_A} f32x4.mul
            v128.const f32x4 1 f32x4.add v128.const f32x4 ${SQRT_2_OVER_PI} f32x4.mul
            v128.const f32x4 1 local.get ${t} local.get ${t} f32x4.mul f32x4.sub f32x4.mul
            local.get ${z} v128.const f32x4 0.5 f32x4.mul f32x4.mul
            local.get ${z} f32x4.abs v128.const f32x4 ${GELU_CLAMP} f32x4.lt v128.and
            f32x4.add f32x4.mul local.set ${dz}`;
      return;
    }
  }
}
