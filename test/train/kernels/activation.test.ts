import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type FunctionBuilder, globalWasm, ModuleBuilder } from "../../../src/math/wasm.js";
import { Rng } from "../../../src/random/rng.js";
import {
  auxArrays,
  EXP_MAX,
  EXP_MIN,
  emitActivation,
  emitActivationGrad,
  emitExp,
  emitTanh,
  Scratch,
} from "../../../src/train/kernels/activation.js";
import { ACTIVATIONS, type Activation } from "../../../src/train/mlp.js";

const wasm = globalWasm()!;
const PAGES = 16;
/** Byte offsets of the harness's arrays (N floats each): input z, output h, two saved values, dh, dz. */
const N = 16_384;
const AT = { z: 0, h: 4 * N, aux: [8 * N, 12 * N], dh: 16 * N, dz: 20 * N };

/** A module applying exp, tanh, φ (with its saved values) and dh·φ′ over arrays, four lanes at a time. */
function harness(activation: Activation) {
  const mod = new ModuleBuilder({ initial: PAGES });
  const loop = (name: string, body: (f: FunctionBuilder, at: number) => void) =>
    mod.func(name, ["i32"], [], (f) => {
      const at = f.local("i32");
      f.forRange(at, 0, { local: 0 }, 16, () => body(f, at));
    });
  const unary = (emit: typeof emitExp) => (f: FunctionBuilder, at: number) => {
    const [z, h] = [f.local("v128"), f.local("v128")];
    f.wat`local.get ${at} v128.load offset=${AT.z} local.set ${z}`;
    emit(f, z, h, new Scratch(f));
    f.wat`local.get ${at} local.get ${h} v128.store offset=${AT.h}`;
  };
  loop("exp", unary(emitExp));
  loop("tanh", unary(emitTanh));
  const auxCount = auxArrays(activation).length;
  loop("forward", (f, at) => {
    const [z, h] = [f.local("v128"), f.local("v128")];
    const aux = Array.from({ length: auxCount }, () => f.local("v128"));
    f.wat`local.get ${at} v128.load offset=${AT.z} local.set ${z}`;
    emitActivation(f, activation, z, h, auxCount > 0 ? aux : null, new Scratch(f));
    f.wat`local.get ${at} local.get ${h} v128.store offset=${AT.h}`;
    aux.forEach((a, i) => {
      f.wat`local.get ${at} local.get ${a} v128.store offset=${AT.aux[i]!}`;
    });
  });
  loop("backward", (f, at) => {
    const [dh, h, dz] = [f.local("v128"), f.local("v128"), f.local("v128")];
    const aux = Array.from({ length: auxCount }, () => f.local("v128"));
    f.wat`local.get ${at} v128.load offset=${AT.dh} local.set ${dh}
          local.get ${at} v128.load offset=${AT.h} local.set ${h}`;
    aux.forEach((a, i) => {
      f.wat`local.get ${at} v128.load offset=${AT.aux[i]!} local.set ${a}`;
    });
    emitActivationGrad(f, activation, dh, h, aux, dz);
    f.wat`local.get ${at} local.get ${dz} v128.store offset=${AT.dz}`;
  });
  const bytes = mod.bytes();
  assert.ok(wasm.validate(bytes), `the ${activation} harness validates`);
  const memory = new wasm.Memory({ initial: PAGES });
  const { exports } = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
  const heap = new Float32Array(memory.buffer);
  const call = (fn: string, n: number) => (exports[fn] as (bytes: number) => void)(4 * Math.ceil(n / 4) * 4);
  const read = (at: number, n: number) => heap.slice(at / 4, at / 4 + n);
  const unaryRun = (fn: string) => (z: readonly number[]) => {
    heap.fill(0);
    heap.set(z, AT.z / 4);
    call(fn, z.length);
    return read(AT.h, z.length);
  };
  return {
    exp: unaryRun("exp"),
    tanh: unaryRun("tanh"),
    /** h = φ(z) and the saved values. */
    forward(z: readonly number[]) {
      heap.fill(0);
      heap.set(z, AT.z / 4);
      call("forward", z.length);
      return { h: read(AT.h, z.length), aux: AT.aux.slice(0, auxCount).map((at) => read(at, z.length)) };
    },
    /** dz = dh·φ′ from the saved values of `forward`. */
    backward(dh: readonly number[], saved: { h: Float32Array; aux: Float32Array[] }) {
      heap.fill(0);
      heap.set(dh, AT.dh / 4);
      heap.set(saved.h, AT.h / 4);
      saved.aux.forEach((a, i) => {
        heap.set(a, AT.aux[i]! / 4);
      });
      call("backward", dh.length);
      return read(AT.dz, dh.length);
    },
  };
}

