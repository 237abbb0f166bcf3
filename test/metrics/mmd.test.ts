import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { medianBandwidth, mmdRbf } from "../../src/metrics/mmd.js";
import { perSampleNormals } from "../../src/random/rng.js";

/** n points of N(mean, sd²·I_dim) from seed (per-sample streams). */
function gaussian(seed: number, n: number, dim: number, mean: readonly number[], sd: number): Float64Array {
  const z = perSampleNormals(seed, 0, 0, n, dim, new Float64Array(n * dim));
  for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) z[i * dim + k] = mean[k]! + sd * z[i * dim + k]!;
  return z;
}

/** Population MMD² of N(μ₁, s²I) and N(μ₂, s²I) under k = exp(−‖·‖²/(2h²)): 2c(1 − exp(−‖δ‖²/(2(h² + 2s²)))). */
function gaussianMmd2(delta2: number, s: number, h: number, dim: number): number {
  const v = h * h + 2 * s * s;
  return 2 * ((h * h) / v) ** (dim / 2) * (1 - Math.exp(-delta2 / (2 * v)));
}

/** Direct O(n²) double sums, written independently of the implementation. */
function bruteMmd2(x: number[][], y: number[][], h: number, unbiased: boolean): number {
  const k = (a: number[], b: number[]) =>
    Math.exp(-a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0) / (2 * h * h));
  const mean = (a: number[][], b: number[][], skipDiag: boolean) => {
    let s = 0;
    let c = 0;
    a.forEach((p, i) => {
      b.forEach((q, j) => {
        if (!(skipDiag && i === j)) {
          s += k(p, q);
          c++;
        }
      });
    });
    return s / c;
  };
  return mean(x, x, unbiased) + mean(y, y, unbiased) - 2 * mean(x, y, false);
}

const points = (dim: number) =>
  fc.array(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: dim, maxLength: dim }), {
    minLength: 2,
    maxLength: 12,
  });

