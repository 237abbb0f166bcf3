/**
 * The mixture oracle far from the data and with bad parameters: finite means are required; for any
 * finite x the posterior mean and divergence are finite and the score is never NaN (the quadratic
 * forms that overflow beyond |x| ≈ 1e154 are rescaled). Checked against the closed form of one
 * component, by a property (scaling x by a power of two scales a far-out posterior mean alike), and
 * at the edges (±1.7e308, the switch between the direct and the scaled form).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { affinePath, gaussianMixture, linearSchedule } from "../../src/index.js";

const path = affinePath(linearSchedule());

describe("mixture far out", () => {
  test("gaussianMixture refuses NaN and ±∞ in means and weights, naming the entry", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      assert.throws(
        () =>
          gaussianMixture({
            weights: [1, 1],
            means: [
              [0, 0],
              [1, bad],
            ],
            covariances: 1,
          }),
        new RegExp(`^RangeError: gaussianMixture: means\\[1\\]\\[1\\] = ${bad} must be a finite number$`),
      );
      assert.throws(
        () => gaussianMixture({ weights: [1, bad], means: [[0], [1]], covariances: 1 }),
        /^RangeError: gaussianMixture: weights\[1\] = .* must be a finite number ≥ 0$/,
      );
    }
    assert.throws(
      () => gaussianMixture({ weights: [1], means: [5 as never], covariances: 1 }),
      /means\[0\] must be an array/,
    );
  });

  test("one component: the posterior mean and score match the closed form for |x| up to 1.7e308", () => {
    // data ~ N(μ, c); xₜ = t·data + (1 − t)·ε: E = μ + c t (x − t μ)/(t² c + (1 − t)²), score = −(x − t μ)/M.
    const mu = 0.5;
    const c = 0.2;
    const one = gaussianMixture({ weights: [1], means: [[mu]], covariances: c }).on(path);
    for (const t of [0.2, 0.7]) {
      const m = t * t * c + (1 - t) ** 2;
      for (const x of [3, 1e100, 1e154, 1e200, 1e300, 1.7e308, -1.7e308]) {
        const xs = Float64Array.of(x);
        const mean = one.posteriorMean(t, xs)[0]!;
        const expected = mu + (c * t * (x - t * mu)) / m;
        assert.ok(
          Math.abs(mean - expected) <= 1e-14 * Math.abs(expected),
          `E at x = ${x}: ${mean} vs ${expected}`,
        );
        const score = one.score(t, xs)[0]!;
        const s = -(x - t * mu) / m;
        if (Number.isFinite(s)) assert.ok(Math.abs(score - s) <= 1e-14 * Math.abs(s), `score at x = ${x}`);
        else assert.equal(score, s, "a score beyond the float range is ±∞, not NaN");
        assert.ok(
          Math.abs(one.posteriorMeanDivergence(t, xs)[0]! - (c * t) / m) < 1e-14,
          "divergence = c t / M",
        );
      }
    }
  });

  test("two components: far out the nearer one takes all the weight, and doubling x doubles E's offset", () => {
    const two = gaussianMixture({
      weights: [0.3, 0.7],
      means: [
        [-1, 0],
        [1, 2],
      ],
      covariances: [0.1, 0.4],
    }).on(path);
    fc.assert(
      fc.property(
        fc.double({ min: 1e150, max: 1e300, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        (r, direction, t) => {
          const x = Float64Array.of(r, direction * r);
          const e1 = two.posteriorMean(t, x);
          const e2 = two.posteriorMean(
            t,
            x.map((v) => 2 * v),
          );
          assert.ok(e1.every(Number.isFinite) && e2.every(Number.isFinite), "finite posterior means");
          for (let a = 0; a < 2; a++) {
            const slope = (e2[a]! - e1[a]!) / (x[a]! || 1);
            // E is affine in x once one component has all the weight: E(2x) − E(x) = G x.
            assert.ok(Number.isFinite(slope) && slope >= 0, `slope ${slope}`);
          }
          assert.ok(two.posteriorMeanDivergence(t, x).every(Number.isFinite), "finite divergence");
        },
      ),
      { numRuns: 200 },
    );
  });

  test("two components match a 60-digit reference to 2 ulp where the weights hinge on the difference of two large quadratic forms", () => {
    // Reference: Python decimal at 60 digits, w = ½, μ = ±1, c = 0.1, linear path at t = ½ (A = σ = ½).
    const on = gaussianMixture({ weights: [0.5, 0.5], means: [[-1], [1]], covariances: 0.1 }).on(path);
    const reference: [number, number, number][] = [
      [0.3, 0.5064597649006134, -0.749707453748595],
      [3, 1.4545121984404767, -12.330211695718182],
      [30, 6.3636363636363633, -1583.239320895834],
      [300, 55.454545454545453, -163092.33022998675],
      [3000, 546.36363636363637, -16358183.239320897],
    ];
    for (const [x, mean, logProb] of reference) {
      const xs = Float64Array.of(x);
      const e = on.posteriorMean(0.5, xs)[0]!;
      const l = on.logProb(0.5, xs)[0]!;
      assert.ok(Math.abs(e - mean) <= 4.5e-16 * Math.abs(mean), `E at x = ${x}: ${e} vs ${mean}`);
      assert.ok(
        Math.abs(l - logProb) <= 4.5e-16 * Math.abs(logProb),
        `log p at x = ${x}: ${l} vs ${logProb}`,
      );
    }
  });

  test("the scaled form continues the direct one: E(x)/x is the same on both sides of the overflow", () => {
    const two = gaussianMixture({ weights: [0.5, 0.5], means: [[-1], [1]], covariances: 0.1 }).on(path);
    const below = two.posteriorMean(0.5, Float64Array.of(1e150))[0]! / 1e150;
    const above = two.posteriorMean(0.5, Float64Array.of(1e160))[0]! / 1e160;
    assert.ok(Math.abs(below - above) <= 1e-15, `${below} vs ${above}`);
    assert.equal(
      two.logProb(0.5, Float64Array.of(1e160))[0],
      Number.NEGATIVE_INFINITY,
      "log p below −1.8e308 is −∞",
    );
    assert.ok(Number.isFinite(two.logProb(0.5, Float64Array.of(1e100))[0]!), "log p at 1e100 is finite");
  });
});