/** Units in the last place of float32 at |x| (the spacing of float32 numbers there). */
function ulp(x: number): number {
  const a = Math.abs(x);
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

const f32 = (xs: readonly number[]) => Array.from(Float32Array.from(xs));

/** Inputs: a dense grid over [−lo, hi], random normals of several scales, and special points. */
function inputs(lo: number, hi: number): number[] {
  const rng = new Rng(7);
  const xs: number[] = [];
  for (let i = 0; i <= 4000; i++) xs.push(lo + ((hi - lo) * i) / 4000);
  for (const scale of [1e-3, 0.1, 1, 5, 30]) for (let i = 0; i < 500; i++) xs.push(scale * rng.normal());
  xs.push(0, -0, 1e-30, -1e-30, 1e-7, 0.625, -0.625, 0.62499, 10, -10);
  return f32(xs);
}

describe("emitExp", () => {
  const run = harness("relu");
  it("is within 2 ulp of eˣ on [−87.3, 88.3]", () => {
    const z = inputs(EXP_MIN, EXP_MAX).filter((x) => x >= EXP_MIN && x <= EXP_MAX);
    const h = run.exp(z);
    let worst = 0;
    z.forEach((x, i) => {
      const want = Math.exp(x);
      const err = Math.abs(h[i]! - want) / ulp(want);
      worst = Math.max(worst, err);
      assert.ok(err <= 2, `exp(${x}) = ${h[i]}, want ${want} (${err.toFixed(2)} ulp)`);
    });
  });

  it("saturates outside the clamp instead of overflowing, and keeps NaN", () => {
    const h = run.exp([200, -200, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 0, 1, -1]);
    assert.ok(
      Number.isFinite(h[0]!) && Math.abs(h[0]! / Math.exp(Math.fround(EXP_MAX)) - 1) < 3e-7,
      `exp(200) = ${h[0]}`,
    );
    assert.ok(
      h[1]! > 0 && Math.abs(h[1]! / Math.exp(Math.fround(EXP_MIN)) - 1) < 3e-7,
      `exp(−200) = ${h[1]}`,
    );
    assert.ok(Number.isFinite(h[2]!) && h[3]! > 0, "±∞ saturate at the clamp ends");
    assert.ok(Number.isNaN(h[4]!), "exp(NaN) is NaN");
    assert.equal(h[5], 1, "exp(0) = 1 exactly");
    assert.ok(
      Math.abs(h[6]! - Math.E) <= ulp(Math.E) && Math.abs(h[7]! - 1 / Math.E) <= ulp(1 / Math.E),
      "e and 1/e",
    );
  });
});

describe("emitTanh", () => {
  const run = harness("tanh");
  it("is within 3 ulp of tanh (no cancellation near 0) and odd", () => {
    const z = inputs(-12, 12);
    const h = run.tanh(z);
    z.forEach((x, i) => {
      const want = Math.tanh(x);
      const err = Math.abs(h[i]! - want) / ulp(want);
      assert.ok(
        err <= 3 || (want === 0 && h[i] === 0),
        `tanh(${x}) = ${h[i]}, want ${want} (${err.toFixed(2)} ulp)`,
      );
    });
    const sym = run.tanh([...z, ...z.map((x) => -x)]);
    z.forEach((x, i) => {
      assert.ok(Object.is(sym[i]!, -sym[z.length + i]!), `tanh(−${x}) = −tanh(${x})`);
    });
  });

  it("is ±1 for large |z|, keeps the sign of zero, and NaN stays NaN", () => {
    const h = run.tanh([50, -50, 1e30, -1e30, 0, -0, Number.NaN]);
    assert.deepEqual([...h.slice(0, 4)], [1, -1, 1, -1]);
    assert.ok(Object.is(h[4], 0) && Object.is(h[5], -0), "tanh(±0) = ±0");
    assert.ok(Number.isNaN(h[6]!), "tanh(NaN) is NaN");
  });
});

/** φ and φ′ in float64: the closed forms of mlp.ts's activations. */
const reference: Record<Activation, { phi: (z: number) => number; dphi: (z: number) => number }> = {
  silu: {
    phi: (z) => z / (1 + Math.exp(-z)),
    dphi: (z) => {
      const s = 1 / (1 + Math.exp(-z));
      return s * (1 + z * (1 - s));
    },
  },
  gelu: {
    phi: (z) => {
      const c = Math.min(Math.max(z, -10), 10);
      return 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (c + 0.044715 * c ** 3)));
    },
    dphi: (z) => {
      const c = Math.min(Math.max(z, -10), 10);
      const t = Math.tanh(Math.sqrt(2 / Math.PI) * (c + 0.044715 * c ** 3));
      const du = Math.abs(z) < 10 ? Math.sqrt(2 / Math.PI) * (1 + 3 * 0.044715 * c * c) : 0;
      return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * du;
    },
  },
  relu: { phi: (z) => Math.max(z, 0), dphi: (z) => (z > 0 ? 1 : 0) },
  tanh: { phi: Math.tanh, dphi: (z) => 1 - Math.tanh(z) ** 2 },
};

