import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { FloatArray } from "../../src/array.js";
import { SIMD_MIN_LENGTH, affineCombine, combineInto, conversionArena } from "../../src/convert/kernel.js";
import { bufferArena, type WasmApi, createSimdKernel, simdModuleBytes } from "../../src/convert/simd.js";
import { Rng, conversionCoefficients, convert, cosineSchedule } from "../../src/index.js";

const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
const simd = createSimdKernel();
/** 64-byte regions: chunks of 16 float32 / 8 float64, so short arrays cross many chunk boundaries. */
const tinyChunks = createSimdKernel(undefined, { chunkBytes: 64 });
type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/** Index of the first element whose bits differ (NaN matches any NaN: payloads are unspecified), or −1. */
function firstDifference(a: FloatArray, b: FloatArray): number {
  if (a.length !== b.length) return 0;
  const wide = a instanceof Float64Array;
  const ua = wide
    ? new BigUint64Array(a.buffer, a.byteOffset, a.length)
    : new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = wide
    ? new BigUint64Array(b.buffer, b.byteOffset, b.length)
    : new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) {
    if (ua[i] !== ub[i] && !(Number.isNaN(a[i]!) && Number.isNaN(b[i]!))) return i;
  }
  return -1;
}

function assertSameBits(got: FloatArray, want: FloatArray, what: string): void {
  const i = firstDifference(got, want);
  assert.ok(
    i < 0,
    `${what}: element ${i} is ${got[i]} but the JS loop gives ${want[i]} (length ${want.length})`,
  );
}

/** The independent reference: p·v + q·x in float64, rounded once to the element type. */
function reference(T: Ctor, v: FloatArray, x: FloatArray, p: number, q: number): FloatArray {
  const o = new T(v.length);
  for (let i = 0; i < v.length; i++) o[i] = p * v[i]! + q * x[i]!;
  return o;
}

/** Runs one path into a fresh array. */
function run(
  v: FloatArray,
  x: FloatArray,
  p: number,
  q: number,
  path: "js" | "auto" | "simd" | "chunks",
): FloatArray {
  const o = new (v.constructor as Ctor)(v.length);
  if (path === "js") combineInto(v, x, p, q, o, null);
  else if (path === "auto") combineInto(v, x, p, q, o);
  else combineInto(v, x, p, q, o, path === "simd" ? simd : tinyChunks, 0);
  return o;
}

function draw(T: Ctor, n: number, seed: number): FloatArray {
  return new Rng(seed).fillNormal(new T(n));
}

const coefficients: readonly (readonly [number, number])[] = [
  [0.7, -0.3],
  [-1.25, 2.5],
  [0, 1],
  [1, 0],
  [-0, -0],
  [1e300, 1e-300], // huge and tiny: float32 results overflow to ±Infinity / flush to subnormals and 0
  [3e38, -3e38],
  [5e-324, 1e-45],
];

