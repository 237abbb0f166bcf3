/**
 * Independent checks of the bridge path: Gaussian conditioning of the joint (x_{t0}, xₜ, y1),
 * continuity (flow) and Fokker–Planck (drift) equations by finite differences in t, the marginal at
 * t0 = the prior, a Monte Carlo of the conditioned SDE, getProbabilityPath = per-slice results from
 * exactly two ODE solves, the pinned end R = 0, degenerate noise, and argument errors.
 */
import {
  DiffusionModelComponents,
  DiffusionModelConversions,
  ProbabilityPathSlice,
  getProbabilityPath,
  sampleMatchingItems,
} from "../../src/compat/linsdex.js";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Matrix, inverse } from "ml-matrix";
import { gaussian } from "../../src/math/gaussian.js";
import { type Mat, toDense, toRows } from "../../src/math/matrix.js";
import { perSampleNormals } from "../../src/random/rng.js";
import { brownianMotion } from "../../src/sde/brownianMotion.js";
import { criticallyDampedLangevin } from "../../src/sde/criticallyDampedLangevin.js";
import { linearTimeInvariantSde } from "../../src/sde/lti.js";
import { variancePreservingSde } from "../../src/sde/variancePreserving.js";
import { allCases, componentsOf, relErr } from "../sde/bridgeCases.js";

const case5 = allCases().find((c) => c.case_id === "case5_time_varying_dense")!;

/** Named bridge setups covering time-varying, dense non-commuting, degenerate noise, R = 0, VP. */
function setups(): [string, DiffusionModelComponents][] {
  return [
    ["the time-varying dense SDE", componentsOf(case5)],
    [
      "a dense non-commuting LTI SDE with nonzero u and prior mean",
      new DiffusionModelComponents({
        linearSde: linearTimeInvariantSde({
          F: [
            [-0.7, 1.3, 0.2],
            [-0.4, -0.2, 0.9],
            [0.5, -1.1, -0.6],
          ],
          L: [
            [0.8, 0, 0],
            [0.3, 0.5, 0],
            [-0.2, 0.4, 0.7],
          ],
          u: [0.3, -0.2, 0.5],
        }),
        t0: 0,
        priorAtT0: gaussian({
          mean: [1, -2, 0.5],
          cov: [
            [1, 0.2, 0],
            [0.2, 0.5, 0.1],
            [0, 0.1, 2],
          ],
        }),
        t1: 1,
        evidenceCov: [
          [0.02, 0.005, 0],
          [0.005, 0.03, 0],
          [0, 0, 0.01],
        ],
      }),
    ],
    [
      "the critically-damped Langevin SDE (degenerate noise) with R = 0",
      new DiffusionModelComponents({
        linearSde: criticallyDampedLangevin({ mass: 0.25, beta: 4, dim: 1 }),
        t0: 0,
        priorAtT0: gaussian({ mean: [0.5, -0.5], cov: [1, 0.25] }),
        t1: 1,
        evidenceCov: 0,
      }),
    ],
    [
      "Brownian motion with R = 0 and a nonzero prior mean",
      new DiffusionModelComponents({
        linearSde: brownianMotion({ sigma: 0.8, dim: 2 }),
        t0: 0,
        priorAtT0: gaussian({ mean: [2, -1], cov: 0.5 }),
        t1: 1,
        evidenceCov: 0,
      }),
    ],
    [
      "the VP SDE",
      new DiffusionModelComponents({
        linearSde: variancePreservingSde({ betaMin: 0.1, betaMax: 20, dim: 2 }),
        t0: 0,
        priorAtT0: gaussian({ mean: 0.3, cov: 1, dim: 2 }),
        t1: 1,
        evidenceCov: 1e-4,
      }),
    ],
  ];
}

function ml(m: Mat, d: number): Matrix {
  return new Matrix(toRows(m, d));
}

/**
 * Bridge marginal by Gaussian conditioning of the joint z = (x_{t0}, xₜ, y1) under the prior: condition
 * xₜ on (x_{t0}, y1) with the Schur complement of the full joint covariance, then integrate x_{t0}
 * against the prior. Returns A_p, b_p, Σ_p as plain rows.
 */