describe("emitActivation and emitActivationGrad", () => {
  for (const activation of ACTIVATIONS) {
    it(`${activation}: φ and dh·φ′ agree with the float64 closed forms (8 ulp, or 4e-7·|z| where φ cancels)`, () => {
      const run = harness(activation);
      const z = inputs(-30, 30);
      const rng = new Rng(3);
      const dh = f32(z.map(() => rng.normal()));
      const forward = run.forward(z);
      const dz = run.backward(dh, forward); // from the forward pass's saved values
      z.forEach((x, i) => {
        const want = reference[activation].phi(x);
        const tol = 8 * ulp(want) + 4e-7 * Math.abs(x) + 1e-37;
        assert.ok(
          Math.abs(forward.h[i]! - want) <= tol,
          `${activation}(${x}) = ${forward.h[i]}, want ${want}`,
        );
        const wantGrad = dh[i]! * reference[activation].dphi(x);
        const tolGrad = 8 * ulp(wantGrad) + 4e-7 * Math.abs(dh[i]!) * (1 + Math.abs(x)) + 1e-37;
        assert.ok(
          Math.abs(dz[i]! - wantGrad) <= tolGrad,
          `${activation}′(${x})·${dh[i]} = ${dz[i]}, want ${wantGrad}`,
        );
      });
    });
  }

  it("saturate without overflow or NaN far outside the usual range", () => {
    for (const activation of ACTIVATIONS) {
      const run = harness(activation);
      const z = [1e4, -1e4, 3e38, -3e38, 100, -100, 88.7, -88.7];
      const forward = run.forward(z);
      const dz = run.backward(
        z.map(() => 1),
        forward,
      );
      z.forEach((x, i) => {
        assert.ok(Number.isFinite(forward.h[i]!), `${activation}(${x}) = ${forward.h[i]} is finite`);
        assert.ok(Number.isFinite(dz[i]!), `${activation}′(${x}) = ${dz[i]} is finite`);
        const want = reference[activation].phi(x);
        assert.ok(
          Math.abs(forward.h[i]! - want) <= 1e-6 * Math.abs(x) + 1e-30,
          `${activation}(${x}) = ${forward.h[i]}, want ${want}`,
        );
      });
    }
  });
});