describe("affineCombine's WebAssembly SIMD path", () => {
  it("WebAssembly SIMD is available here, so the fast path is the one under test", () => {
    assert.ok(wasm !== undefined, "this Node has WebAssembly");
    assert.ok(wasm.validate(simdModuleBytes()), "the assembled module validates (SIMD supported)");
    assert.ok(simd !== null && tinyChunks !== null, "createSimdKernel compiles the module");
  });

  for (const T of [Float32Array, Float64Array]) {
    const lengths = [
      0,
      1,
      3,
      4,
      5,
      17,
      4095,
      SIMD_MIN_LENGTH - 1,
      SIMD_MIN_LENGTH,
      SIMD_MIN_LENGTH + 1,
      100_003,
    ];
    it(`${T.name}: every path equals the JS loop bit for bit at lengths ${lengths.join(", ")}`, () => {
      for (const n of lengths) {
        const v = draw(T, n, n);
        const x = draw(T, n, n + 1);
        for (const [p, q] of coefficients) {
          const want = run(v, x, p, q, "js");
          assertSameBits(want, reference(T, v, x, p, q), `JS loop vs formula, n=${n} p=${p} q=${q}`);
          for (const path of ["auto", "simd", "chunks"] as const) {
            assertSameBits(run(v, x, p, q, path), want, `${path} path, n=${n} p=${p} q=${q}`);
          }
        }
      }
    });

    it(`${T.name}: random arrays (NaN, ±Infinity, −0, subnormals) and random p, q match bit for bit`, () => {
      const array =
        T === Float32Array
          ? fc
              .integer({ min: 0, max: 70 })
              .chain((n) =>
                fc.tuple(
                  fc.float32Array({ minLength: n, maxLength: n }),
                  fc.float32Array({ minLength: n, maxLength: n }),
                ),
              )
          : fc
              .integer({ min: 0, max: 70 })
              .chain((n) =>
                fc.tuple(
                  fc.float64Array({ minLength: n, maxLength: n }),
                  fc.float64Array({ minLength: n, maxLength: n }),
                ),
              );
      const coefficient = fc.oneof(
        fc.double(),
        fc.constantFrom(0, -0, 1e308, -1e308, 5e-324, 1e-40, 3.4e38, Number.NaN, Infinity),
      );
      fc.assert(
        fc.property(array, coefficient, coefficient, ([v, x], p, q) => {
          const want = run(v, x, p, q, "js");
          assertSameBits(want, reference(T, v, x, p, q), `JS loop vs formula, p=${p} q=${q}`);
          assertSameBits(run(v, x, p, q, "simd"), want, `SIMD, p=${p} q=${q}`);
          assertSameBits(run(v, x, p, q, "chunks"), want, `SIMD in 64-byte chunks, p=${p} q=${q}`);
        }),
        { numRuns: 300 },
      );
    });

    it(`${T.name}: NaN and ±Infinity propagate as in the JS loop (0·∞ is NaN, ∞ − ∞ is NaN)`, () => {
      const v = new T([Number.NaN, Infinity, -Infinity, Infinity, 1, 2, 0, Infinity, 3]);
      const x = new T([1, 1, 1, Infinity, Number.NaN, -Infinity, Infinity, -Infinity, 4]);
      for (const [p, q] of [
        [1, 1],
        [0, 1],
        [2, -1],
        [Number.NaN, 0],
        [Infinity, 1],
      ] as const) {
        const want = run(v, x, p, q, "js");
        const got = run(v, x, p, q, "simd");
        assertSameBits(got, want, `p=${p} q=${q}`);
        got.forEach((g, i) => {
          const expected = p * v[i]! + q * x[i]!;
          assert.ok(
            Object.is(Number.isNaN(g), Number.isNaN(expected)),
            `p=${p} q=${q} element ${i}: ${g} vs ${expected}`,
          );
        });
      }
    });

    it(`${T.name}: out may be value or xt, on the SIMD path as on the JS loop`, () => {
      const n = 100_003;
      for (const target of ["value", "xt"] as const) {
        for (const path of ["auto", "simd", "chunks"] as const) {
          const v = draw(T, n, 7);
          const x = draw(T, n, 8);
          const want = run(v, x, 0.6, -1.7, "js");
          const out = target === "value" ? v : x;
          if (path === "auto") affineCombine("test", v, x, 0.6, -1.7, out);
          else combineInto(v, x, 0.6, -1.7, out, path === "simd" ? simd : tinyChunks, 0);
          assertSameBits(out, want, `out = ${target}, ${path} path`);
        }
      }
    });

    it(`${T.name}: out overlapping an input only in part gives the JS loop's result`, () => {
      const n = 5000;
      for (const shift of [-3, 1, 4]) {
        const results = [simd, null].map((kernel) => {
          const buf = draw(T, n + 8, 9);
          const v = buf.subarray(4, 4 + n);
          const out = buf.subarray(4 + shift, 4 + shift + n);
          combineInto(v, draw(T, n, 10), 0.5, 2, out, kernel, 0);
          return buf;
        });
        assertSameBits(results[0]!, results[1]!, `out shifted by ${shift}`);
      }
    });
  }

  it("the kernel reuses one small memory: a 1e6-element call needs only three 128 KiB regions", () => {
    let grownTo = 0;
    const api = wasm!;
    class Recorder extends api.Memory {
      override grow(pages: number): number {
        const before = super.grow(pages);
        grownTo = this.buffer.byteLength;
        return before;
      }
    }
    const kernel = createSimdKernel({ ...bind(api), Memory: Recorder });
    assert.ok(kernel !== null, "kernel compiled with the recording memory");
    const v = draw(Float64Array, 1_000_000, 11);
    const o = new Float64Array(v.length);
    assert.ok(kernel.combine(v, v, 1, 1, o), "combine ran");
    assert.equal(grownTo, 3 * 131_072, "memory grew to 3 × 128 KiB");
    assertSameBits(o, run(v, v, 1, 1, "js"), "1e6 float64 through 128 KiB chunks");
  });
});

/** The WebAssembly namespace's functions, bound, so that a test can replace one member. */
function bind(api: WasmApi): WasmApi {
  return { validate: (b) => api.validate(b), Module: api.Module, Instance: api.Instance, Memory: api.Memory };
}

