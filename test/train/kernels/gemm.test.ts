import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { globalWasm, ModuleBuilder } from "../../../src/math/wasm.js";
import { Rng } from "../../../src/random/rng.js";
import { emitGemm, emitPackB, emitTranspose4, PANEL, storeTile } from "../../../src/train/kernels/gemm.js";

const wasm = globalWasm()!;
const U = 2 ** -24; // unit roundoff of float32

interface Case {
  m: number;
  n: number;
  k: number;
  /** A is stored transposed ([k, m] row-major) instead of [m, k]. */
  transposedA: boolean;
  /** B is given as [n, k] (packed from its transpose) instead of [k, n]. */
  transposedB: boolean;
  bias: boolean;
  /** m and k are run-time arguments rather than constants. */
  runtime: boolean;
  /** A is first packed into 4-row panels (emitPackB, width 4) and read with `packedA`. */
  packedA?: boolean;
}

/**
 * C = A·B (+ bias) through emitPackB and emitGemm in a fresh module; returns C and the float64
 * reference with its error scale Σₖ|A||B| + |bias| per element.
 */
function run(c: Case, seed: number) {
  const { m, n, k } = c;
  const rng = new Rng(seed);
  const a = rng.fillNormal(new Float32Array(m * k));
  const b = rng.fillNormal(new Float32Array(k * n));
  const bias = rng.fillNormal(new Float32Array(n));
  const A = (i: number, p: number) => (c.transposedA ? a[p * m + i]! : a[i * k + p]!);
  const B = (p: number, j: number) => (c.transposedB ? b[j * k + p]! : b[p * n + j]!);
  const [aAt, bAt, packAt, biasAt, cAt, packAAt] = [
    0,
    4 * m * k,
    4 * (m * k + k * n),
    4 * (m * k + 2 * k * n),
    4 * (m * k + 2 * k * n + n),
    4 * (m * k + 2 * k * n + n + m * n),
  ];
  const mod = new ModuleBuilder({ initial: 4 });
  mod.func("pack", ["i32", "i32", "i32"], [], (f) => {
    const kk = c.runtime ? { local: 2 } : k;
    emitPackB(f, c.transposedB ? { n, k: kk, bRow: 1, bCol: k } : { n, k: kk, bRow: n, bCol: 1 }, 0, 1);
  });
  // Packed A = Aᵀ ([k, m]) in panels of 4 columns: element (p, i) of Aᵀ is A(i, p).
  mod.func("packA", ["i32", "i32", "i32"], [], (f) => {
    const kk = c.runtime ? { local: 2 } : k;
    const strides = c.transposedA ? { bRow: m, bCol: 1 } : { bRow: 1, bCol: k };
    emitPackB(f, { n: m, k: kk, ...strides, width: 4 }, 0, 1);
  });
  mod.func("gemm", ["i32", "i32", "i32", "i32", "i32", "i32"], [], (f) => {
    const [mm, kk] = c.runtime ? [{ local: 4 }, { local: 5 }] : [m, k];
    const strides = c.transposedA ? { aRow: 1, aCol: m } : { aRow: k, aCol: 1 };
    emitGemm(
      f,
      { m: mm, n, k: kk, ...strides, packedA: c.packedA === true },
      { a: 0, b: 1, bias: c.bias ? 3 : null },
      storeTile(2, n),
    );
  });
  const bytes = mod.bytes();
  assert.ok(wasm.validate(bytes), "the generated module validates");
  const memory = new wasm.Memory({ initial: 4 });
  const { exports } = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
  const heap = new Float32Array(memory.buffer);
  heap.set(a, aAt / 4);
  heap.set(b, bAt / 4);
  heap.set(bias, biasAt / 4);
  (exports.pack as (s: number, d: number, k: number) => void)(bAt, packAt, k);
  if (c.packedA === true) (exports.packA as (s: number, d: number, k: number) => void)(aAt, packAAt, k);
  (exports.gemm as (...args: number[]) => void)(c.packedA ? packAAt : aAt, packAt, cAt, biasAt, m, k);
  const got = heap.slice(cAt / 4, cAt / 4 + m * n);
  const want = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = c.bias ? bias[j]! : 0;
      let t = c.bias ? Math.abs(bias[j]!) : 0;
      for (let p = 0; p < k; p++) {
        s += A(i, p) * B(p, j);
        t += Math.abs(A(i, p) * B(p, j));
      }
      want[i * n + j] = s;
      scale[i * n + j] = t;
    }
  }
  return { got, want, scale, packed: heap.slice(packAt / 4, packAt / 4 + k * n), b, B };
}

