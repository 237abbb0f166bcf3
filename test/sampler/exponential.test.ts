/**
 * The per-coordinate numerics of exponential.ts: the data-prediction step (first order = DDIM, exact
 * on the conditional path), the ancestral split (variance preserving), forward noising, σ̄² and the
 * multistep history's order — closed forms, properties over random per-coordinate levels, edge cases.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { CoordinateLevels } from "../../src/path/path.js";
import {
  ancestralSplit,
  exponentialStep,
  firstOrder,
  halfLogSnr,
  meanVariance,
  multistepOrder,
  noiseUp,
  renoise,
} from "../../src/sampler/exponential.js";
import { uniformTimeGrid } from "../../src/sampler/grid.js";
import { initState } from "../../src/sampler/sampler.js";
import { diagonalBridge } from "./fixtures.js";

const DIM = 3;
const level = fc.double({ min: 0.05, max: 3, noNaN: true });
/** Random levels of size 1 or DIM with offsets. */
const levels = fc
  .record({
    size: fc.constantFrom(1, DIM),
    alpha: fc.array(level, { minLength: DIM, maxLength: DIM }),
    sigma: fc.array(level, { minLength: DIM, maxLength: DIM }),
    offset: fc.option(
      fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: DIM, maxLength: DIM }),
    ),
  })
  .map(
    (r): CoordinateLevels => ({
      t: 0.5,
      size: r.size,
      alpha: Float64Array.from(r.alpha.slice(0, r.size)),
      sigma: Float64Array.from(r.sigma.slice(0, r.size)),
      offset: r.offset === null ? null : Float64Array.from(r.offset),
    }),
  );
const vec = fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 2 * DIM, maxLength: 2 * DIM });
const at = (L: CoordinateLevels, v: Float64Array, j: number) => v[L.size === 1 ? 0 : j]!;
const b = (L: CoordinateLevels, j: number) => (L.offset === null ? 0 : L.offset[j]!);

