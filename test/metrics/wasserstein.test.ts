import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { normalQuantile } from "../../src/math/scalar.js";
import {
  randomDirections,
  slicedWasserstein,
  slicedWassersteinSquared,
  sortedWasserstein2Squared,
  wasserstein2Squared1d,
} from "../../src/metrics/wasserstein.js";
import { perSampleNormals, Rng } from "../../src/random/rng.js";

/** n quantile-grid points of N(mean, sd²): mean + sd·Φ⁻¹((i + ½)/n). */
function gaussianGrid(n: number, mean: number, sd: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => mean + sd * normalQuantile((i + 0.5) / n));
}

/** n points of N(mean, sd²·I_dim) from seed (per-sample streams). */
function gaussian(seed: number, n: number, dim: number, mean: readonly number[], sd: number): Float64Array {
  const z = perSampleNormals(seed, 0, 0, n, dim, new Float64Array(n * dim));
  for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) z[i * dim + k] = mean[k]! + sd * z[i * dim + k]!;
  return z;
}

const finiteSet = fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 30 });

describe("wasserstein", () => {
  test("wasserstein2Squared1d between two Gaussians matches (m₁ − m₂)² + (s₁ − s₂)², also for unequal sizes", () => {
    const exact = (1.5 - -0.5) ** 2 + (2 - 0.7) ** 2;
    // Equal sizes on quantile grids: the only error is the grid's variance deficit (1 − mean z²).
    const equal = wasserstein2Squared1d(gaussianGrid(20000, 1.5, 2), gaussianGrid(20000, -0.5, 0.7));
    assert.ok(Math.abs(equal - exact) < 2e-3, `equal sizes: ${equal} vs ${exact}`);
    const unequal = wasserstein2Squared1d(gaussianGrid(20000, 1.5, 2), gaussianGrid(13001, -0.5, 0.7));
    assert.ok(Math.abs(unequal - exact) < 2e-3, `20000 vs 13001 points: ${unequal} vs ${exact}`);
  });

  test("wasserstein2Squared1d for unequal sizes equals a hand-computed quantile matching", () => {
    // Quantiles of x = {0, 1}: 0 on (0, ½], 1 on (½, 1]; of y = {0, 1, 2}: 0, 1, 2 on thirds.
    // Pieces: (0,⅓] 0 vs 0; (⅓,½] 0 vs 1; (½,⅔] 1 vs 1; (⅔,1] 1 vs 2 → 1/6·1 + 1/3·1 = 1/2.
    assert.equal(wasserstein2Squared1d(new Float64Array([1, 0]), new Float64Array([2, 0, 1])), 0.5);
    assert.equal(sortedWasserstein2Squared(new Float64Array([0, 1]), new Float64Array([0, 1, 2])), 0.5);
  });

  test("wasserstein2Squared1d is symmetric, zero on identical and on duplicated sets, and shift² under translation", () => {
    fc.assert(
      fc.property(finiteSet, finiteSet, fc.double({ min: -100, max: 100, noNaN: true }), (a, b, c) => {
        const x = Float64Array.from(a);
        const y = Float64Array.from(b);
        const w = wasserstein2Squared1d(x, y);
        assert.ok(
          Math.abs(w - wasserstein2Squared1d(y, x)) <= 1e-12 * (1 + w),
          `W₂²(x, y) = ${w} ≠ W₂²(y, x)`,
        );
        assert.equal(wasserstein2Squared1d(x, x), 0);
        assert.equal(wasserstein2Squared1d(x, Float64Array.from([...a, ...a])), 0);
        const shifted = x.map((v) => v + c);
        const moved = wasserstein2Squared1d(x, shifted);
        assert.ok(
          Math.abs(moved - c * c) <= 1e-9 * (1 + c * c + Math.max(...a.map(Math.abs)) ** 2),
          `a shift by ${c} gives ${moved}, not ${c * c}`,
        );
      }),
    );
  });

  test("randomDirections are unit vectors, reproducible from the seed", () => {
    const d = randomDirections(5, 50, new Rng(3));
    for (let l = 0; l < 50; l++) {
      let n2 = 0;
      for (let k = 0; k < 5; k++) n2 += d[l * 5 + k]! ** 2;
      assert.ok(Math.abs(n2 - 1) < 1e-14, `direction ${l} has squared norm ${n2}`);
    }
    assert.deepEqual(d, randomDirections(5, 50, new Rng(3)));
  });

  test("slicedWassersteinSquared of a translated set is the mean of (θ·δ)² exactly, with expectation ‖δ‖²/d", () => {
    const dim = 3;
    const delta = [0.6, -1.2, 2.0];
    const x = gaussian(1, 300, dim, [0, 0, 0], 1);
    const y = x.map((v, i) => v + delta[i % dim]!);
    const directions = randomDirections(dim, 4000, new Rng(7));
    let mean = 0;
    for (let l = 0; l < 4000; l++) {
      let p = 0;
      for (let k = 0; k < dim; k++) p += directions[l * dim + k]! * delta[k]!;
      mean += (p * p) / 4000;
    }
    const sw2 = slicedWassersteinSquared(x, y, dim, { directions });
    assert.ok(Math.abs(sw2 - mean) < 1e-12 * mean, `SW₂² ${sw2} vs mean (θ·δ)² ${mean}`);
    const norm2 = delta.reduce((s, v) => s + v * v, 0);
    // (θ·δ)² has variance ≤ ‖δ‖⁴·2/(d(d+2)); 4000 directions put the mean within ~2% of ‖δ‖²/d.
    assert.ok(Math.abs(mean - norm2 / dim) < 0.05 * (norm2 / dim), `${mean} vs ${norm2 / dim}`);
  });

  test("slicedWassersteinSquared between two Gaussians approaches ‖δ‖²/d + (s₁ − s₂)²", () => {
    const dim = 2;
    const x = gaussian(11, 4000, dim, [0, 0], 1);
    const y = gaussian(12, 3000, dim, [1, -1], 0.5);
    const sw2 = slicedWassersteinSquared(x, y, dim, { rng: new Rng(5), projections: 400 });
    const exact = 2 / dim + 0.25;
    assert.ok(Math.abs(sw2 - exact) < 0.05 * exact, `${sw2} vs ${exact}`);
  });

  test("slicedWasserstein in 1-D is the exact W₂ for any direction draw", () => {
    const x = gaussianGrid(101, 0, 1);
    const y = gaussianGrid(57, 2, 3);
    const exact = Math.sqrt(wasserstein2Squared1d(x, y));
    const sw = slicedWasserstein(x, y, 1, { rng: new Rng(9), projections: 3 });
    assert.ok(Math.abs(sw - exact) < 1e-12 * exact, `1-D sliced ${sw} vs exact ${exact}`);
  });

  test("slicedWasserstein is symmetric given the same directions and zero on identical sets", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        fc.nat(),
        (dim, n, m, seed) => {
          const x = gaussian(seed, n, dim, [0, 0, 0, 0], 1);
          const y = gaussian(seed + 1, m, dim, [1, 0, 0, 0], 2);
          const directions = randomDirections(dim, 8, new Rng(seed));
          const a = slicedWassersteinSquared(x, y, dim, { directions });
          const b = slicedWassersteinSquared(y, x, dim, { directions });
          assert.ok(Math.abs(a - b) <= 1e-12 * (1 + a), `SW₂²(x, y) = ${a} vs SW₂²(y, x) = ${b}`);
          assert.equal(slicedWasserstein(x, x, dim, { directions }), 0);
        },
      ),
      { numRuns: 50 },
    );
  });

  test("the Wasserstein functions reject empty sets, mismatched dimensions, non-finite values and bad directions", () => {
    const x = new Float64Array([0, 1, 2, 3]);
    const rng = new Rng(0);
    assert.throws(
      () => slicedWasserstein(new Float64Array(0), x, 2, { rng }),
      /slicedWasserstein: x has 0 points; at least 1 is needed/,
    );
    assert.throws(
      () => slicedWasserstein(x, new Float64Array(3), 2, { rng }),
      /slicedWasserstein: y has length 3, not a multiple of dim = 2/,
    );
    assert.throws(
      () => slicedWasserstein(x, new Float64Array([0, Number.NaN]), 2, { rng }),
      /slicedWasserstein: y\[1\] is NaN/,
    );
    assert.throws(() => slicedWasserstein(x, x, 0, { rng }), /dim must be a positive integer/);
    assert.throws(
      () => slicedWasserstein(x, x, 2, { directions: new Float64Array(3) }),
      /directions has length 3/,
    );
    assert.throws(
      () => wasserstein2Squared1d(x, new Float64Array(0)),
      /wasserstein2Squared1d: y has 0 points/,
    );
    assert.throws(
      () => slicedWasserstein([1, 2] as unknown as Float64Array, x, 2, { rng }),
      /x must be a Float32Array or Float64Array/,
    );
    assert.throws(
      () => slicedWasserstein(x, x, 2, undefined as never),
      /slicedWasserstein: source must be \{ rng: new Rng\(seed\), projections\? \} or \{ directions \}/,
    );
    assert.throws(
      () => slicedWasserstein(x, x, 2, { projections: 8 } as never),
      /slicedWasserstein: source must be \{ rng/,
    );
  });
});