function jointConditioning(comp: DiffusionModelComponents, t: number) {
  const d = comp.dim;
  const sde = comp.linearSde;
  const f = sde.transitionsFrom(comp.t0, [t]).transitions[0]!;
  const b = sde.transitionsTo([t], comp.t1).transitions[0]!;
  const A1 = ml(f.A, d);
  const A2 = ml(b.A, d);
  const P0 = ml(comp.priorCov, d);
  const S1 = ml(f.cov, d);
  const S2R = ml(b.cov, d).add(ml(comp.evidenceCov, d));
  const m0 = Matrix.columnVector(Array.from(comp.priorMean));
  // Means and covariance blocks of (x0, xt, y).
  const mt = A1.mmul(m0).add(Matrix.columnVector(Array.from(f.u)));
  const my = A2.mmul(mt).add(Matrix.columnVector(Array.from(b.u)));
  const C00 = P0;
  const Ct0 = A1.mmul(P0);
  const Ctt = A1.mmul(P0).mmul(A1.transpose()).add(S1);
  const Cy0 = A2.mmul(Ct0);
  const Cyt = A2.mmul(Ctt);
  const Cyy = A2.mmul(Ctt).mmul(A2.transpose()).add(S2R);
  // Observed block o = (x0, y).
  const Coo = new Matrix(2 * d, 2 * d);
  Coo.setSubMatrix(C00, 0, 0);
  Coo.setSubMatrix(Cy0.transpose(), 0, d);
  Coo.setSubMatrix(Cy0, d, 0);
  Coo.setSubMatrix(Cyy, d, d);
  const Cto = new Matrix(d, 2 * d);
  Cto.setSubMatrix(Ct0, 0, 0);
  Cto.setSubMatrix(Cyt.transpose(), 0, d);
  const M = Cto.mmul(inverse(Coo));
  const M0 = M.subMatrix(0, d - 1, 0, d - 1);
  const My = M.subMatrix(0, d - 1, d, 2 * d - 1);
  const C = Ctt.sub(M.mmul(Cto.transpose()));
  const bp = mt.sub(My.mmul(my));
  const Sp = C.add(M0.mmul(P0).mmul(M0.transpose()));
  return { Ap: My.to2DArray(), bp: bp.to1DArray(), Sp: Sp.to2DArray() };
}

/** Five-point derivative of f at t (Richardson-free 4th order), or 3-point one-sided at an end. */
function fdDerivative(
  comp: DiffusionModelComponents,
  t: number,
  h: number,
  get: (s: ProbabilityPathSlice) => Float64Array,
): Float64Array {
  const times = [t - 2 * h, t - h, t + h, t + 2 * h];
  const path = getProbabilityPath(comp, times);
  const v = path.map(get);
  return v[0]!.map((_, i) => (v[0]![i]! - 8 * v[1]![i]! + 8 * v[2]![i]! - v[3]![i]!) / (12 * h));
}

describe("bridge marginal", () => {
  for (const [name, comp] of setups()) {
    test(`the marginal of ${name} equals Gaussian conditioning of the joint (x_t0, x_t, y1)`, () => {
      for (const t of [0.3, 0.7]) {
        const ref = jointConditioning(comp, t);
        const s = new ProbabilityPathSlice(comp, t);
        const d = comp.dim;
        assert.ok(relErr(toRows(s.y1ToMarginalMean.A, d), ref.Ap) < 1e-9, `A_p t=${t}`);
        assert.ok(relErr(s.y1ToMarginalMean.b, ref.bp) < 1e-9, `b_p t=${t}`);
        assert.ok(relErr(toRows(s.marginalCov, d), ref.Sp) < 1e-9, `Σ_p t=${t}`);
      }
    });

    test(`the marginal of ${name} at t0 is the prior`, () => {
      const s = new ProbabilityPathSlice(comp, comp.t0);
      const d = comp.dim;
      assert.ok(
        toDense(s.y1ToMarginalMean.A, d).every((x) => x === 0),
        "A_p = 0",
      );
      assert.deepEqual(Array.from(s.y1ToMarginalMean.b), Array.from(comp.priorMean));
      assert.ok(relErr(toRows(s.marginalCov, d), toRows(comp.priorCov, d)) < 1e-15, "Σ_p = P0");
    });

    test(`flow of ${name} satisfies the continuity equation and drift the Fokker–Planck equation`, () => {
      const d = comp.dim;
      const h = 1e-3;
      for (const t of [0.25, 0.6]) {
        const s = new ProbabilityPathSlice(comp, t);
        const S = toDense(s.marginalCov, d);
        const dS = fdDerivative(comp, t, h, (x) => toDense(x.marginalCov, d));
        const dA = fdDerivative(comp, t, h, (x) => toDense(x.y1ToMarginalMean.A, d));
        const db = fdDerivative(comp, t, h, (x) => x.y1ToMarginalMean.b);
        const Ap = toDense(s.y1ToMarginalMean.A, d);
        const bp = s.y1ToMarginalMean.b;
        const Lambda = toDense(s.params.Lambda, d);
        const scale = Math.max(1, ...dS.map(Math.abs));
        for (const [kind, diffusion] of [
          ["flow", 0],
          ["drift", 1],
        ] as const) {
          const { G, H, k } = s.affine(kind);
          const Gd = toDense(G, d);
          const Hd = toDense(H, d);
          let worst = 0;
          for (let i = 0; i < d; i++) {
            let mean = k[i]!;
            for (let m = 0; m < d; m++) mean += Gd[i * d + m]! * bp[m]!;
            worst = Math.max(worst, Math.abs(db[i]! - mean));
            for (let j = 0; j < d; j++) {
              // Σ̇ = GΣ + ΣGᵀ (+ Λ for the drift);  d/dt A_p = G·A_p + H.
              let cov = diffusion * Lambda[i * d + j]!;
              let gain = Hd[i * d + j]!;
              for (let m = 0; m < d; m++) {
                cov += Gd[i * d + m]! * S[m * d + j]! + S[i * d + m]! * Gd[j * d + m]!;
                gain += Gd[i * d + m]! * Ap[m * d + j]!;
              }
              worst = Math.max(worst, Math.abs(dS[i * d + j]! - cov), Math.abs(dA[i * d + j]! - gain));
            }
          }
          assert.ok(worst / scale < 1e-6, `${kind} at t=${t}: residual ${worst}`);
        }
      }
    });
  }
});

