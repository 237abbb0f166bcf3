import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Rng, perSampleNormals } from "../../src/index.js";
import { philox4x32 } from "../../src/extend.js";

const hex = (w: Uint32Array) => Array.from(w, (x) => x.toString(16).padStart(8, "0")).join(" ");

describe("Philox4x32-10", () => {
  it("reproduces the Random123 known-answer vectors", () => {
    const out = new Uint32Array(4);
    philox4x32(0, 0, 0, 0, 0, 0, out);
    assert.equal(hex(out), "6627e8d5 e169c58d bc57ac4c 9b00dbd8");
    philox4x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, out);
    assert.equal(hex(out), "408f276d 41c83b0e a20bc7c6 6d5451fd");
    philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out);
    assert.equal(hex(out), "d16cfe09 94fdcceb 5001e420 24126ea1");
  });
});

describe("Rng", () => {
  it("is deterministic for a seed and differs across seeds and streams", () => {
    const a = new Rng(42).fillNormal(new Float64Array(8));
    const b = new Rng(42).fillNormal(new Float64Array(8));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, new Rng(43).fillNormal(new Float64Array(8)));
    assert.notDeepEqual(a, new Rng(42, 1).fillNormal(new Float64Array(8)));
  });

  it("continues exactly from a saved state (including a buffered normal and uniform)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 7 }), (seed, skip) => {
        const rng = new Rng(seed);
        for (let i = 0; i < skip; i++) {
          rng.normal();
          rng.uniform();
        }
        rng.normal();
        const state = JSON.parse(JSON.stringify(rng.getState()));
        const restored = Rng.fromState(state);
        for (let i = 0; i < 5; i++) {
          assert.equal(restored.normal(), rng.normal());
          assert.equal(restored.uniform(), rng.uniform());
        }
      }),
      { numRuns: 30 },
    );
  });

  it("produces standard normals and uniforms with the right moments (within 4 standard errors)", () => {
    const n = 200_000;
    const rng = new Rng(7);
    let m1 = 0;
    let m2 = 0;
    let m4 = 0;
    let u1 = 0;
    let uMin = 1;
    let uMax = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      m1 += z;
      m2 += z * z;
      m4 += z ** 4;
      const u = rng.uniform();
      u1 += u;
      uMin = Math.min(uMin, u);
      uMax = Math.max(uMax, u);
    }
    assert.ok(Math.abs(m1 / n) < 4 / Math.sqrt(n));
    assert.ok(Math.abs(m2 / n - 1) < 4 * Math.sqrt(2 / n));
    assert.ok(Math.abs(m4 / n - 3) < 4 * Math.sqrt(96 / n));
    assert.ok(Math.abs(u1 / n - 0.5) < 4 * Math.sqrt(1 / 12 / n));
    assert.ok(uMin >= 0 && uMax < 1);
  });

  it("permutation is a permutation and integer stays in range", () => {
    const rng = new Rng(3);
    const p = Array.from(rng.permutation(50)).sort((a, b) => a - b);
    assert.deepEqual(
      p,
      Array.from({ length: 50 }, (_, i) => i),
    );
    for (let i = 0; i < 1000; i++) {
      const k = rng.integer(7);
      assert.ok(Number.isInteger(k) && k >= 0 && k < 7);
    }
  });

  it("rejects a bad seed or state with a clear message", () => {
    assert.throws(() => new Rng(-1), /Rng: seed must be a non-negative safe integer/);
    assert.throws(() => new Rng(1.5), /seed/);
    assert.throws(() => Rng.fromState({ algorithm: "mt19937" } as never), /not a philox4x32-10 RngState/);
    const state = new Rng(1).getState();
    assert.throws(
      () => Rng.fromState({ ...state, spareNormal: "0.5" as never }),
      /spareNormal must be null or a number/,
    );
    assert.throws(
      () => Rng.fromState({ ...state, spareUniform: 1 }),
      /spareUniform must be null or a number/,
    );
    assert.throws(
      () => Rng.fromState({ ...state, block: -1 }),
      /Rng.fromState: block must be a non-negative safe integer/,
    );
  });
});

describe("perSampleNormals", () => {
  it("gives sample i the same noise whatever the batch size or the first row", () => {
    const dim = 5;
    const big = perSampleNormals(11, 3, 0, 10, dim, new Float64Array(10 * dim));
    const small = perSampleNormals(11, 3, 4, 3, dim, new Float64Array(3 * dim));
    assert.deepEqual(small, big.subarray(4 * dim, 7 * dim));
    const other = perSampleNormals(11, 4, 0, 10, dim, new Float64Array(10 * dim));
    assert.notDeepEqual(other, big);
  });

  it("writes Float32Array outputs too and checks the output length", () => {
    const out = perSampleNormals(1, 0, 0, 2, 3, new Float32Array(6));
    assert.ok(out instanceof Float32Array && out.every(Number.isFinite));
    assert.throws(
      () => perSampleNormals(1, 0, 0, 2, 3, new Float64Array(5)),
      /out has length 5, expected rows·dim = 6/,
    );
  });
});
