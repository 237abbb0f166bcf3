/**
 * Scalar special functions (src/math/scalar.ts): reference values from Python's libm erf/erfc and
 * statistics.NormalDist (Wichura AS241), identities over random inputs, and the ends of the ranges.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  erf,
  erfc,
  logSigmoid,
  logSumExp,
  logit,
  normalCdf,
  normalQuantile,
  sigmoid,
  softplus,
  solveIncreasing,
} from "../../src/math/scalar.js";
import { assertClose } from "../helpers.js";

const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

describe("erf, erfc and the normal distribution", () => {
  it("match reference values (Python math.erf / math.erfc, statistics.NormalDist)", () => {
    const erfRef: [number, number][] = [
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2.5, 0.999593047982555],
      [-0.3, -0.3286267594591274],
    ];
    for (const [x, want] of erfRef) assertClose(erf(x), want, { rtol: 1e-15, message: `erf(${x})` });
    const erfcRef: [number, number][] = [
      [0.7, 0.32219880616258156],
      [3, 2.2090496998585438e-5],
      [6, 2.1519736712498916e-17],
      [10, 2.088487583762545e-45],
    ];
    for (const [x, want] of erfcRef) assertClose(erfc(x), want, { rtol: 4e-15, message: `erfc(${x})` });
    assertClose(normalCdf(-1.5), 0.06680720126885809, { rtol: 1e-15 });
    const quantileRef: [number, number][] = [
      [0.975, 1.9599639845400536],
      [1e-10, -6.361340902404056],
      [0.3, -0.5244005127080407],
      [0.9999, 3.7190164854557084],
    ];
    for (const [p, want] of quantileRef)
      assertClose(normalQuantile(p), want, { rtol: 1e-14, message: `Φ⁻¹(${p})` });
  });

  it("erf is odd, erf + erfc = 1, and normalQuantile inverts normalCdf", () => {
    fc.assert(
      fc.property(finite(-6, 6), (x) => {
        assert.equal(erf(-x), -erf(x), `erf(−${x}) (signed zero included)`);
        assertClose(erf(x) + erfc(x), 1, { rtol: 2e-16, atol: 2e-16, message: `x = ${x}` });
      }),
    );
    fc.assert(
      fc.property(finite(-8, 8), (x) => {
        // Φ⁻¹(Φ(x)) = x, judged on the side where Φ is not rounded to 1.
        const back = x <= 0 ? normalQuantile(normalCdf(x)) : -normalQuantile(normalCdf(-x));
        assertClose(back, x, { rtol: 1e-13, atol: 1e-13, message: `x = ${x}` });
      }),
    );
  });

  it("handles the ends: NaN passes through, erfc underflows to 0, Φ⁻¹(0) = −∞, Φ⁻¹(1) = ∞, p ∉ [0, 1] throws", () => {
    assert.ok(Number.isNaN(erf(Number.NaN)) && Number.isNaN(erfc(Number.NaN)), "NaN in, NaN out");
    assert.equal(erf(0), 0);
    assert.equal(erfc(30), 0);
    assert.equal(erfc(-30), 2);
    assert.equal(erf(Number.POSITIVE_INFINITY), 1);
    assert.equal(normalQuantile(0), Number.NEGATIVE_INFINITY);
    assert.equal(normalQuantile(1), Number.POSITIVE_INFINITY);
    assert.equal(normalQuantile(0.5), 0);
    assert.throws(() => normalQuantile(1.5), /normalQuantile: p must be in \[0, 1\], got 1.5/);
    assert.throws(() => normalQuantile(Number.NaN), /normalQuantile: p must be in \[0, 1\], got NaN/);
  });
});

describe("softplus, sigmoid, logit and logSumExp", () => {
  it("match closed-form values", () => {
    assertClose(softplus(2), Math.log1p(Math.exp(2)), { rtol: 1e-15 });
    assertClose(softplus(0), Math.LN2, { rtol: 1e-16 });
    assertClose(sigmoid(0.5), 1 / (1 + Math.exp(-0.5)), { rtol: 1e-16 });
    assertClose(logit(0.25), -Math.log(3), { rtol: 1e-15 });
    assertClose(logSumExp([1, 2, 3]), 3.40760596444438, { rtol: 1e-15 });
    assertClose(logSumExp([9, 1, 2, 3, 9], 1, 3), 3.40760596444438, {
      rtol: 1e-15,
      message: "offset and count",
    });
  });

  it("satisfy softplus(x) − softplus(−x) = x, σ(x) + σ(−x) = 1, logit∘σ = id, e^{log σ} = σ, LSE shift", () => {
    fc.assert(
      fc.property(finite(-30, 30), (x) => {
        assertClose(softplus(x) - softplus(-x), x, { rtol: 1e-14, atol: 1e-14, message: `softplus at ${x}` });
        assertClose(sigmoid(x) + sigmoid(-x), 1, { atol: 2.3e-16, message: `sigmoid at ${x}` });
        // exp undoes log: the relative error of exp(logSigmoid) is the absolute error of logSigmoid.
        assertClose(Math.exp(logSigmoid(x)), sigmoid(x), {
          rtol: 4e-16 * (2 + Math.abs(x)),
          message: `logSigmoid at ${x}`,
        });
        if (Math.abs(x) < 15)
          assertClose(logit(sigmoid(x)), x, { rtol: 1e-9, atol: 1e-12, message: `logit at ${x}` });
      }),
    );
    fc.assert(
      fc.property(fc.array(finite(-50, 50), { minLength: 1, maxLength: 8 }), finite(-1e3, 1e3), (xs, c) => {
        const shifted = logSumExp(xs.map((x) => x + c));
        assertClose(shifted, logSumExp(xs) + c, { rtol: 1e-13, atol: 1e-12, message: `shift ${c}` });
        assert.ok(logSumExp(xs) >= Math.max(...xs), "LSE is at least the maximum");
      }),
    );
  });

  it("stay finite and exact at the ends of their ranges", () => {
    assert.equal(softplus(1000), 1000);
    assert.equal(softplus(-1000), 0);
    assert.equal(sigmoid(-1000), 0);
    assert.equal(sigmoid(1000), 1);
    assertClose(logSigmoid(-1000), -1000, { rtol: 1e-16 });
    assert.equal(logit(0), Number.NEGATIVE_INFINITY);
    assert.equal(logit(1), Number.POSITIVE_INFINITY);
    assert.equal(logSumExp([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]), Number.NEGATIVE_INFINITY);
    assert.equal(logSumExp([1, Number.POSITIVE_INFINITY]), Number.POSITIVE_INFINITY);
    assert.equal(logSumExp([]), Number.NEGATIVE_INFINITY);
    assertClose(logSumExp([1000, 1000]), 1000 + Math.LN2, { rtol: 1e-16 });
  });
});

describe("solveIncreasing", () => {
  it("finds the cube root (reference value 2 for x³ = 8) and inverts any increasing function to 1e-14", () => {
    const cube = (x: number): [number, number] => [x * x * x, 3 * x * x];
    assertClose(solveIncreasing(cube, 8, 0, 3), 2, { atol: 1e-14 });
    fc.assert(
      fc.property(finite(-2, 2), (x) => {
        const f = (u: number): [number, number] => [Math.sinh(u) + u, Math.cosh(u) + 1];
        const got = solveIncreasing(f, f(x)[0], -3, 3);
        assertClose(got, x, { atol: 2e-14, message: `x = ${x}` });
      }),
    );
  });

  it("falls back to bisection when the slope is useless (zero, infinite or NaN)", () => {
    const step = (x: number): [number, number] => [x ** 3, Number.NaN];
    assertClose(solveIncreasing(step, 0.125, 0, 1), 0.5, { atol: 1e-14 });
    const flat = (x: number): [number, number] => [x, 0];
    assertClose(solveIncreasing(flat, 0.3, 0, 1), 0.3, { atol: 1e-14 });
  });
});