describe("getProbabilityPath", () => {
  test("getProbabilityPath equals per-slice results and uses exactly 2 ODE solves for a time-varying SDE", () => {
    const comp = componentsOf(case5);
    const times = [0.9, 0.05, 0.5, 0.33, 1, 0, 0.71, 0.2];
    const path = getProbabilityPath(comp, times);
    assert.equal(path.length, times.length);
    assert.equal(path.stats.solves, 2);
    assert.ok(path.stats.rhsEvals > 0);
    let rhsSingle = 0;
    times.forEach((t, i) => {
      const single = new ProbabilityPathSlice(comp, t);
      assert.equal(single.stats.solves, 2, "a single slice costs two solves");
      rhsSingle += single.stats.rhsEvals;
      const s = path[i]!;
      assert.equal(s.t, t);
      assert.ok(relErr(toRows(s.y1ToMarginalMean.A, 2), toRows(single.y1ToMarginalMean.A, 2)) < 1e-10);
      assert.ok(relErr(s.y1ToMarginalMean.b, single.y1ToMarginalMean.b) < 1e-10);
      assert.ok(relErr(toRows(s.marginalCov, 2), toRows(single.marginalCov, 2)) < 1e-10);
      if (t < 1 || comp.evidenceCov.kind !== "scalar") {
        const f = s.affine("flow");
        const g = single.affine("flow");
        assert.ok(relErr(toRows(f.G, 2), toRows(g.G, 2)) < 1e-9 && relErr(f.k, g.k) < 1e-9);
      }
    });
    assert.ok(path.stats.rhsEvals < rhsSingle, `${path.stats.rhsEvals} vs ${rhsSingle}`);
  });

  test("getProbabilityPath needs no ODE solve for a closed-form SDE and rejects times outside [t0, t1]", () => {
    const [, comp] = setups()[1]!;
    const path = getProbabilityPath(comp, [0.1, 0.5]);
    assert.equal(path.stats.solves, 0);
    assert.throws(
      () => getProbabilityPath(comp, [0.5, 1.2]),
      /getProbabilityPath: t = 1.2 is outside \[t0, t1\] = \[0, 1\]/,
    );
  });
});