const mult4 = (max: number) => fc.integer({ min: 1, max: max / 4 }).map((x) => 4 * x);

describe("emitGemm", () => {
  it("computes A·B (+ bias) within the float32 dot-product error bound for every layout and shape", () => {
    fc.assert(
      fc.property(
        fc.record({
          m: mult4(140),
          n: mult4(44),
          k: mult4(24),
          transposedA: fc.boolean(),
          transposedB: fc.boolean(),
          bias: fc.boolean(),
          runtime: fc.boolean(),
          packedA: fc.boolean(),
        }),
        fc.integer({ min: 0, max: 1000 }),
        (c, seed) => {
          const { got, want, scale } = run(c, seed);
          for (let i = 0; i < want.length; i++) {
            // |fl(Σ) − Σ| ≤ γ_{k+1}·Σ|terms|, γ_j = j·u/(1 − j·u)
            const bound = ((c.k + 2) * U * scale[i]!) / (1 - (c.k + 2) * U);
            assert.ok(
              Math.abs(got[i]! - want[i]!) <= bound,
              `${JSON.stringify(c)}: element ${i} is ${got[i]}, reference ${want[i]} (bound ${bound})`,
            );
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("reads a packed A (4-row panels, [m/4][k][4]) exactly as the same A in place", () => {
    for (const transposedA of [false, true]) {
      const c = { m: 12, n: 12, k: 8, transposedA, transposedB: false, bias: true, runtime: true };
      const inPlace = run(c, 7).got;
      const packed = run({ ...c, packedA: true }, 7).got;
      assert.deepEqual(packed, inPlace, `transposedA ${transposedA}: same products in the same order`);
    }
  });

  it("gives exact results on small integers (every partial sum representable)", () => {
    const m = 4;
    const n = 8;
    const k = 8;
    const mod = new ModuleBuilder({ initial: 1 });
    mod.func("gemm", ["i32", "i32", "i32"], [], (f) => {
      emitGemm(f, { m, n, k, aRow: k, aCol: 1 }, { a: 0, b: 1, bias: null }, storeTile(2, n));
    });
    const memory = new wasm.Memory({ initial: 1 });
    const { exports } = new wasm.Instance(new wasm.Module(mod.bytes()), { env: { memory } });
    const heap = new Float32Array(memory.buffer);
    // A = row index + 1 in every entry, B (already one packed panel [k][8]) = column index.
    for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) heap[i * k + p] = i + 1;
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) heap[64 + p * PANEL + j] = j;
    (exports.gemm as (a: number, b: number, c: number) => void)(0, 256, 1024);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) assert.equal(heap[256 + i * n + j], (i + 1) * j * k, `C[${i}, ${j}]`);
    }
  });

  it("adds A·B to C when asked to accumulate (exact on small integers)", () => {
    const [m, n, k] = [4, 8, 8];
    const mod = new ModuleBuilder({ initial: 1 });
    mod.func("gemm", ["i32", "i32", "i32"], [], (f) => {
      emitGemm(
        f,
        { m, n, k, aRow: k, aCol: 1 },
        { a: 0, b: 1, bias: null, accumulate: { c: 2, ld: n } },
        storeTile(2, n),
      );
    });
    const memory = new wasm.Memory({ initial: 1 });
    const { exports } = new wasm.Instance(new wasm.Module(mod.bytes()), { env: { memory } });
    const heap = new Float32Array(memory.buffer);
    for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) heap[i * k + p] = i + 1;
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) heap[64 + p * PANEL + j] = j;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) heap[256 + i * n + j] = 100 * i + j;
    (exports.gemm as (a: number, b: number, c: number) => void)(0, 256, 1024);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++)
        assert.equal(heap[256 + i * n + j], 100 * i + j + (i + 1) * j * k, `C[${i}, ${j}]`);
    }
  });

  it("rejects sizes that are not positive multiples of 4", () => {
    const mod = new ModuleBuilder({ initial: 1 });
    for (const shape of [
      { m: 6, n: 8, k: 8 },
      { m: 8, n: 0, k: 8 },
      { m: 8, n: 8, k: 10 },
    ]) {
      assert.throws(
        () =>
          mod.func("g", ["i32", "i32", "i32"], [], (f) =>
            emitGemm(f, { ...shape, aRow: 8, aCol: 1 }, { a: 0, b: 1, bias: null }, storeTile(2, 8)),
          ),
        /emitGemm: [mnk] must be a positive multiple of 4/,
      );
    }
  });
});