describe("affineCombine's fallback to the JS loops", () => {
  const v = draw(Float32Array, 1000, 12);
  const x = draw(Float32Array, 1000, 13);
  const want = run(v, x, 0.25, -4, "js");

  it("without WebAssembly, createSimdKernel returns null and the JS loop runs", () => {
    assert.equal(createSimdKernel(null), null);
    const o = new Float32Array(v.length);
    combineInto(v, x, 0.25, -4, o, null, 0);
    assertSameBits(o, want, "JS fallback");
  });

  it("when the module does not validate (no SIMD), or compiling it is refused (CSP), the kernel is null", () => {
    assert.equal(createSimdKernel({ ...bind(wasm!), validate: () => false }), null);
    const refused = class {
      constructor() {
        throw new Error("WebAssembly.Module(): Wasm code generation disallowed by embedder");
      }
    };
    assert.equal(createSimdKernel({ ...bind(wasm!), Module: refused }), null);
  });

  it("when the memory cannot grow, the SIMD kernel declines and the JS loop computes the result", () => {
    const api = wasm!;
    class Fixed extends api.Memory {
      override grow(): number {
        throw new RangeError("WebAssembly.Memory.grow(): Maximum memory size exceeded");
      }
    }
    const kernel = createSimdKernel({ ...bind(api), Memory: Fixed });
    assert.ok(kernel !== null, "the module compiles with a fixed memory");
    const o = new Float32Array(v.length);
    assert.equal(kernel.combine(v, x, 0.25, -4, o), false);
    combineInto(v, x, 0.25, -4, o, kernel, 0);
    assertSameBits(o, want, "fallback after a failed grow");
  });

  it("createSimdKernel rejects a chunk size that is not a positive multiple of 16 bytes", () => {
    assert.throws(
      () => createSimdKernel(wasm, { chunkBytes: 40 }),
      /chunkBytes must be a positive multiple of 16, got 40/,
    );
  });
});

describe('the float32 fast path (precision: "float32")', () => {
  const U = 2 ** -24;
  const gamma3 = (3 * U) / (1 - 3 * U);
  /** Runs the fast path through SIMD (forced), in chunks, and through the JS loop. */
  const fast = (v: Float32Array, x: Float32Array, p: number, q: number) => {
    const outs = [simd, tinyChunks, null].map((kernel) => {
      const o = new Float32Array(v.length);
      combineInto(v, x, p, q, o, kernel, 0, "float32");
      return o;
    });
    return outs as [Float32Array, Float32Array, Float32Array];
  };

  it("is within γ₃·(|p·v| + |q·x|) of the exact value, and SIMD, chunks and the JS loop agree bit for bit", () => {
    // p and q in float32's normal range (or 0): the bound does not cover coefficients that underflow.
    const coefficient32 = fc.oneof(
      fc.constant(0),
      fc
        .tuple(fc.double({ min: -30, max: 6, noNaN: true }), fc.boolean())
        .map(([e, neg]) => (neg ? -1 : 1) * 10 ** e),
    );
    const finite = fc.float({
      noNaN: true,
      noDefaultInfinity: true,
      min: Math.fround(-1e30),
      max: Math.fround(1e30),
    });
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 70 })
          .chain((n) =>
            fc.tuple(
              fc.array(finite, { minLength: n, maxLength: n }),
              fc.array(finite, { minLength: n, maxLength: n }),
            ),
          ),
        coefficient32,
        coefficient32,
        ([vs, xs], p, q) => {
          const v = Float32Array.from(vs);
          const x = Float32Array.from(xs);
          const [viaSimd, viaChunks, viaJs] = fast(v, x, p, q);
          assertSameBits(viaSimd, viaJs, `SIMD vs JS loop, p=${p} q=${q}`);
          assertSameBits(viaChunks, viaJs, `chunks vs JS loop, p=${p} q=${q}`);
          for (let i = 0; i < v.length; i++) {
            const exact = p * v[i]! + q * x[i]!;
            const bound = gamma3 * (Math.abs(p * v[i]!) + Math.abs(q * x[i]!));
            // Below the normal range the roundings are absolute (subnormal spacing 2⁻¹⁴⁹).
            assert.ok(
              Math.abs(viaJs[i]! - exact) <= bound + 3 * 2 ** -149,
              `element ${i}: ${viaJs[i]} vs exact ${exact} (bound ${bound})`,
            );
          }
        },
      ),
    );
  });

  it("differs from the exact path only by rounding, and a Float64Array ignores it", () => {
    const v = draw(Float32Array, 10_001, 1) as Float32Array;
    const x = draw(Float32Array, 10_001, 2) as Float32Array;
    const level = cosineSchedule().at(0.3);
    const exact = convert(v, "noise", "velocity", x, level);
    const quick = convert(v, "noise", "velocity", x, level, { precision: "float32" });
    const [p, q] = conversionCoefficients("noise", "velocity", level);
    let differ = 0;
    for (let i = 0; i < v.length; i++) {
      if (exact[i] !== quick[i]) differ++;
      const value = p * v[i]! + q * x[i]!;
      const bound = gamma3 * (Math.abs(p * v[i]!) + Math.abs(q * x[i]!)) + U * Math.abs(value);
      assert.ok(Math.abs(exact[i]! - quick[i]!) <= bound, `element ${i}: ${quick[i]} vs ${exact[i]}`);
    }
    assert.ok(differ > 0, "the fast path rounds differently somewhere (it is not the exact path)");
    const v64 = Float64Array.from(v);
    const x64 = Float64Array.from(x);
    assertSameBits(
      convert(v64, "noise", "velocity", x64, level, { precision: "float32" }),
      convert(v64, "noise", "velocity", x64, level),
      "Float64Array: precision float32 is the exact path",
    );
  });

  it("rejects an unknown precision, naming the conversion", () => {
    const v = new Float32Array(4);
    assert.throws(
      () => affineCombine("noiseToVelocity", v, v, 1, 2, undefined, "half" as never),
      /noiseToVelocity: precision must be "exact" or "float32", got "half"/,
    );
  });
});