describe("Monte Carlo", () => {
  test("Euler–Maruyama paths of the conditioned SDE from the prior match the bridge mean and covariance", () => {
    const comp = componentsOf(case5);
    const d = 2;
    const n = 4000;
    const steps = 400;
    const grid = Array.from({ length: steps + 1 }, (_, k) => k / steps);
    const path = getProbabilityPath(comp, grid);
    const y1 = Float64Array.of(1.5, 0.5);
    const x = comp.priorAtT0 && new Float64Array(n * d);
    // x_{t0} ~ prior (symmetric square root of P0).
    const z = perSampleNormals(7, 0, 0, n, d, new Float64Array(n * d));
    const root = path[0]!.marginalCovSqrt;
    const R0 = toDense(root, d);
    for (let r = 0; r < n; r++)
      for (let i = 0; i < d; i++)
        x[r * d + i] = comp.priorMean[i]! + R0[i * d]! * z[r * d]! + R0[i * d + 1]! * z[r * d + 1]!;
    const check = (k: number): void => {
      const s = path[k]!;
      const mu = s.marginalMean(y1);
      const S = toDense(s.marginalCov, d);
      const mean = [0, 0];
      for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) mean[i]! += x[r * d + i]! / n;
      const cov = [0, 0, 0, 0];
      for (let r = 0; r < n; r++)
        for (let i = 0; i < d; i++)
          for (let j = 0; j < d; j++)
            cov[i * d + j]! += ((x[r * d + i]! - mean[i]!) * (x[r * d + j]! - mean[j]!)) / (n - 1);
      for (let i = 0; i < d; i++) {
        const se = Math.sqrt(S[i * d + i]! / n);
        assert.ok(
          Math.abs(mean[i]! - mu[i]!) < 4 * se + 0.01,
          `mean[${i}] at t=${s.t}: ${mean[i]} vs ${mu[i]}`,
        );
        for (let j = 0; j < d; j++) {
          const seCov = Math.sqrt((S[i * d + i]! * S[j * d + j]! + S[i * d + j]! ** 2) / n);
          assert.ok(
            Math.abs(cov[i * d + j]! - S[i * d + j]!) < 4 * seCov + 0.01,
            `cov[${i}][${j}] at t=${s.t}: ${cov[i * d + j]} vs ${S[i * d + j]}`,
          );
        }
      }
    };
    const dt = 1 / steps;
    const noise = new Float64Array(n * d);
    const drift = new DiffusionModelConversions(path[0]!);
    void drift;
    for (let k = 0; k < steps; k++) {
      const s = path[k]!;
      const { G, H, k: c } = s.affine("drift");
      const Gd = toDense(G, d);
      const Hy = toDense(H, d);
      const L = toDense(s.params.L, d);
      perSampleNormals(7, k + 1, 0, n, d, noise);
      for (let r = 0; r < n; r++) {
        const x0 = x[r * d]!;
        const x1 = x[r * d + 1]!;
        for (let i = 0; i < d; i++) {
          const b =
            Gd[i * d]! * x0 + Gd[i * d + 1]! * x1 + Hy[i * d]! * y1[0]! + Hy[i * d + 1]! * y1[1]! + c[i]!;
          const w = L[i * d]! * noise[r * d]! + L[i * d + 1]! * noise[r * d + 1]!;
          x[r * d + i] = (i === 0 ? x0 : x1) + b * dt + Math.sqrt(dt) * w;
        }
      }
      if (k + 1 === steps / 2 || k + 1 === steps) check(k + 1);
    }
  });
});

