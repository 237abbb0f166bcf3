import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { featureStatistics, frechetDistance } from "../../src/metrics/frechet.js";

const stats = (mean: number[], cov: number[][]) => ({
  mean: Float64Array.from(mean),
  cov: Float64Array.from(cov.flat()),
  count: 100,
});

test("frechetDistance is (μ₁ − μ₂)² + (σ₁ − σ₂)² between 1-D Gaussians", () => {
  assert.ok(
    Math.abs(frechetDistance(stats([1], [[4]]), stats([-2], [[9]])) - (9 + 1)) < 1e-12,
    "3² + (2 − 3)²",
  );
});

test("frechetDistance between diagonal Gaussians sums the coordinates' 1-D distances", () => {
  const d = frechetDistance(
    stats(
      [0, 1],
      [
        [1, 0],
        [0, 4],
      ],
    ),
    stats(
      [1, 1],
      [
        [0.25, 0],
        [0, 1],
      ],
    ),
  );
  assert.ok(Math.abs(d - (1 + 0.25 + 1)) < 1e-12, `${d}`);
});

test("frechetDistance is rotation invariant, symmetric and 0 for equal statistics (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 9, maxLength: 9 }),
      fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 9, maxLength: 9 }),
      fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
      (a, b, angle) => {
        // Covariances AAᵀ + 0.1 I and BBᵀ + 0.1 I in 3-D; rotate both by R about the z axis.
        const spd = (m: number[]) =>
          [0, 1, 2].map((i) =>
            [0, 1, 2].map(
              (j) =>
                m[3 * i]! * m[3 * j]! +
                m[3 * i + 1]! * m[3 * j + 1]! +
                m[3 * i + 2]! * m[3 * j + 2]! +
                (i === j ? 0.1 : 0),
            ),
          );
        const [c, s] = [Math.cos(angle), Math.sin(angle)];
        const R = [
          [c, -s, 0],
          [s, c, 0],
          [0, 0, 1],
        ];
        const rot = (m: number[][]) =>
          R.map((ri) =>
            R.map((rj) =>
              ri.reduce((acc, rik, k) => acc + rik * rj.reduce((a2, rjl, l) => a2 + m[k]![l]! * rjl, 0), 0),
            ),
          );
        const p = stats([a[0]!, a[1]!, 0], spd(a));
        const q = stats([b[0]!, 0, b[2]!], spd(b));
        const rv = (v: Float64Array) => R.map((ri) => ri.reduce((acc, rik, k) => acc + rik * v[k]!, 0));
        const pr = stats(rv(p.mean), rot(spd(a)));
        const qr = stats(rv(q.mean), rot(spd(b)));
        const d = frechetDistance(p, q);
        const close = (x: number, y: number) => Math.abs(x - y) <= 1e-8 * (1 + Math.abs(y));
        return (
          close(frechetDistance(q, p), d) &&
          close(frechetDistance(pr, qr), d) &&
          frechetDistance(p, p) < 1e-8 * (1 + d)
        );
      },
    ),
  );
});

test("featureStatistics gives the mean and the unbiased covariance", () => {
  const { mean, cov, count } = featureStatistics(Float64Array.of(1, 2, 3, 6, 5, 4), 2);
  assert.equal(count, 3);
  assert.deepEqual(Array.from(mean), [3, 4]);
  assert.deepEqual(Array.from(cov), [4, 2, 2, 4]);
  assert.throws(
    () => featureStatistics(Float64Array.of(1, 2), 2),
    /featureStatistics: x has 1 points; at least 2 are needed/,
  );
  assert.throws(
    () =>
      frechetDistance(
        stats([0], [[1]]),
        stats(
          [0, 0],
          [
            [1, 0],
            [0, 1],
          ],
        ),
      ),
    /dimensions 1 and 2/,
  );
});