describe("exponential-integrator numerics", () => {
  it("the first-order step is exact on the conditional path: α·D + b + σ·ε ↦ α'·D + b' + σ'·ε", () => {
    fc.assert(
      fc.property(levels, levels, vec, vec, (from, to, data, eps) => {
        const x = Float64Array.from(
          data,
          (d, i) =>
            at(from, from.alpha, i % DIM) * d + b(from, i % DIM) + at(from, from.sigma, i % DIM) * eps[i]!,
        );
        const next = exponentialStep(
          x,
          from,
          to,
          [{ ell: halfLogSnr(from), data: Float64Array.from(data) }],
          null,
          DIM,
          firstOrder,
        );
        return next.every((v, i) => {
          const j = i % DIM;
          const want = at(to, to.alpha, j) * data[i]! + b(to, j) + at(to, to.sigma, j) * eps[i]!;
          return Math.abs(v - want) <= 1e-12 * (1 + Math.abs(want));
        });
      }),
    );
  });

  it("the step applies x' − b' = w_x(x − b) + Σ wₖD̂ₖ + w_z·z with the weights of each coordinate", () => {
    const from: CoordinateLevels = {
      t: 0,
      size: 2,
      alpha: Float64Array.of(1, 2),
      sigma: Float64Array.of(1, 1),
      offset: Float64Array.of(1, -1),
    };
    const to: CoordinateLevels = { ...from, offset: Float64Array.of(0.5, 0.25) };
    const x = Float64Array.of(3, 5);
    const d = Float64Array.of(7, 11);
    const z = Float64Array.of(13, 17);
    const out = exponentialStep(x, from, to, [{ ell: halfLogSnr(from), data: d }], z, 2, (s) => ({
      x: s.alpha,
      data: [10],
      noise: 100,
    }));
    // coordinate 0: 1·(3 − 1) + 10·7 + 100·13 + 0.5; coordinate 1: 2·(5 + 1) + 10·11 + 100·17 + 0.25
    assert.deepEqual(Array.from(out), [2 + 70 + 1300 + 0.5, 12 + 110 + 1700 + 0.25]);
  });

  it("toward the data, the ancestral split preserves the variance: σ_down² + σ_up² = σ'², σ_up = η·σ'·√(1 − e^{−2h}) capped at σ'", () => {
    fc.assert(
      fc.property(levels, levels, fc.double({ min: 0, max: 3, noNaN: true }), (from, to, eta) => {
        // A step toward the data: ℓ' ≥ ℓ in every coordinate (h ≥ 0, the split's domain).
        const [l0, l1] = [halfLogSnr(from), halfLogSnr(to)];
        fc.pre(
          Array.from({ length: DIM }, (_, c) => c).every(
            (c) => l1[l1.length === 1 ? 0 : c]! >= l0[l0.length === 1 ? 0 : c]!,
          ),
        );
        const { down, up } = ancestralSplit(from, to, eta);
        return Array.from(down).every((dn, c) => {
          const s2 = at(to, to.sigma, c);
          const h =
            Math.log(at(to, to.alpha, c) / s2) - Math.log(at(from, from.alpha, c) / at(from, from.sigma, c));
          const want = Math.min(s2, eta * s2 * Math.sqrt(Math.max(1 - Math.exp(-2 * h), 0)));
          return (
            Math.abs(dn * dn + up[c]! ** 2 - s2 * s2) <= 1e-12 * s2 * s2 &&
            Math.abs(up[c]! - want) <= 1e-9 * s2
          );
        });
      }),
    );
  });

  it("the ancestral split is deterministic at η = 0 and has no noise into σ' = 0", () => {
    const from: CoordinateLevels = {
      t: 0,
      size: 1,
      alpha: Float64Array.of(0.8),
      sigma: Float64Array.of(0.6),
      offset: null,
    };
    assert.deepEqual(
      Array.from(
        ancestralSplit(from, { ...from, alpha: Float64Array.of(0.9), sigma: Float64Array.of(0.3) }, 0).up,
      ),
      [0],
    );
    const end = ancestralSplit(from, { ...from, alpha: Float64Array.of(1), sigma: Float64Array.of(0) }, 1);
    assert.deepEqual([end.down[0], end.up[0]], [0, 0]);
    // renoise at σ' = 0 is the denoising jump α'·D + b'.
    const x = renoise(
      { ...from, alpha: Float64Array.of(1), sigma: Float64Array.of(0) },
      Float64Array.of(2),
      Float64Array.of(9),
      end.down,
      end.up,
      null,
      1,
    );
    assert.deepEqual(Array.from(x), [2]);
  });

  it("forward noising carries N(α·D + b, σ²) to N(α̂·D + b̂, σ̂²)", () => {
    fc.assert(
      fc.property(levels, levels, vec, (from, hat, data) => {
        // Mean: z = 0 maps the conditional mean to the new one.
        const x = Float64Array.from(data, (d, i) => at(from, from.alpha, i % DIM) * d + b(from, i % DIM));
        const mean = noiseUp(x, from, hat, new Float64Array(x.length), 1, DIM);
        // Spread: the coefficient of z.
        const unit = noiseUp(
          new Float64Array(x.length).fill(0),
          from,
          hat,
          new Float64Array(x.length).fill(1),
          1,
          DIM,
        );
        return Array.from(mean).every((m, i) => {
          const j = i % DIM;
          const r = at(hat, hat.alpha, j) / at(from, from.alpha, j);
          const s = at(hat, hat.sigma, j);
          const spread = unit[i]! - b(hat, j) + r * b(from, j);
          const variance = (r * at(from, from.sigma, j)) ** 2 + spread ** 2;
          const noisier = s >= r * at(from, from.sigma, j);
          return (
            Math.abs(m - (at(hat, hat.alpha, j) * data[i]! + b(hat, j))) <= 1e-12 * (1 + Math.abs(m)) &&
            (!noisier || Math.abs(variance - s * s) <= 1e-12 * (1 + s * s))
          );
        });
      }),
    );
  });

  it("σ̄² is σ² on affine slices, the mean of σᵢ² on diagonal bridges", () => {
    const path = diagonalBridge(0);
    const slice = path.slice(0.4);
    const L = slice.coordinates()!;
    const want = (L.sigma[0]! ** 2 + L.sigma[1]! ** 2) / 2;
    assert.ok(
      Math.abs(meanVariance(slice, 2) - want) <= 1e-12,
      `σ̄² = ${meanVariance(slice, 2)}, want ${want}`,
    );
  });

  it("the multistep order counts only history at finite ℓ and lowers toward the end on request", () => {
    const grid = uniformTimeGrid(diagonalBridge(0), 4);
    const state = initState("test", new Float64Array(2), grid);
    const rec = (ell: number) => ({ ell: Float64Array.of(ell), data: new Float64Array(2) });
    assert.equal(multistepOrder(3, [rec(Number.NEGATIVE_INFINITY), rec(0), rec(1)], state, false), 2);
    assert.equal(multistepOrder(3, [rec(-1), rec(0), rec(1)], { ...state, index: 3 }, true), 1);
    assert.equal(multistepOrder(3, [rec(-1), rec(0), rec(1)], { ...state, index: 3 }, { belowSteps: 4 }), 3);
  });
});