describe("singular points", () => {
  test("with R = 0 the path is pinned at t1: A_p = I, Σ_p = 0, and score, flow and drift throw naming the reason", () => {
    const [, comp] = setups()[3]!;
    const s = new ProbabilityPathSlice(comp, 1);
    assert.deepEqual(toRows(s.y1ToMarginalMean.A, 2), [
      [1, 0],
      [0, 1],
    ]);
    assert.ok(toDense(s.marginalCov, 2).every((x) => Math.abs(x) < 1e-15));
    const conv = new DiffusionModelConversions(s);
    const y1 = Float64Array.of(1, 2);
    assert.throws(
      () => conv.y1ToScore({ y1, xt: y1 }),
      /Σ_p is singular at t = 1 \(the path is pinned to y1\).*evidenceCov R > 0/,
    );
    assert.throws(() => conv.y1ToDrift({ y1, xt: y1 }), /W = Σ_\{t1\|t\} \+ R is singular at t = 1/);
    assert.throws(() => conv.y1ToFlow({ y1, xt: y1 }), /singular at t = 1/);
    const items = sampleMatchingItems(new ProbabilityPathSlice(comp, 0.999), y1, Float64Array.of(0.1, -0.2));
    assert.ok(items.drift?.every(Number.isFinite), "finite just before t1");
  });

  test("at t0 epsilon and score do not determine y1 and throw naming the conversion and A_p; drift and flow still do", () => {
    const conv = new DiffusionModelConversions(componentsOf(case5), 0);
    const v = Float64Array.of(0.1, 0.2);
    // The Doob drift pulls towards y1 at every t < t1, so flow and drift invert even at t0.
    for (const kind of ["flow", "drift"] as const) {
      assert.ok(relErr(conv.convert(conv.convert(v, "y1", kind, v), kind, "y1", v), v) < 1e-12, kind);
    }
    for (const kind of ["epsilon", "score"] as const) {
      assert.throws(
        () => conv.convert(v, kind, "y1", v),
        new RegExp(`DiffusionModelConversions.${kind}ToY1: singular — A_p is singular at t = 0 \\(t = t0`),
      );
    }
    // Forward conversions and epsilon ↔ score stay defined at t0.
    assert.ok(conv.epsilonToScore({ epsilon: v, xt: v }).every(Number.isFinite));
    assert.ok(conv.y1ToFlow({ y1: v, xt: v }).every(Number.isFinite));
  });

  test("with degenerate noise (CLD) drift → y1 and flow → y1 throw, while score and epsilon invert", () => {
    const [, comp] = setups()[2]!;
    const conv = new DiffusionModelConversions(comp, 0.5);
    const xt = Float64Array.of(0.3, -0.1);
    const y1 = Float64Array.of(1, 0.5);
    assert.throws(
      () => conv.driftToY1({ drift: conv.y1ToDrift({ y1, xt }), xt }),
      /driftToY1: singular — Λ = LLᵀ is singular \(degenerate noise\)/,
    );
    assert.throws(
      () => conv.flowToY1({ flow: conv.y1ToFlow({ y1, xt }), xt }),
      /flowToY1: singular — Λ = LLᵀ is singular/,
    );
    assert.ok(relErr(conv.scoreToY1({ score: conv.y1ToScore({ y1, xt }), xt }), y1) < 1e-12);
    assert.ok(relErr(conv.epsilonToY1({ epsilon: conv.y1ToEpsilon({ y1, xt }), xt }), y1) < 1e-12);
  });

  test("a path with no noise anywhere (σ = 0, R = 0) is rejected with the fix", () => {
    const comp = new DiffusionModelComponents({
      linearSde: brownianMotion({ sigma: 0, dim: 1 }),
      t0: 0,
      priorAtT0: gaussian({ mean: 0, cov: 1, dim: 1 }),
      t1: 1,
      evidenceCov: 0,
    });
    assert.throws(
      () => new ProbabilityPathSlice(comp, 0.5),
      /ProbabilityPathSlice: V = .* is not positive definite.*use evidenceCov R > 0/,
    );
  });
});

describe("component errors", () => {
  test("DiffusionModelComponents validates times, dimensions and covariances with errors naming the argument and fix", () => {
    const sde = brownianMotion({ sigma: 1, dim: 2 });
    const prior = gaussian({ mean: [0, 0], cov: 1 });
    const make = (o: object) => () =>
      new DiffusionModelComponents({ linearSde: sde, t0: 0, priorAtT0: prior, t1: 1, evidenceCov: 0, ...o });
    assert.throws(make({ t1: 0 }), /DiffusionModelComponents: need finite t0 < t1/);
    assert.throws(
      make({ priorAtT0: gaussian({ mean: [0, 0, 0], cov: 1 }) }),
      /priorAtT0 has dimension 3 but the SDE has dimension 2/,
    );
    assert.throws(
      make({ priorAtT0: { mean: 0, cov: 1 } }),
      /priorAtT0 must be made with gaussian\(\{ mean, cov \}\)/,
    );
    assert.throws(
      make({ evidenceCov: -1 }),
      /DiffusionModelComponents: evidenceCov is not positive semidefinite/,
    );
    assert.throws(
      make({
        evidenceCov: [
          [1, 0.5],
          [0, 1],
        ],
      }),
      /evidenceCov is not symmetric/,
    );
    assert.throws(make({ linearSde: {} }), /linearSde must be a LinearSde/);
    assert.throws(
      () =>
        gaussian({
          mean: [0, 0],
          cov: [
            [1, 2],
            [2, 1],
          ],
        }),
      /gaussian: cov is not positive semidefinite/,
    );
    const comp = make({})();
    assert.throws(
      () => new ProbabilityPathSlice(comp, 1.5),
      /ProbabilityPathSlice: t = 1.5 is outside \[t0, t1\] = \[0, 1\]/,
    );
  });
});
