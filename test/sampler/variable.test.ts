/**
 * The integration-variable numerics of variable.ts: frames (y ↔ x round trips, τ = t or σ̃ per
 * coordinate), the Runge–Kutta combination, and the Lagrange/Adams coefficients — closed forms,
 * properties, edge cases.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { affinePath } from "../../src/path/affine.js";
import { Prediction } from "../../src/sampler/sampler.js";
import { adamsCoefficients, advance, frameOf, lagrangeIntegrals } from "../../src/sampler/variable.js";
import { linearSchedule } from "../../src/schedule/linear.js";
import { GMM, diagonalBridge } from "./fixtures.js";

const bridge = diagonalBridge(0);

describe("integration-variable numerics", () => {
  it("frames map x to y and back: x itself in t, x̃ = (x − b)/α per coordinate in σ̃", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 4, maxLength: 4 }),
        (t, values) => {
          const x = Float64Array.from(values);
          const slice = bridge.slice(t);
          const L = slice.coordinates()!;
          const s = frameOf("test", "sigma", slice, 2);
          const y = s.y(x);
          const back = s.x(y);
          const tilde = y.every((v, i) => {
            const j = i % 2;
            return Math.abs(v - (x[i]! - (L.offset?.[j] ?? 0)) / L.alpha[j]!) <= 1e-12 * (1 + Math.abs(v));
          });
          return (
            tilde &&
            back.every((v, i) => Math.abs(v - x[i]!) <= 1e-12 * (1 + Math.abs(x[i]!))) &&
            frameOf("test", "t", slice, 2).y(x) === x &&
            s.tau.every((v, c) => v === L.sigma[c]! / L.alpha[c]!)
          );
        },
      ),
    );
  });

  it("the slope is the velocity in t and ε̂ in σ̃", async () => {
    const path = affinePath(linearSchedule());
    const slice = path.slice(0.5);
    const x = Float64Array.of(0.3, -0.7);
    const value = Float64Array.from(await GMM.denoiser(path).predict(x, 0.5, { batch: 1, dim: 2 }));
    const p = new Prediction(GMM.denoiser(path), value, x, slice);
    assert.deepEqual(frameOf("test", "t", slice, 2).slope(p), p.as("velocity"));
    assert.deepEqual(frameOf("test", "sigma", slice, 2).slope(p), p.as("noise"));
  });

  it("a σ̃ frame refuses α = 0 naming the fix", () => {
    const path = affinePath(linearSchedule());
    assert.throws(
      () => frameOf("euler", "sigma", path.slice(0), 2),
      /euler: α = 0 at t = 0.*use variable "t"/,
    );
  });

  it("advance adds Δτ·Σⱼ bⱼkⱼ with each coordinate's Δτ", () => {
    const from = frameOf("test", "sigma", bridge.slice(0.3), 2);
    const to = frameOf("test", "sigma", bridge.slice(0.6), 2);
    const y = Float64Array.of(1, 2, 3, 4);
    const k1 = Float64Array.of(1, 1, 2, 2);
    const k2 = Float64Array.of(0, 4, 0, 4);
    const out = advance(y, from, to, [k1, k2], [0.25, 0.75]);
    out.forEach((v, i) => {
      const dTau = to.tau[i % 2]! - from.tau[i % 2]!;
      const want = y[i]! + dTau * (0.25 * k1[i]! + 0.75 * k2[i]!);
      assert.ok(Math.abs(v - want) <= 1e-14 * (1 + Math.abs(want)), `entry ${i}: ${v} vs ${want}`);
    });
  });

  it("Lagrange integrals are exact for polynomials and sum to b − a (and to e^b − e^a with weight e^v)", () => {
    // ∫₀¹ of the basis on nodes 0, 1 (trapezoid weights) and on 0, ½, 1 (Simpson weights).
    assert.deepEqual(
      Array.from(lagrangeIntegrals([0, 1], 0, 1)).map((v) => +v.toFixed(14)),
      [0.5, 0.5],
    );
    assert.deepEqual(
      Array.from(lagrangeIntegrals([0, 0.5, 1], 0, 1)).map((v) => +v.toFixed(14)),
      [1 / 6, 2 / 3, 1 / 6].map((v) => +v.toFixed(14)),
    );
    assert.deepEqual(Array.from(lagrangeIntegrals([3], 1, 2)), [1], "one node: the step length");
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 5 }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        (ks, a, b) => {
          const nodes = ks.map((k) => k / 10);
          const sum = lagrangeIntegrals(nodes, a, b).reduce((p, q) => p + q, 0);
          const sumExp = lagrangeIntegrals(nodes, a, b, Math.exp).reduce((p, q) => p + q, 0);
          // Σⱼ ℓⱼ ≡ 1; the weight e^v is integrated only approximately by a degree-(q−1) basis.
          return Math.abs(sum - (b - a)) <= 1e-10 * (1 + Math.abs(b - a)) && Number.isFinite(sumExp);
        },
      ),
    );
  });

  it("Adams coefficients on equal steps are Adams–Bashforth's: (3/2, −1/2)·h for two nodes", () => {
    const path = affinePath(linearSchedule());
    const frames = [0.4, 0.5, 0.6].map((t) => frameOf("test", "t", path.slice(t), 1));
    const records = [frames[1]!, frames[0]!].map((f) => ({ tau: f.tau, k: new Float64Array(1) }));
    const [c] = adamsCoefficients(frames[1]!, frames[2]!, records, "linear");
    assert.ok(Math.abs(c![0]! - 0.15) <= 1e-14 && Math.abs(c![1]! + 0.05) <= 1e-14, `c = ${Array.from(c!)}`);
  });
});
