import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DiffusionModelComponents,
  Rng,
  bridgePath,
  gaussian,
  gaussianMixture,
  linearTimeInvariantSde,
  predict,
} from "../../src/index.js";
import { matVec, toDense } from "../../src/extend.js";
import { assertClose } from "../helpers.js";

// A dense, non-commuting LTI SDE with a nonzero prior mean: the conditional A_p, b_p, Σ_p are all dense.
const components = new DiffusionModelComponents({
  linearSde: linearTimeInvariantSde({
    F: [
      [-0.7, 1.3],
      [-0.4, -0.2],
    ],
    L: [
      [1, 0],
      [0.5, 0.8],
    ],
  }),
  t0: 0,
  priorAtT0: gaussian({
    mean: [0.3, -0.6],
    cov: [
      [1, 0.2],
      [0.2, 0.7],
    ],
  }),
  t1: 1,
  evidenceCov: 0.05,
});
const path = bridgePath(components);

/** Solves the 2×2 system M·x = b. */
function solve2(m: Float64Array, b: Float64Array): Float64Array {
  const det = m[0]! * m[3]! - m[1]! * m[2]!;
  return new Float64Array([(m[3]! * b[0]! - m[1]! * b[1]!) / det, (-m[2]! * b[0]! + m[0]! * b[1]!) / det]);
}

describe("gaussianMixture oracle on a bridge path", () => {
  it("gives E[y1 | x] = μ + C·A_pᵀ(A_p C A_pᵀ + Σ_p)⁻¹(x − A_p μ − b_p) for one dense component", async () => {
    const mu = [1.5, -0.5];
    const C = [
      [0.4, 0.1],
      [0.1, 0.3],
    ];
    const single = gaussianMixture({ weights: [1], means: [mu], covariances: [C] });
    const t = 0.55;
    const { A, b, cov } = path.slice(t).conditional;
    const Ad = toDense(A, 2);
    const Sd = toDense(cov, 2);
    const Cd = Float64Array.from(C.flat());
    // M = A C Aᵀ + Σ, gain = C Aᵀ, computed by hand in 2-D.
    const mul = (x: Float64Array, y: Float64Array) =>
      new Float64Array([
        x[0]! * y[0]! + x[1]! * y[2]!,
        x[0]! * y[1]! + x[1]! * y[3]!,
        x[2]! * y[0]! + x[3]! * y[2]!,
        x[2]! * y[1]! + x[3]! * y[3]!,
      ]);
    const At = new Float64Array([Ad[0]!, Ad[2]!, Ad[1]!, Ad[3]!]);
    const M = mul(mul(Ad, Cd), At).map((v, i) => v + Sd[i]!);
    const gain = mul(Cd, At);
    const x = new Float64Array([0.7, -1.1]);
    const mean = new Float64Array(2);
    matVec(A, Float64Array.from(mu), mean);
    const r = new Float64Array([x[0]! - mean[0]! - (b?.[0] ?? 0), x[1]! - mean[1]! - (b?.[1] ?? 0)]);
    const w = solve2(M, r);
    const expected = new Float64Array([
      mu[0]! + gain[0]! * w[0]! + gain[1]! * w[1]!,
      mu[1]! + gain[2]! * w[0]! + gain[3]! * w[1]!,
    ]);
    const got = await predict(single.denoiser(path), x, t, { batch: 1, dim: 2 });
    assertClose(got, expected, { rtol: 1e-12 });
  });

  it("its marginal log-density matches a Monte-Carlo estimate of p_t(x) = E_y1[N(x; A_p y1 + b_p, Σ_p)]", () => {
    const mixture = gaussianMixture({
      weights: [0.4, 0.6],
      means: [
        [-1, 0],
        [1, 1],
      ],
      covariances: [0.2, [0.3, 0.1]],
    });
    const t = 0.4;
    const slice = path.slice(t);
    const x = new Float64Array([0.1, 0.2]);
    const exact = mixture.on(path).logProb(t, x)[0]!;
    const n = 100_000;
    const ys = mixture.sample(new Rng(4), n);
    const { A, b, cov } = slice.conditional;
    const S = toDense(cov, 2);
    const det = S[0]! * S[3]! - S[1]! * S[2]!;
    const m = new Float64Array(2);
    let sum = 0;
    let sum2 = 0;
    for (let i = 0; i < n; i++) {
      matVec(A, ys, m, 2 * i, 0, 2);
      const r0 = x[0]! - m[0]! - (b?.[0] ?? 0);
      const r1 = x[1]! - m[1]! - (b?.[1] ?? 0);
      const q = (S[3]! * r0 * r0 - (S[1]! + S[2]!) * r0 * r1 + S[0]! * r1 * r1) / det;
      const p = Math.exp(-0.5 * q) / (2 * Math.PI * Math.sqrt(det));
      sum += p;
      sum2 += p * p;
    }
    const mean = sum / n;
    const se = Math.sqrt((sum2 / n - mean * mean) / n);
    assert.ok(Math.abs(Math.exp(exact) - mean) < 4 * se, `exact ${Math.exp(exact)} vs MC ${mean} ± ${se}`);
  });
});