describe("mmd", () => {
  test("mmdRbf matches direct double sums for both estimators", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }).chain((d) => fc.tuple(fc.constant(d), points(d), points(d))),
        ([dim, xs, ys]) => {
          const x = Float64Array.from(xs.flat());
          const y = Float64Array.from(ys.flat());
          for (const estimator of ["unbiased", "biased"] as const) {
            const got = mmdRbf(x, y, dim, { estimator, bandwidth: 1.3 }).mmd2;
            const want = bruteMmd2(xs, ys, 1.3, estimator === "unbiased");
            assert.ok(Math.abs(got - want) < 1e-12, `${estimator}: ${got} vs ${want}`);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  test("the unbiased mmdRbf averages to the closed-form MMD² of two shifted Gaussians even for 5 points per set", () => {
    const dim = 2;
    const h = 1.5;
    const s = 1;
    const exact = gaussianMmd2(1.25, s, h, dim);
    const reps = 2000;
    let unbiased = 0;
    let biased = 0;
    for (let r = 0; r < reps; r++) {
      const x = gaussian(2 * r, 5, dim, [0, 0], s);
      const y = gaussian(2 * r + 1, 5, dim, [1, 0.5], s);
      unbiased += mmdRbf(x, y, dim, { bandwidth: h }).mmd2 / reps;
      biased += mmdRbf(x, y, dim, { bandwidth: h, estimator: "biased" }).mmd2 / reps;
    }
    // One estimate has standard deviation ≈ 0.3 here, so the mean of 2000 is within ±0.03 at 4σ;
    // the biased estimator sits ≈ 2(1 − (h²/(h² + 2s²))^{d/2})/n ≈ 0.19 above.
    assert.ok(Math.abs(unbiased - exact) < 0.03, `unbiased mean ${unbiased} vs ${exact}`);
    assert.ok(biased - exact > 0.1, `biased mean ${biased} vs ${exact}`);
  });

  test("one unbiased mmdRbf on 800 points per set is near the closed form and near 0 for equal distributions", () => {
    const dim = 2;
    const x = gaussian(21, 800, dim, [0, 0], 1);
    const exact = gaussianMmd2(1.25, 1, 1.5, dim);
    // Standard deviation of one estimate ≈ 0.0125 (measured over 30 seeds at n = 400: 0.025).
    const got = mmdRbf(x, gaussian(22, 800, dim, [1, 0.5], 1), dim, { bandwidth: 1.5 }).mmd2;
    assert.ok(Math.abs(got - exact) < 0.05, `${got} vs ${exact}`);
    const same = mmdRbf(x, gaussian(23, 800, dim, [0, 0], 1), dim, { bandwidth: 1.5 }).mmd2;
    assert.ok(Math.abs(same) < 0.02, `equal distributions give ${same}`);
  });

  test("mmdRbf is symmetric, translation invariant, and the biased estimate is zero on identical sets", () => {
    fc.assert(
      fc.property(points(2), points(2), fc.double({ min: -10, max: 10, noNaN: true }), (xs, ys, c) => {
        const x = Float64Array.from(xs.flat());
        const y = Float64Array.from(ys.flat());
        const a = mmdRbf(x, y, 2, { bandwidth: 0.8 }).mmd2;
        const b = mmdRbf(y, x, 2, { bandwidth: 0.8 }).mmd2;
        assert.ok(Math.abs(a - b) < 1e-12, `MMD²(x, y) = ${a} vs MMD²(y, x) = ${b}`);
        const shifted = mmdRbf(
          x.map((v) => v + c),
          y.map((v) => v + c),
          2,
          { bandwidth: 0.8 },
        ).mmd2;
        assert.ok(Math.abs(a - shifted) < 1e-9, `a shift by ${c} changes MMD² from ${a} to ${shifted}`);
        const self = mmdRbf(x, x, 2, { bandwidth: 0.8, estimator: "biased" }).mmd2;
        assert.ok(Math.abs(self) < 1e-12, `biased MMD²(x, x) = ${self}, not 0`);
        const biased = mmdRbf(x, y, 2, { bandwidth: 0.8, estimator: "biased" }).mmd2;
        assert.ok(biased >= -1e-12, `biased MMD² = ${biased} must be ≥ 0`);
      }),
      { numRuns: 60 },
    );
  });

  test("medianBandwidth is the median pairwise distance of the pooled points", () => {
    // Pooled {0, 1, 3, 7}: distances 1, 3, 7, 2, 6, 4 → median (3 + 4)/2.
    assert.equal(medianBandwidth(new Float64Array([0, 1]), new Float64Array([3, 7]), 1), 3.5);
    const r = mmdRbf(new Float64Array([0, 1]), new Float64Array([3, 7]), 1);
    assert.equal(r.bandwidth, 3.5);
  });

  test("mmdRbf rejects too few points, mismatched dimensions, a bad bandwidth and coincident points", () => {
    const x = new Float64Array([0, 1, 2, 3]);
    assert.throws(
      () => mmdRbf(x, new Float64Array([1, 2]), 2),
      /mmdRbf: y has 1 points; at least 2 are needed/,
    );
    const one = mmdRbf(x, new Float64Array([1, 2]), 2, { estimator: "biased" }).mmd2;
    assert.ok(Number.isFinite(one), `the biased estimate accepts a single point, got ${one}`);
    assert.throws(() => mmdRbf(new Float64Array(0), x, 2, { estimator: "biased" }), /mmdRbf: x has 0 points/);
    assert.throws(() => mmdRbf(x, new Float64Array(5), 2), /y has length 5, not a multiple of dim = 2/);
    assert.throws(
      () => mmdRbf(x, x, 2, { bandwidth: 0 }),
      /bandwidth must be a positive number or "median", got 0/,
    );
    assert.throws(
      () => mmdRbf(new Float64Array(4), new Float64Array(4), 2),
      /median pairwise distance is 0 .*pass an explicit bandwidth/,
    );
  });
});
