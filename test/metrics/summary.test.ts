import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { meanAndStandardError, rmsDistance } from "../../src/metrics/summary.js";

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true });

describe("meanAndStandardError", () => {
  test("matches hand-computed values: 2, 4, 4, 4, 5, 5, 7, 9 has mean 5 and SE √(32/7)/√8", () => {
    const r = meanAndStandardError(Float64Array.from([2, 4, 4, 4, 5, 5, 7, 9]));
    assert.equal(r.mean, 5, "mean");
    assert.ok(Math.abs(r.standardError - Math.sqrt(32 / 7 / 8)) < 1e-15, `SE ${r.standardError}`);
  });

  test("is shift-equivariant in the mean, shift-invariant and scale-equivariant in the SE", () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 2, maxLength: 40 }), finite, (xs, c) => {
        const a = meanAndStandardError(Float64Array.from(xs));
        const shifted = meanAndStandardError(Float64Array.from(xs, (x) => x + c));
        const scaled = meanAndStandardError(Float64Array.from(xs, (x) => -3 * x));
        const tol = 1e-9 * (1 + Math.max(...xs.map(Math.abs)) + Math.abs(c));
        assert.ok(Math.abs(shifted.mean - (a.mean + c)) <= tol, `mean + c: ${shifted.mean} vs ${a.mean + c}`);
        assert.ok(Math.abs(shifted.standardError - a.standardError) <= tol, "SE ignores a shift");
        assert.ok(Math.abs(scaled.standardError - 3 * a.standardError) <= 3 * tol, "SE scales with |c|");
      }),
    );
  });

  test("has no standard error for one value, and refuses none", () => {
    const one = meanAndStandardError(Float32Array.of(1.5));
    assert.equal(one.mean, 1.5, "the mean of one value is the value");
    assert.ok(Number.isNaN(one.standardError), "one value has no spread to estimate");
    assert.throws(() => meanAndStandardError(new Float64Array(0)), /meanAndStandardError: values is empty/);
  });
});

describe("rmsDistance", () => {
  test("matches hand-computed values: rows (0,0)–(3,4) and (1,1)–(1,1) give √(25/2)", () => {
    const x = Float64Array.from([0, 0, 1, 1]);
    const y = Float64Array.from([3, 4, 1, 1]);
    assert.ok(Math.abs(rmsDistance(x, y, 2) - Math.sqrt(12.5)) < 1e-15, "√((5² + 0²)/2)");
  });

  test("is symmetric, zero on equal sets, and translating one set by v gives ‖v‖", () => {
    fc.assert(
      fc.property(
        fc.array(finite, { minLength: 6, maxLength: 30 }),
        finite,
        finite,
        finite,
        (xs, a, b, c) => {
          const x = Float64Array.from(xs.slice(0, xs.length - (xs.length % 3)));
          const y = Float64Array.from(x, (v, i) => v + [a, b, c][i % 3]!);
          const norm = Math.hypot(a, b, c);
          assert.equal(rmsDistance(x, x, 3), 0, "zero on equal sets");
          assert.equal(rmsDistance(x, y, 3), rmsDistance(y, x, 3), "symmetric");
          const tol = 1e-9 * (1 + Math.max(...xs.map(Math.abs)) + norm);
          assert.ok(
            Math.abs(rmsDistance(x, y, 3) - norm) <= tol,
            `translation: ${rmsDistance(x, y, 3)} vs ${norm}`,
          );
        },
      ),
    );
  });

  test("refuses sets of different sizes, naming the fix", () => {
    assert.throws(
      () => rmsDistance(new Float64Array(4), new Float64Array(6), 2),
      /rmsDistance: x has 2 points but y has 3; the rows are paired, so pass sets of the same size/,
    );
    assert.throws(
      () => rmsDistance(new Float64Array(3), new Float64Array(3), 2),
      /rmsDistance: x has length 3/,
    );
  });
});