describe("emitPackB", () => {
  it("lays B out as panels of 8 columns ([k][8] each, the last [k][4] when n ≡ 4 mod 8), from B or its transpose", () => {
    for (const transposedB of [false, true]) {
      for (const n of [4, 8, 12, 20]) {
        const k = 8;
        const { packed, B } = run(
          { m: 4, n, k, transposedA: false, transposedB, bias: false, runtime: false },
          n,
        );
        let at = 0;
        for (let j0 = 0; j0 < n; j0 += PANEL) {
          const width = Math.min(PANEL, n - j0);
          for (let p = 0; p < k; p++) {
            for (let j = 0; j < width; j++) {
              assert.equal(packed[at++], B(p, j0 + j), `n ${n}, panel ${j0 / PANEL}, row ${p}, column ${j}`);
            }
          }
        }
      }
    }
  });
});

describe("emitPackB with column sums", () => {
  it("stores Σₖ B[k, j] summed in k order in float32 beside 4-column panels, and refuses strided rows", () => {
    const [n, k] = [12, 20];
    const mod = new ModuleBuilder({ initial: 1 });
    mod.func("pack", ["i32", "i32", "i32"], [], (f) => {
      emitPackB(f, { n, k, bRow: n, bCol: 1, width: 4 }, 0, 1, 2);
    });
    const memory = new wasm.Memory({ initial: 1 });
    const { exports } = new wasm.Instance(new wasm.Module(mod.bytes()), { env: { memory } });
    const heap = new Float32Array(memory.buffer);
    const b = new Rng(3).fillNormal(new Float32Array(n * k));
    heap.set(b, 0);
    (exports.pack as (s: number, d: number, c: number) => void)(0, 4096, 8192);
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum = Math.fround(sum + b[p * n + j]!);
      assert.equal(heap[2048 + j], sum, `column ${j}`);
      for (let p = 0; p < k; p++) {
        const at = 1024 + Math.floor(j / 4) * k * 4 + p * 4 + (j % 4);
        assert.equal(heap[at], b[p * n + j], `packed (${p}, ${j})`);
      }
    }
    assert.throws(
      () =>
        mod.func("bad", ["i32", "i32", "i32"], [], (f) => emitPackB(f, { n, k, bRow: 1, bCol: k }, 0, 1, 2)),
      /emitPackB: column sums need contiguous rows/,
    );
  });
});

describe("emitTranspose4", () => {
  it("transposes a 4 × 4 block exactly", () => {
    const mod = new ModuleBuilder({ initial: 1 });
    mod.func("t", [], [], (f) => {
      const rows = [0, 1, 2, 3].map(() => f.local("v128"));
      const tmp = [0, 1, 2, 3].map(() => f.local("v128"));
      rows.forEach((r, i) => {
        f.wat`i32.const ${16 * i} v128.load local.set ${r}`;
      });
      emitTranspose4(f, rows, tmp);
      rows.forEach((r, i) => {
        f.wat`i32.const ${64 + 16 * i} local.get ${r} v128.store`;
      });
    });
    const memory = new wasm.Memory({ initial: 1 });
    const { exports } = new wasm.Instance(new wasm.Module(mod.bytes()), { env: { memory } });
    const heap = new Float32Array(memory.buffer);
    for (let i = 0; i < 16; i++) heap[i] = i;
    (exports.t as () => void)();
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) assert.equal(heap[16 + i * 4 + j], j * 4 + i);
  });
});