describe("conversionArena: arrays in WebAssembly memory, combined in place", () => {
  it("gives the JS loop's bits for both precisions and both types, with out aliasing an input", () => {
    const arena = conversionArena(4 * 1024 * 1024);
    for (const n of [0, 1, 5, 1000, 65_537]) {
      for (const T of [Float32Array, Float64Array]) {
        arena.reset();
        const alloc = (m: number) => (T === Float32Array ? arena.float32(m) : arena.float64(m));
        const v = alloc(n);
        const x = alloc(n);
        const o = alloc(n);
        v.set(draw(T, n, n));
        x.set(draw(T, n, n + 7));
        assert.ok(v.buffer === x.buffer && x.buffer === o.buffer, "the arrays share the arena's memory");
        for (const precision of ["exact", "float32"] as const) {
          const want = new T(n);
          combineInto(v, x, 0.7, -1.3, want, null, 0, precision);
          combineInto(v, x, 0.7, -1.3, o, simd, 0, precision);
          assertSameBits(o, want, `${T.name} n=${n} ${precision} in the arena`);
          const alias = alloc(n);
          alias.set(v);
          combineInto(alias, x, 0.7, -1.3, alias, simd, 0, precision);
          assertSameBits(alias, want, `${T.name} n=${n} ${precision}, out is value`);
        }
      }
    }
  });

  it("hands out zeroed, 16-byte aligned arrays, names the shortfall when full, and starts over on reset", () => {
    const arena = conversionArena(1);
    assert.equal(arena.capacity, 65_536, "one page");
    const a = arena.float32(3);
    const b = arena.float64(2);
    assert.equal(a.byteOffset % 16, 0);
    assert.equal(b.byteOffset % 16, 0);
    assert.equal(arena.used, 32);
    assert.ok(a.every((x) => x === 0) && b.every((x) => x === 0), "zero-filled");
    assert.throws(
      () => arena.float32(20_000),
      /SimdArena\.float32: 20000 elements need 80000 bytes but only 65504 of 65536 are left/,
    );
    assert.throws(() => arena.float64(-1), /length must be an integer ≥ 0/);
    a[0] = 5;
    arena.reset();
    assert.equal(arena.used, 0);
    assert.equal(arena.float32(1)[0], 0, "reset memory is handed out zeroed again");
    assert.throws(() => conversionArena(0), /conversionArena: bytes must be a positive integer, got 0/);
  });

  it("falls back to plain memory (and the JS loop) where WebAssembly is unavailable", () => {
    const arena = bufferArena(new ArrayBuffer(1024));
    const v = arena.float32(8);
    const x = arena.float32(8);
    v.set([1, 2, 3, 4, 5, 6, 7, 8]);
    x.fill(1);
    const o = affineCombine("test", v, x, 2, 0.5);
    assert.deepEqual([...o], [2.5, 4.5, 6.5, 8.5, 10.5, 12.5, 14.5, 16.5]);
  });
});
